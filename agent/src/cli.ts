import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const VERSION: string = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;

const USAGE = `hearth ${VERSION} — the Hearth agent: lets your Hearth assistant act on this computer, with your permission.

Usage: hearth <command> [options]

Commands:
  status     Show whether this computer is paired and connected

Options:
  -h, --help     Show help (also: hearth <command> --help)
  -v, --version  Show the version

Pairing, the connectors and permissions arrive with the machine link.`;

const COMMANDS: Record<string, { usage: string; run: (args: string[], out: Output) => Promise<number> }> = {
  status: {
    usage: `Usage: hearth status

Shows whether this computer is paired with a Hearth account and connected.`,
    run: async (_args, out) => {
      out.log("Not paired yet. Pairing arrives with the machine link; until then this computer is not connected to Hearth.");
      return 0;
    },
  },
};

export type Output = { log: (line: string) => void; error: (line: string) => void };

/** Runs the CLI with the given arguments; returns the exit code (0 ok, 2 usage error). */
export async function main(argv: string[], out: Output = { log: console.log, error: console.error }): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    out.log(USAGE);
    return 0;
  }
  if (command === "-v" || command === "--version") {
    out.log(VERSION);
    return 0;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    out.error(`hearth: unknown command "${command}". Run "hearth --help" to see the commands.`);
    return 2;
  }
  let help: boolean | undefined;
  try {
    ({ values: { help } } = parseArgs({ args: rest, options: { help: { type: "boolean", short: "h" } }, allowPositionals: true }));
  } catch (error) {
    out.error(`hearth ${command}: ${error instanceof Error ? error.message : String(error)}. Run "hearth ${command} --help".`);
    return 2;
  }
  if (help) {
    out.log(entry.usage);
    return 0;
  }
  return entry.run(rest, out);
}
