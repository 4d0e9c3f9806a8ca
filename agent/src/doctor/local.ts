import { accessSync, constants, existsSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { probeOsSandbox } from "../connectors/os-sandbox.ts";
import type { ResolvedConfig } from "../home/config.ts";
import type { HomePaths } from "../home/paths.ts";
import { readStatus, runningAgent } from "../home/status-file.ts";
import { serviceStatus, UnsupportedPlatformError } from "../service/index.ts";
import type { ServiceContext } from "../service/index.ts";
import { check } from "./types.ts";
import type { Check } from "./types.ts";

/** filesystem.roots: each must be a folder the agent can list; the first problem of each is named. */
export function foldersCheck(config: ResolvedConfig, configPath: string, home: string = homedir()): Check {
  const problems: string[] = [];
  for (const root of config.filesystem.roots) {
    const path = root === "~" ? home : root.startsWith("~/") ? join(home, root.slice(2)) : root;
    try {
      if (!statSync(path).isDirectory()) {
        problems.push(`${root} is not a folder`);
        continue;
      }
      accessSync(path, constants.R_OK | constants.X_OK);
    } catch (error) {
      const code = error instanceof Error && "code" in error ? error.code : "";
      problems.push(code === "ENOENT" ? `${root} does not exist` : `${root} cannot be read (${String(code)})`);
    }
  }
  if (problems.length === 0) return check("folders", "Allowed folders", "ok", `${config.filesystem.roots.length} readable: ${config.filesystem.roots.join(", ")}`);
  return check("folders", "Allowed folders", "fail", problems.join("; "), `Create ${problems.length === 1 ? "it" : "them"} (or fix the permissions), or change filesystem.roots in ${configPath}; then restart the agent.`);
}

/** The shell's OS sandbox: needed only when shell.allow lists commands. Reuses the agent's own probe. */
export function sandboxCheck(config: ResolvedConfig, configPath: string): Check {
  if (config.shell.allow.length === 0) return check("sandbox", "Shell sandbox", "ok", "the shell is off (no commands in shell.allow), so nothing needs confining");
  const probe = probeOsSandbox();
  if (probe.ok) return check("sandbox", "Shell sandbox", "ok", `bubblewrap makes a sandbox here (${probe.bwrap})`);
  // Off Linux there is no sandbox yet, so the shell is off by design there: worth knowing, not broken.
  const status = process.platform === "linux" ? "fail" : "warn";
  return check("sandbox", "Shell sandbox", status, `the shell stays off: ${probe.reason}`, `Do as that says, or empty shell.allow in ${configPath} if you do not need the shell.`);
}

/** The background service, as its manager reports it, and why the agent last stopped if it was refused. */
export async function serviceCheck(ctx: ServiceContext, paths: HomePaths, hearth: string): Promise<Check> {
  const stopped = readStatus(paths.status);
  const refused = stopped?.state === "stopped" && stopped.reason ? ` It last stopped because: ${stopped.reason}` : "";
  let state;
  try {
    state = await serviceStatus(ctx);
  } catch (error) {
    if (error instanceof UnsupportedPlatformError) return check("service", "Background service", "warn", "none on this platform", `Run \`${hearth} start\` yourself.`);
    throw error;
  }
  if (!state.installed) {
    const how = `Install it with \`${hearth} service install\` (or keep \`${hearth} start\` running yourself).`;
    if (state.running === null && existsSync(state.file)) return check("service", "Background service", "warn", `written to ${state.file}, but ${state.detail}`, how);
    return check("service", "Background service", "warn", `not installed: the agent runs only while \`${hearth} start\` does.${refused}`, how);
  }
  if (state.running === null) return check("service", "Background service", "warn", `${state.manager}: ${state.detail}`, `Check with \`${hearth} service status\`.`);
  if (state.running) return check("service", "Background service", "ok", `${state.manager}: running (${state.detail})`);
  const exit = state.lastExit === null ? "" : `, last exit ${state.lastExit}`;
  return check("service", "Background service", "fail", `${state.manager}: installed but not running${exit}.${refused}`, refused ? `Run \`${hearth} pair --server <url>\` again, then \`${hearth} service install\`.` : `See \`${hearth} service logs\`, then \`${hearth} service install\` to start it again.`);
}

/** The local endpoint's port: free, or held by this settings folder's running agent (from status.json). */
export async function portCheck(config: ResolvedConfig, paths: HomePaths): Promise<Check> {
  const { enabled, port } = config.local_endpoint;
  if (!enabled) return check("port", "Local endpoint port", "ok", "the local endpoint is off");
  if (port === 0) return check("port", "Local endpoint port", "ok", "port 0: a free port is picked at start");
  const free = await new Promise<boolean | string>((resolve) => {
    const server = createServer();
    server.once("error", (error) => resolve("code" in error && error.code === "EADDRINUSE" ? false : error.message));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
  if (free === true) return check("port", "Local endpoint port", "ok", `127.0.0.1:${port} is free`);
  const agent = runningAgent(paths.status);
  if (free === false && agent?.local_port === port) return check("port", "Local endpoint port", "ok", `127.0.0.1:${port} is the running agent's (pid ${agent.pid})`);
  const detail = free === false ? `127.0.0.1:${port} is taken by another program` : `127.0.0.1:${port} cannot be used: ${free}`;
  return check("port", "Local endpoint port", "fail", detail, `Stop that program, or set local_endpoint.port (or "enabled": false) in ${paths.config}.`);
}

/** The settings folder is the user's alone (0700) and credentials.json too (0600): it holds the agent's token. */
export function permissionsCheck(paths: HomePaths, hearth: string, platform: NodeJS.Platform = process.platform): Check {
  if (platform === "win32") return check("permissions", "Settings permissions", "ok", `${paths.dir} (Windows: protected by your user profile's ACL)`);
  if (!existsSync(paths.dir)) return check("permissions", "Settings permissions", "warn", `${paths.dir} does not exist yet`, `It is made by \`${hearth} pair\`.`);
  const problems: string[] = [];
  const fixes: string[] = [];
  const dirMode = statSync(paths.dir).mode & 0o777;
  if ((dirMode & 0o077) !== 0) {
    problems.push(`${paths.dir} is ${dirMode.toString(8)}, not 700`);
    fixes.push(`chmod 700 '${paths.dir}'`);
  }
  if (existsSync(paths.credentials)) {
    const fileMode = statSync(paths.credentials).mode & 0o777;
    if ((fileMode & 0o077) !== 0) {
      problems.push(`credentials.json is ${fileMode.toString(8)}, not 600`);
      fixes.push(`chmod 600 '${paths.credentials}'`);
    }
  }
  if (problems.length === 0) return check("permissions", "Settings permissions", "ok", `${paths.dir} is 700${existsSync(paths.credentials) ? ", credentials.json 600" : ""}`);
  return check("permissions", "Settings permissions", "fail", `${problems.join("; ")}: other users of this computer could read the agent's token`, `Run ${fixes.map((fix) => `\`${fix}\``).join(" and ")}.`);
}
