import { join } from "node:path";
import { ConfigError, loadConfig, writeDefaultConfig } from "../home/config.ts";
import { loadCredentials } from "../home/credentials.ts";
import { ensureHomeDir, homePaths, resolveHomeDir } from "../home/paths.ts";
import type { HomePaths } from "../home/paths.ts";
import { runningAgent, writeStatus } from "../home/status-file.ts";
import { createLogger } from "../log.ts";
import type { Logger } from "../log.ts";
import { RotatingLogFile } from "../service/log-file.ts";
import { PortInUseError, startAgent } from "../runtime/agent.ts";
import { hearthCommand } from "../invocation.ts";
import { VERSION } from "../version.ts";
import { CliError, parseOptions, UsageError } from "./args.ts";
import type { CliCommand } from "./args.ts";

/** Exit code when the server refused this device for good: pair again (a supervisor should not restart it). */
export const EXIT_PAIR_AGAIN = 3;

/**
 * The exit code for "pair again". systemd is told not to restart on 3 (RestartPreventExitStatus=3); launchd and Task
 * Scheduler cannot exclude one code, only restart after any failure, so as their service the agent exits 0 instead.
 */
export function pairAgainExitCode(platform: NodeJS.Platform, service: boolean): number {
  return service && platform !== "linux" ? 0 : EXIT_PAIR_AGAIN;
}

export const startCommand: CliCommand = {
  usage: `Usage: hearth start [--json] [--service]

Runs the agent in the foreground: it connects to your Hearth server, runs the commands you allow,
and serves the local endpoint on 127.0.0.1. It reconnects by itself when the network drops.
Stop it with Ctrl-C; commands still running get a few seconds to finish.

Options:
  --json       Log JSON lines (one object per line) instead of readable text
  --service    How the background service runs it (\`hearth service install\`): JSON lines, also appended
               to <settings>/logs/agent.log (rotated at 5 MB, one old file kept)
  --home <dir> The settings folder, as HEARTH_HOME sets it (the Windows task has no environment to set)
  -h, --help   Show this help

Exit codes: 0 stopped, 1 error, ${EXIT_PAIR_AGAIN} the server refused this computer (run \`hearth pair\` again).
As a service on macOS and Windows, "pair again" exits 0: their managers restart after any failure.

Debugging aid:
  HEARTH_DEBUG_ACTION_DELAY_MS=<ms>  Wait this long after marking each command "running" and before
                                     its action starts, so you can kill the agent mid-command and watch
                                     crash recovery report it as interrupted instead of running it twice.
  HEARTH_DEBUG_IGNORE_ACTIVITY_ACKS=1  Ignore the server's acks of activity, as if the agent died after sending
                                     but before the ack: the events stay in the outbox and the next start sends
                                     them again (the server stores each once).`,
  run: async (argv, { out, env: given }) => {
    // --home: the Task Scheduler task has no environment of its own, so it passes HEARTH_HOME this way.
    const { values } = parseOptions(argv, { json: { type: "boolean" }, service: { type: "boolean" }, home: { type: "string" } });
    const env = values.home === undefined ? given : { ...given, HEARTH_HOME: values.home };
    const service = values.service === true;
    const debugDelay = parseDelay(env.HEARTH_DEBUG_ACTION_DELAY_MS);
    const paths = homePaths(resolveHomeDir(env));
    const hearth = hearthCommand(env);
    let log: Logger;
    if (service) {
      // The service's log file, besides stdout (the journal under systemd): `hearth service logs` reads it.
      ensureHomeDir(paths);
      const file = new RotatingLogFile(join(paths.dir, "logs", "agent.log"));
      const tee = (line: string) => {
        out.log(line);
        file.write(line);
      };
      log = createLogger({ json: true, sink: tee, errorSink: tee });
    } else {
      log = createLogger({ json: values.json === true, sink: out.log, errorSink: out.error });
    }
    try {
      return await runAgent({ env, paths, hearth, log, service, debugDelay });
    } catch (error) {
      // A service has no terminal: what stopped it must be in its log file too.
      if (service && error instanceof Error && !(error instanceof UsageError)) log.error("agent.failed", error.message);
      throw error;
    }
  },
};

