import { parseArgs } from "node:util";
import type { ParseArgsOptionsConfig } from "node:util";

/** Where a command writes: normal lines and problems. */
export type Output = { log: (line: string) => void; error: (line: string) => void };

/** What every command gets besides its arguments. */
export type CliContext = { out: Output; env: NodeJS.ProcessEnv };

/** A CLI command: its help text and what it does. Returns the exit code. */
export type CliCommand = {
  usage: string;
  run: (argv: string[], context: CliContext) => Promise<number>;
};

/** A mistake in how the command was called: the CLI prints it with a hint and exits with code 2. */
export class UsageError extends Error {}

/** A failure the user can fix; the CLI prints the message (which says how) and exits with code 1. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Parses options strictly (unknown options are a UsageError). */
export function parseOptions<T extends ParseArgsOptionsConfig>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.replace(/\.$/, "") : String(error));
  }
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Reads a duration like `90s`, `30m`, `1h`, `2d` or `1w` into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim());
  const unit = match?.[2];
  const scale = unit === undefined ? undefined : UNITS[unit];
  if (!match || scale === undefined || Number(match[1]) <= 0) throw new UsageError(`"${text}" is not a duration. Use a number and a unit, like 30m, 1h, 2d or 1w`);
  return Math.round(Number(match[1]) * scale);
}

/** A time span in words: "in 59 min", "in 2 days". */
export function describeUntil(at: number, now: number = Date.now()): string {
  const ms = at - now;
  if (ms <= 0) return "expired";
  if (ms < 60_000) return "in <1 min";
  if (ms < 3_600_000) return `in ${Math.round(ms / 60_000)} min`;
  if (ms < 172_800_000) return `in ${Math.round(ms / 3_600_000)} h`;
  return `in ${Math.round(ms / 86_400_000)} days`;
}
