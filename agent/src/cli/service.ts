import { existsSync } from "node:fs";
import { hearthCommand } from "../invocation.ts";
import { installService, logFileOf, serviceContext, serviceStatus, uninstallService, UnsafePathError, UnsupportedPlatformError } from "../service/index.ts";
import { followLog, lastLogLines, logPosition, prettyLogLine } from "../service/log-reader.ts";
import { CliError, parseOptions, UsageError } from "./args.ts";
import type { CliCommand, CliContext } from "./args.ts";

export const serviceCommand: CliCommand = {
  usage: `Usage: hearth service <install|uninstall|status|logs> [options]

Runs the agent in the background, started when you log in and restarted after a failure (but not when the
server refused this computer: then run \`hearth pair\` again):
  Linux    a systemd user unit, ~/.config/systemd/user/hearth.service
  macOS    a launchd agent, ~/Library/LaunchAgents/dev.hearth.agent.plist
  Windows  a Task Scheduler task, "Hearth Agent", at your logon

  install     Write the service for this agent and (re)start it. Safe to run again.
  uninstall   Stop the service and remove it. Your settings, pairing and state stay.
  status      The manager, its file, whether it is installed and running, the last exit, the log file.
  logs        The agent's log (<settings>/logs/agent.log), readable.
    -n, --lines N   How many of the last lines (default 50)
    -f, --follow    Keep printing new lines (Ctrl-C stops)

Options:
  -h, --help   Show this help`,
  run: async (argv, context) => {
    const [sub, ...rest] = argv;
    if (sub === "install" || sub === "uninstall") return change(sub, rest, context);
    if (sub === "status") return status(rest, context);
    if (sub === "logs") return logs(rest, context);
    throw new UsageError(sub === undefined ? "say what to do: install, uninstall, status or logs" : `unknown sub-command "${sub}" (install, uninstall, status or logs)`);
  },
};

function context(env: NodeJS.ProcessEnv) {
  return serviceContext(env);
}

/** Errors the user can act on become CliErrors (exit 1 with the message). */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UnsupportedPlatformError || error instanceof UnsafePathError) throw new CliError(error.message);
    throw error;
  }
}

async function change(sub: "install" | "uninstall", argv: string[], { out, env }: CliContext): Promise<number> {
  parseOptions(argv, {});
  const ctx = context(env);
  const result = await guarded(() => (sub === "install" ? installService(ctx) : uninstallService(ctx)));
  if (!result.ok) throw new CliError(result.message);
  out.log(result.message);
  if (sub === "install") out.log(`Logs: ${logFileOf(env)} (\`${hearthCommand(env)} service logs -f\`).`);
  return 0;
}

async function status(argv: string[], { out, env }: CliContext): Promise<number> {
  parseOptions(argv, {});
  const state = await guarded(() => serviceStatus(context(env)));
  const rows: [string, string][] = [
    ["Manager", state.manager],
    ["File", `${state.file}${existsSync(state.file) ? "" : " (not written)"}`],
    ["Installed", state.installed ? "yes" : `no — install it with \`${hearthCommand(env)} service install\``],
    ["Running", state.running === null ? "unknown" : state.running ? "yes" : "no"],
    ["State", state.detail],
    ["Last exit", state.lastExit === null ? "—" : `${state.lastExit}${state.lastExit === 3 ? " (the server refused this computer: pair again)" : ""}`],
    ["Log file", logFileOf(env)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  for (const [label, value] of rows) out.log(`${`${label}:`.padEnd(width)}${value}`);
  return 0;
}

async function logs(argv: string[], { out, env }: CliContext): Promise<number> {
  const { values } = parseOptions(argv, { lines: { type: "string", short: "n" }, follow: { type: "boolean", short: "f" } });
  const count = values.lines === undefined ? 50 : Number(values.lines);
  if (!Number.isInteger(count) || count < 0) throw new UsageError(`--lines takes a whole number, not "${values.lines}"`);
  const file = logFileOf(env);
  if (!existsSync(file) && !values.follow) {
    out.log(`No log yet: ${file} is written by the background service (\`${hearthCommand(env)} service install\`).`);
    return 0;
  }
  // One position for both: a line written while the last ones are printed is followed, not lost.
  const end = logPosition(file);
  for (const line of lastLogLines(file, count, end)) out.log(prettyLogLine(line));
  if (!values.follow) return 0;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await followLog(file, (line) => out.log(prettyLogLine(line)), stop.signal, end);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return 0;
}