async function runAgent({ env, paths, hearth, log, service, debugDelay }: { env: NodeJS.ProcessEnv; paths: HomePaths; hearth: string; log: Logger; service: boolean; debugDelay: number }): Promise<number> {
  const credentials = loadCredentials(paths.credentials, hearth);
  const notPaired = `Not paired yet — run \`${hearth} pair --server https://…\` first (use your Hearth server's address).`;
  if (!credentials && service) {
    // Restarting cannot pair it: stop the way "pair again" stops, so the manager leaves it alone.
    log.error("agent.not_paired", notPaired);
    return pairAgainExitCode(process.platform, service);
  }
  if (!credentials) throw new CliError(notPaired);
  ensureHomeDir(paths);
  let loaded;
  try {
    loaded = loadConfig(paths.config);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
  if (!loaded.exists) {
    writeDefaultConfig(paths.config, loaded.config);
    log.info("config.created", `Wrote the default settings to ${paths.config}; edit it to change folders, the shell allowlist or apps.`, { path: paths.config });
  }
  const other = runningAgent(paths.status);
  if (other) throw new CliError(`Another agent is already running for ${paths.dir} (pid ${other.pid}). Stop it first, or check it with \`${hearth} status\`.`);
  const ignoreActivityAcks = env.HEARTH_DEBUG_IGNORE_ACTIVITY_ACKS === "1";
  if (ignoreActivityAcks) log.warn("debug.ignore_acks", "HEARTH_DEBUG_IGNORE_ACTIVITY_ACKS=1: activity stays in the outbox after the server acks it.");
  if (debugDelay > 0) log.warn("debug.delay", `HEARTH_DEBUG_ACTION_DELAY_MS=${debugDelay}: each command waits ${debugDelay} ms after being marked running.`);

  const startedAt = Date.now();
  let agent;
  try {
    agent = await startAgent({ paths, credentials, config: loaded.config, log, debugActionDelayMs: debugDelay, debugIgnoreActivityAcks: ignoreActivityAcks });
  } catch (error) {
    if (error instanceof PortInUseError) throw new CliError(error.message);
    throw error;
  }
  log.info("agent.started", `Hearth agent ${VERSION} for ${credentials.user_email}. Folders: ${loaded.config.filesystem.roots.join(", ")}.${service ? "" : " Press Ctrl-C to stop."}`, {
    version: VERSION,
    device_id: credentials.device_id,
  });

  const outcome = await new Promise<{ kind: "signal"; signal: string } | { kind: "fatal"; message: string }>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => resolve({ kind: "signal", signal });
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    void agent.fatal.then((message) => resolve({ kind: "fatal", message }));
  });
  if (outcome.kind === "signal") log.info("agent.stopping", `Stopping (${outcome.signal}) …`);
  const waiting = agent.outbox.size();
  await agent.stop();
  if (outcome.kind === "fatal") {
    log.error("agent.refused", outcome.message);
    // Left behind for `hearth status` and `hearth doctor`: a service that stopped has no terminal to say why.
    writeStatus(paths.status, { pid: process.pid, state: "stopped", server: credentials.server, outbox: waiting, local_port: null, started_at: startedAt, updated_at: Date.now(), reason: outcome.message });
    return pairAgainExitCode(process.platform, service);
  }
  log.info("agent.stopped", "Stopped.");
  return 0;
}

function parseDelay(value: string | undefined): number {
  if (value === undefined || value === "") return 0;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) throw new UsageError(`HEARTH_DEBUG_ACTION_DELAY_MS must be a whole number of milliseconds, not "${value}"`);
  return ms;
}
