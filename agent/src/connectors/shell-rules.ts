import { programName } from "./shell-patterns.ts";

/**
 * What `shell.run` refuses whatever `shell.allow` says: programs whose job is to run other programs or code given
 * as arguments, and the options of common programs that run a command or read or write a file of the caller's
 * choosing (after GTFOBins). A pattern such as `git log *` must not become a way to run anything, so these are
 * refused wherever they appear in the arguments, in every spelling: `--opt`, `--opt=value`, an unambiguous
 * abbreviation (`--upload-p`, which getopt and git both accept), and a short flag alone, with its value attached
 * (`-ckey=value`) or inside a cluster (`-xc`). Refusing a harmless use now and then (`git log -c`) is the price.
 * The OS sandbox stays the second wall for whatever this list misses.
 */

/** Programs that run code from their arguments: never allowlisted, even by an explicit pattern. */
const RUNNERS = new Set([
  ...["sh", "bash", "dash", "zsh", "ksh", "mksh", "fish", "csh", "tcsh", "busybox", "toybox"],
  ...["env", "xargs", "nohup", "nice", "ionice", "timeout", "time", "stdbuf", "setsid", "chroot", "unshare", "nsenter", "flock", "watch", "script", "parallel"],
  ...["sudo", "su", "doas", "pkexec", "runuser", "strace", "ltrace", "gdb", "valgrind", "expect"],
  ...["python", "python2", "python3", "perl", "ruby", "node", "nodejs", "deno", "bun", "php", "lua", "tclsh", "wish", "Rscript", "osascript", "pwsh", "powershell", "cmd"],
  ...["awk", "gawk", "mawk", "nawk", "sed", "ed", "vi", "vim", "nvim", "view", "emacs", "nano", "less", "more", "man"],
  ...["bwrap", "firejail", "docker", "podman", "systemd-run", "ssh", "scp", "sftp"],
].map((name) => name.toLowerCase()));

type OptionRule = {
  /** Long options (without `--`), refused with or without a value and in every abbreviation. */
  long?: readonly string[];
  /** Short option letters, refused alone, with a value attached, or anywhere in a cluster of flags. */
  short?: string;
  /** Whole arguments refused as they are (find's `-exec`). */
  words?: readonly string[];
  /** Argument beginnings refused (git's `ext::` transport runs a command). */
  prefixes?: readonly string[];
};

type ProgramRules = OptionRule & {
  /** Rules for the options before the subcommand only (git's `-C` is "change folder" there, "copies" in diff). */
  beforeSubcommand?: OptionRule;
  /** Subcommands refused outright, with the reason. */
  refusedSubcommands?: Readonly<Record<string, string>>;
  /** Extra rules once this subcommand is named. */
  subcommands?: Readonly<Record<string, OptionRule>>;
};

const GIT_RUNS_TOOLS = "it runs programs or scripts of its own choosing";

