import { basename } from "node:path";

/**
 * One `shell.allow` entry, parsed: the program, then one matcher per argument. Words are separated by spaces;
 * `?` stands for exactly one argument and a final `*` for any number of further arguments (none included). Every
 * other word must equal its argument exactly. So `git status` allows only `git status`, `git log *` allows
 * `git log` with anything after it, and a bare `ls` allows only `ls` with no arguments.
 */
export type CommandPattern = { text: string; program: string; words: string[]; rest: boolean };

/** A `shell.allow` entry that cannot be used, and why (the config check shows it with the entry's place). */
export type PatternProblem = { entry: string; problem: string };

/**
 * Parses one allow entry, or says what is wrong with it. `*` may only come last, since what follows it could never
 * be told apart from what it matched.
 * @example parseCommandPattern("git log *") // { program: "git", words: ["log"], rest: true }
 */
export function parseCommandPattern(entry: string): CommandPattern | PatternProblem {
  const [program, ...words] = entry.trim().split(/\s+/);
  if (!program) return { entry, problem: "it is empty" };
  if (program === "*" || program === "?") return { entry, problem: "the first word must name a program, not a wildcard" };
  const starAt = words.indexOf("*");
  if (starAt !== -1 && starAt !== words.length - 1) return { entry, problem: '"*" may only be the last word (it stands for all the remaining arguments)' };
  const rest = starAt !== -1;
  return { text: words.length === 0 ? program : `${program} ${words.join(" ")}`, program, words: rest ? words.slice(0, -1) : words, rest };
}

/** Whether a parsed entry is usable. */
export function isPattern(parsed: CommandPattern | PatternProblem): parsed is CommandPattern {
  return "program" in parsed;
}

/** Whether `program` with `args` is what `pattern` allows. The program is compared as written (`git` ≠ `/usr/bin/git`). */
export function matchesPattern(pattern: CommandPattern, program: string, args: readonly string[]): boolean {
  if (program !== pattern.program) return false;
  if (args.length < pattern.words.length || (!pattern.rest && args.length > pattern.words.length)) return false;
  return pattern.words.every((word, index) => word === "?" || word === args[index]);
}

/** The entries that are a program name alone: before patterns they allowed any arguments, now they allow none. */
export function bareEntries(patterns: readonly CommandPattern[]): string[] {
  return patterns.filter((pattern) => pattern.words.length === 0 && !pattern.rest).map((pattern) => pattern.program);
}

/** The distinct programs the patterns name, for messages and the limits sent in `hello`. */
export function patternPrograms(patterns: readonly CommandPattern[]): string[] {
  return [...new Set(patterns.map((pattern) => pattern.program))];
}

/** The program's name without its folder (`/usr/bin/git` → `git`), which the refused-option rules are keyed by. */
export function programName(program: string): string {
  return basename(program).replace(/\.exe$/i, "").toLowerCase();
}
