import { realpathSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import { resolveHomeDir } from "../home/paths.ts";
import { LAUNCHD_LABEL, SYSTEMD_UNIT } from "./definitions.ts";
import type { ServiceSpec } from "./definitions.ts";

/** Which service manager a platform has. */
export type ManagerName = "systemd" | "launchd" | "schtasks";

/** What the service functions need to know about this computer and this agent; `serviceContext` fills it in. */
export type ServiceContext = {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** The Node binary the service runs. */
  execPath: string;
  /** The agent's entry script (the bundle `hearth.cjs`, or `agent/bin/hearth.mjs` from the repo). */
  entry: string;
  /** The user's home folder (where ~/.config and ~/Library are). */
  userHome: string;
  /** Numeric user id, for launchd's `gui/<uid>` domain. */
  uid: number;
  /** Each call to systemctl/launchctl/schtasks gives up after this long, so no command can hang on a stuck manager. */
  managerTimeoutMs: number;
};

/** The context of this process: the running Node, its entry script, the current user. */
export function serviceContext(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ServiceContext> = {}): ServiceContext {
  const argv1 = process.argv[1];
  return {
    env,
    platform: process.platform,
    execPath: process.execPath,
    // realpath: the launcher and npm's bin are links; the service must keep working when they are replaced.
    entry: argv1 ? realpathSync(argv1) : "",
    userHome: env.HOME || homedir(),
    uid: typeof process.getuid === "function" ? process.getuid() : userInfoUid(),
    managerTimeoutMs: 20_000,
    ...overrides,
  };
}

function userInfoUid(): number {
  try {
    return userInfo().uid;
  } catch {
    return -1;
  }
}

/** The manager this platform uses, or null where Hearth has none (the agent then runs with `hearth start`). */
export function managerFor(platform: NodeJS.Platform): ManagerName | null {
  if (platform === "linux") return "systemd";
  if (platform === "darwin") return "launchd";
  if (platform === "win32") return "schtasks";
  return null;
}

/** The agent's log file: `<settings folder>/logs/agent.log`. */
export function logFileOf(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  return join(resolveHomeDir(env, platform), "logs", "agent.log");
}

/** The spec a service is written from, for this context. */
export function specOf(ctx: ServiceContext): ServiceSpec {
  return {
    execPath: ctx.execPath,
    entry: ctx.entry,
    home: resolveHomeDir(ctx.env, ctx.platform),
    logFile: logFileOf(ctx.env, ctx.platform),
  };
}

/** Where the definition file lives for each manager. */
export function definitionFile(ctx: ServiceContext, manager: ManagerName): string {
  if (manager === "systemd") return join(ctx.env.XDG_CONFIG_HOME || join(ctx.userHome, ".config"), "systemd", "user", SYSTEMD_UNIT);
  if (manager === "launchd") return join(ctx.userHome, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);
  // Task Scheduler keeps its own copy; this one is what was registered, kept for `hearth service status` and support.
  return join(resolveHomeDir(ctx.env, ctx.platform), "hearth-task.xml");
}