const RULES: Readonly<Record<string, ProgramRules>> = {
  git: {
    short: "c",
    long: ["config-env", "exec-path", "upload-pack", "receive-pack", "exec", "no-index", "git-dir", "work-tree", "namespace", "super-prefix", "template", "contents", "open-files-in-pager", "ext-diff", "textconv", "attr-source", "list-cmds"],
    prefixes: ["ext::", "fd::"],
    beforeSubcommand: { short: "Cp", long: ["paginate"] },
    refusedSubcommands: {
      config: "it can set aliases and hooks (core.fsmonitor, core.pager, alias.*) that later git commands run",
      submodule: GIT_RUNS_TOOLS,
      difftool: GIT_RUNS_TOOLS,
      mergetool: GIT_RUNS_TOOLS,
      "filter-branch": GIT_RUNS_TOOLS,
      "filter-repo": GIT_RUNS_TOOLS,
      bisect: GIT_RUNS_TOOLS,
      daemon: GIT_RUNS_TOOLS,
      instaweb: GIT_RUNS_TOOLS,
      "web--browse": GIT_RUNS_TOOLS,
      "send-email": GIT_RUNS_TOOLS,
      help: GIT_RUNS_TOOLS,
      hook: GIT_RUNS_TOOLS,
      "upload-pack": GIT_RUNS_TOOLS,
      "receive-pack": GIT_RUNS_TOOLS,
      "upload-archive": GIT_RUNS_TOOLS,
      shell: GIT_RUNS_TOOLS,
      credential: "it reads stored credentials",
      "credential-store": "it reads stored credentials",
      "credential-cache": "it reads stored credentials",
    },
    subcommands: {
      "ls-remote": { short: "u" },
      fetch: { short: "u" },
      pull: { short: "u" },
      clone: { short: "u", long: ["config"] },
      archive: { long: ["remote", "output"] },
      rebase: { short: "x" },
      grep: { short: "O" },
    },
  },
  find: { words: ["-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint", "-fprint0", "-fprintf", "-fls"] },
  tar: {
    short: "IF",
    long: ["to-command", "use-compress-program", "checkpoint-action", "info-script", "new-volume-script", "rsh-command", "rmt-command", "index-file"],
  },
  rsync: { short: "e", long: ["rsh", "rsync-path", "daemon", "config", "write-batch", "only-write-batch", "read-batch"] },
  zip: { words: ["-TT"], long: ["unzip-command"] },
  make: { short: "E", long: ["eval"] },
};

/** Why `program` may never run from the shell connector, or null when it may. */
export function refusedProgram(program: string): string | null {
  const name = programName(program);
  if (RUNNERS.has(name)) return `${name} runs other programs or code given to it, so the shell connector never runs it, whatever shell.allow says.`;
  return null;
}

/** Why an argument list is refused for `program`, or null when it may run. See the module comment for the spellings. */
export function refusedArgument(program: string, args: readonly string[]): string | null {
  const name = programName(program);
  const rules = RULES[name];
  if (!rules) return null;
  // The subcommand is the first argument that is not an option; for tar, the old `tar xIf …` form is a cluster too.
  const subcommandAt = rules.refusedSubcommands || rules.subcommands ? args.findIndex((arg) => !arg.startsWith("-")) : -1;
  const subcommand = subcommandAt === -1 ? undefined : args[subcommandAt];
  if (subcommand !== undefined && rules.refusedSubcommands && Object.hasOwn(rules.refusedSubcommands, subcommand)) {
    return `${name} ${subcommand} is never run by the shell connector: ${rules.refusedSubcommands[subcommand]}.`;
  }
  const extra = subcommand !== undefined && rules.subcommands && Object.hasOwn(rules.subcommands, subcommand) ? rules.subcommands[subcommand] : undefined;
  for (const [index, arg] of args.entries()) {
    const before = subcommandAt === -1 || index < subcommandAt;
    const oldTarCluster = name === "tar" && index === 0 && !arg.startsWith("-");
    for (const rule of [rules, extra, before ? rules.beforeSubcommand : undefined]) {
      if (!rule) continue;
      const hit = optionHit(rule, oldTarCluster ? `-${arg}` : arg);
      if (hit) return `${name} ${hit} is refused: it can run another program or reach files outside the allowed folders.`;
    }
  }
  return null;
}

/** The refused option `arg` spells under `rule`, or null. */
function optionHit(rule: OptionRule, arg: string): string | null {
  if (rule.words?.includes(arg)) return arg;
  const prefix = rule.prefixes?.find((start) => arg.startsWith(start));
  if (prefix) return `"${prefix}…"`;
  if (arg.startsWith("--")) {
    const name = arg.slice(2).split("=", 1)[0] ?? "";
    if (name === "") return null;
    const long = rule.long?.find((option) => option.startsWith(name));
    return long ? `--${long}` : null;
  }
  if (arg.startsWith("-") && arg.length > 1 && rule.short) {
    // A cluster's letters up to the first that takes a value are flags; refusing any refused letter anywhere in it
    // is stricter than that, and needs no table of which letters take values.
    const letter = [...rule.short].find((short) => arg.slice(1).includes(short));
    return letter ? `-${letter}` : null;
  }
  return null;
}
