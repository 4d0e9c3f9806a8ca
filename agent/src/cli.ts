import { CliError, UsageError } from "./cli/args.ts";
import { hearthCommand } from "./invocation.ts";
import type { CliCommand, Output } from "./cli/args.ts";
import { VERSION } from "./version.ts";

export type { Output } from "./cli/args.ts";

// Each command is loaded only when it runs: a CLI that answers `--help` should not first load the WebSocket stack.
const COMMANDS: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  pair: { summary: "Connect this computer to your Hearth account", load: async () => (await import("./cli/pair.ts")).pairCommand },
  start: { summary: "Run the agent in the foreground (Ctrl-C stops it)", load: async () => (await import("./cli/start.ts")).startCommand },
  status: { summary: "Show whether this computer is paired and connected", load: async () => (await import("./cli/status.ts")).statusCommand },
  permissions: { summary: "List, grant, deny or revoke what the agent may do here", load: async () => (await import("./cli/permissions.ts")).permissionsCommand },
  service: { summary: "Run the agent in the background: install, uninstall, status, logs", load: async () => (await import("./cli/service.ts")).serviceCommand },
  doctor: { summary: "Check everything the agent needs, and say how to fix what fails", load: async () => (await import("./cli/doctor.ts")).doctorCommand },
  update: { summary: "Update this installed agent to the version your server offers", load: async () => (await import("./cli/update.ts")).updateCommand },
  mcp: { summary: "Connect MCP servers as connectors (add, list, remove, approve), or serve Hearth to an MCP client", load: async () => (await import("./cli/mcp.ts")).mcpCommand },
  uninstall: { summary: "Remove the agent from this computer (asks about your settings)", load: async () => (await import("./cli/uninstall.ts")).uninstallCommand },
};

const usage = (hearth: string) => `hearth ${VERSION} — the Hearth agent: lets your Hearth assistant act on this computer, with your permission.

Usage: hearth <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(12)} ${command.summary}`)
  .join("\n")}

Options:
  -h, --help     Show help (also: hearth <command> --help)
  -v, --version  Show the version

Start here: ${hearth} pair --server https://your-hearth-server, then ${hearth} start.
Settings live in $HEARTH_HOME (default: ~/.config/hearth on Linux).`;

/** Runs the CLI with the given arguments; returns the exit code (0 ok, 1 error, 2 usage error, 3 pair again). */
export async function main(argv: string[], out: Output = { log: console.log, error: console.error }, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  const hearth = hearthCommand(env);
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    out.log(usage(hearth));
    return 0;
  }
  if (command === "-v" || command === "--version") {
    out.log(VERSION);
    return 0;
  }
  const listed = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!listed) {
    out.error(`hearth: unknown command "${command}". Run "${hearth} --help" to see the commands.`);
    return 2;
  }
  const entry = await listed.load();
  // `permissions` and `mcp` read their own sub-command's --help (and `mcp add … -- prog --help` is the program's).
  if (command !== "permissions" && command !== "mcp" && (rest.includes("--help") || rest.includes("-h"))) {
    out.log(entry.usage);
    return 0;
  }
  try {
    return await entry.run(rest, { out, env });
  } catch (error) {
    if (error instanceof UsageError) {
      const help = (command === "permissions" || command === "mcp") && rest[0] && !rest[0].startsWith("-") ? `${hearth} ${command} ${rest[0]} --help` : `${hearth} ${command} --help`;
      out.error(`hearth ${command}: ${error.message}. Run "${help}".`);
      return 2;
    }
    if (error instanceof CliError) {
      out.error(error.message);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    out.error(`hearth ${command} failed: ${message}`);
    return 1;
  }
}
