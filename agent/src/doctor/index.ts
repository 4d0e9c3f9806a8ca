import { ConfigError, loadConfig } from "../home/config.ts";
import type { ResolvedConfig } from "../home/config.ts";
import { loadCredentials } from "../home/credentials.ts";
import type { Credentials } from "../home/credentials.ts";
import { homePaths, resolveHomeDir } from "../home/paths.ts";
import { hearthCommand } from "../invocation.ts";
import { serviceContext } from "../service/index.ts";
import type { ServiceContext } from "../service/index.ts";
import { foldersCheck, permissionsCheck, portCheck, sandboxCheck, serviceCheck } from "./local.ts";
import { networkChecks } from "./network.ts";
import { check } from "./types.ts";
import type { Check } from "./types.ts";

export type { Check, CheckStatus } from "./types.ts";

export type DoctorOptions = {
  env: NodeJS.ProcessEnv;
  /** Each network request gives up after this long (5 s by default). */
  timeoutMs: number;
  version: string;
  /** For tests and callers that run as a different entry script; defaults to this process. */
  service?: ServiceContext;
};

/** Extra time a whole check gets beyond the network timeout before it is reported as hung. */
const CHECK_SLACK_MS = 3_000;

/**
 * Runs every check, local ones and the server's, and returns them in a fixed order. No check can hang the
 * doctor: each is raced against a deadline, and a check that throws is reported as failed with its message.
 */
export async function runDoctor(options: DoctorOptions): Promise<Check[]> {
  const { env, timeoutMs } = options;
  const hearth = hearthCommand(env);
  const paths = homePaths(resolveHomeDir(env));

  let config: ResolvedConfig | null = null;
  let configCheck: Check;
  try {
    const loaded = loadConfig(paths.config);
    config = loaded.config;
    configCheck = check("config", "Config", "ok", loaded.exists ? `${paths.config} is valid` : `no ${paths.config} yet: the defaults apply (it is written at the first start)`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    configCheck = check("config", "Config", "fail", error.message.split("\n").slice(0, 3).join(" "), `Fix ${paths.config} as said, or delete it to get the defaults back.`);
  }

  let credentials: Credentials | null = null;
  let pairedCheck: Check;
  try {
    credentials = loadCredentials(paths.credentials, hearth);
    pairedCheck = credentials
      ? check("paired", "Paired", "ok", `with ${credentials.user_email} on ${credentials.server}`)
      : check("paired", "Paired", "fail", `not paired (no ${paths.credentials})`, `Run \`${hearth} pair --server https://your-hearth-server\`.`);
  } catch (error) {
    pairedCheck = check("paired", "Paired", "fail", error instanceof Error ? error.message : String(error), `Run \`${hearth} pair --server <url>\` again.`);
  }

  const bounded = (id: string, title: string, work: () => Promise<Check[]>, limitMs: number): Promise<Check[]> =>
    guard(id, title, work, limitMs);
  const limit = timeoutMs + CHECK_SLACK_MS;
  const skippedNoConfig = (id: string, title: string) => check(id, title, "warn", "skipped: config.json cannot be read", "Fix the config first.");
  const ctx = options.service ?? serviceContext(env);

  const [network, folders, sandbox, service, port] = await Promise.all([
    credentials
      ? bounded("server", "Server reachable", () => networkChecks(credentials, { timeoutMs, version: options.version, hearth, platform: process.platform }), timeoutMs * 2 + CHECK_SLACK_MS)
      : Promise.resolve(["Server reachable", "Token valid", "Clock", "Agent version"].map((title, index) => check(["server", "token", "clock", "update"][index] ?? title, title, "warn", "skipped: not paired"))),
    config ? bounded("folders", "Allowed folders", async () => [foldersCheck(config, paths.config)], limit) : [skippedNoConfig("folders", "Allowed folders")],
    config ? bounded("sandbox", "Shell sandbox", async () => [sandboxCheck(config, paths.config)], limit + 10_000) : [skippedNoConfig("sandbox", "Shell sandbox")],
    bounded("service", "Background service", async () => [await serviceCheck(ctx, paths, hearth)], ctx.managerTimeoutMs + CHECK_SLACK_MS),
    config ? bounded("port", "Local endpoint port", async () => [await portCheck(config, paths)], limit) : [skippedNoConfig("port", "Local endpoint port")],
  ]);
  return [configCheck, pairedCheck, ...network, ...folders, ...sandbox, ...service, ...port, permissionsCheck(paths, hearth)];
}

/** Runs `work` with a deadline; a hang or a throw becomes a failed check that says so. */
async function guard(id: string, title: string, work: () => Promise<Check[]>, limitMs: number): Promise<Check[]> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Check[]>((resolve) => {
    timer = setTimeout(() => resolve([check(id, title, "fail", `did not finish within ${Math.round(limitMs / 1000)} s`, "Run `hearth doctor` again; if it hangs again, report it with this output.")]), limitMs);
    timer.unref();
  });
  try {
    return await Promise.race([work(), hung]);
  } catch (error) {
    return [check(id, title, "fail", `the check failed: ${error instanceof Error ? error.message : String(error)}`, "Report this with the output of `hearth doctor --json`.")];
  } finally {
    clearTimeout(timer);
  }
}
