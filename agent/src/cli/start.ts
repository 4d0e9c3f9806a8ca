import { ConfigError, loadConfig, writeDefaultConfig } from "../home/config.ts";
import { loadCredentials } from "../home/credentials.ts";
import { ensureHomeDir, homePaths, resolveHomeDir } from "../home/paths.ts";
import { runningAgent } from "../home/status-file.ts";
import { createLogger } from "../log.ts";
import { PortInUseError, startAgent } from "../runtime/agent.ts";
import { hearthCommand } from "../invocation.ts";
import { VERSION } from "../version.ts";
import { CliError, parseOptions, UsageError } from "./args.ts";
import type { CliCommand } from "./args.ts";

/** Exit code when the server refused this device for good: pair again (a supervisor should not restart it). */
export const EXIT_PAIR_AGAIN = 3;

export const startCommand: CliCommand = {
  usage: `Usage: hearth start [--json]

Runs the agent in the foreground: it connects to your Hearth server, runs the commands you allow,
and serves the local endpoint on 127.0.0.1. It reconnects by itself when the network drops.
Stop it with Ctrl-C; commands still running get a few seconds to finish.

Options:
  --json       Log JSON lines (one object per line) instead of readable text
  -h, --help   Show this help

Exit codes: 0 stopped, 1 error, ${EXIT_PAIR_AGAIN} the server refused this computer (run \`hearth pair\` again).

Debugging aid:
  HEARTH_DEBUG_ACTION_DELAY_MS=<ms>  Wait this long after marking each command "running" and before
                                     its action starts, so you can kill the agent mid-command and watch
                                     crash recovery report it as interrupted instead of running it twice.
  HEARTH_DEBUG_IGNORE_ACTIVITY_ACKS=1  Ignore the server's acks of activity, as if the agent died after sending
                                     but before the ack: the events stay in the outbox and the next start sends
                                     them again (the server stores each once).`,
  run: async (argv, { out, env }) => {
    const { values } = parseOptions(argv, { json: { type: "boolean" } });
    const debugDelay = parseDelay(env.HEARTH_DEBUG_ACTION_DELAY_MS);
    const paths = homePaths(resolveHomeDir(env));
    const hearth = hearthCommand(env);
    const credentials = loadCredentials(paths.credentials, hearth);
    if (!credentials) throw new CliError(`Not paired yet — run \`${hearth} pair --server https://…\` first (use your Hearth server's address).`);
    ensureHomeDir(paths);
    let loaded;
    try {
      loaded = loadConfig(paths.config);
    } catch (error) {
      if (error instanceof ConfigError) throw new CliError(error.message);
      throw error;
    }
    const log = createLogger({ json: values.json === true, sink: out.log, errorSink: out.error });
    if (!loaded.exists) {
      writeDefaultConfig(paths.config, loaded.config);
      log.info("config.created", `Wrote the default settings to ${paths.config}; edit it to change folders, the shell allowlist or apps.`, { path: paths.config });
    }
    const other = runningAgent(paths.status);
    if (other) throw new CliError(`Another agent is already running for ${paths.dir} (pid ${other.pid}). Stop it first, or check it with \`${hearth} status\`.`);
    const ignoreActivityAcks = env.HEARTH_DEBUG_IGNORE_ACTIVITY_ACKS === "1";
    if (ignoreActivityAcks) log.warn("debug.ignore_acks", "HEARTH_DEBUG_IGNORE_ACTIVITY_ACKS=1: activity stays in the outbox after the server acks it.");
    if (debugDelay > 0) log.warn("debug.delay", `HEARTH_DEBUG_ACTION_DELAY_MS=${debugDelay}: each command waits ${debugDelay} ms after being marked running.`);

    let agent;
    try {
      agent = await startAgent({ paths, credentials, config: loaded.config, log, debugActionDelayMs: debugDelay, debugIgnoreActivityAcks: ignoreActivityAcks });
    } catch (error) {
      if (error instanceof PortInUseError) throw new CliError(error.message);
      throw error;
    }
    log.info("agent.started", `Hearth agent ${VERSION} for ${credentials.user_email}. Folders: ${loaded.config.filesystem.roots.join(", ")}. Press Ctrl-C to stop.`, {
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
    await agent.stop();
    if (outcome.kind === "fatal") {
      log.error("agent.refused", outcome.message);
      return EXIT_PAIR_AGAIN;
    }
    log.info("agent.stopped", "Stopped.");
    return 0;
  },
};

function parseDelay(value: string | undefined): number {
  if (value === undefined || value === "") return 0;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) throw new UsageError(`HEARTH_DEBUG_ACTION_DELAY_MS must be a whole number of milliseconds, not "${value}"`);
  return ms;
}
