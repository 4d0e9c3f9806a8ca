import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AgentConfig } from "../home/config.ts";
import { isPattern, matchesPattern, parseCommandPattern } from "./shell-patterns.ts";
import type { CommandPattern } from "./shell-patterns.ts";
import { refusedArgument, refusedProgram } from "./shell-rules.ts";

function pattern(entry: string): CommandPattern {
  const parsed = parseCommandPattern(entry);
  if (!isPattern(parsed)) throw new Error(parsed.problem);
  return parsed;
}

describe("shell.allow patterns", () => {
  it("match the program and each argument; ? is one argument, a final * any number", () => {
    expect(matchesPattern(pattern("git status"), "git", ["status"])).toBe(true);
    expect(matchesPattern(pattern("git status"), "git", ["status", "--short"])).toBe(false);
    expect(matchesPattern(pattern("git log *"), "git", ["log"])).toBe(true);
    expect(matchesPattern(pattern("git log *"), "git", ["log", "--oneline", "-n", "5"])).toBe(true);
    expect(matchesPattern(pattern("git log *"), "git", ["show"])).toBe(false);
    expect(matchesPattern(pattern("sleep ?"), "sleep", ["5"])).toBe(true);
    expect(matchesPattern(pattern("sleep ?"), "sleep", [])).toBe(false);
    expect(matchesPattern(pattern("git  log   *"), "/usr/bin/git", ["log"])).toBe(false);
  });

  it("take a program named alone as that program with no arguments, never as arguments of every kind", () => {
    expect(matchesPattern(pattern("git"), "git", [])).toBe(true);
    expect(matchesPattern(pattern("git"), "git", ["-c", "alias.x=!id", "x"])).toBe(false);
    expect(matchesPattern(pattern("ls"), "ls", ["/etc"])).toBe(false);
  });

  it("refuse an entry that cannot be read, saying why", () => {
    expect(parseCommandPattern("git * log")).toMatchObject({ problem: expect.stringContaining("last word") });
    expect(parseCommandPattern("* status")).toMatchObject({ problem: expect.stringContaining("program") });
    expect(parseCommandPattern("   ")).toMatchObject({ problem: "it is empty" });
    const config = AgentConfig.safeParse({ shell: { allow: ["git status", "git * log"] } });
    expect(config.error?.issues).toEqual([expect.objectContaining({ path: ["shell", "allow", 1], message: expect.stringContaining('"git * log" is not a command pattern') })]);
  });

  it("allow exactly the argument lists that extend the literal words (property)", () => {
    const word = fc.constantFrom("status", "log", "-n", "5", "--oneline", "x");
    fc.assert(
      fc.property(fc.array(word, { maxLength: 3 }), fc.boolean(), fc.array(word, { maxLength: 5 }), (words, rest, args) => {
        const entry = pattern(["git", ...words, ...(rest ? ["*"] : [])].join(" "));
        const expected = words.every((w, i) => args[i] === w) && (rest ? args.length >= words.length : args.length === words.length);
        expect(matchesPattern(entry, "git", args)).toBe(expected);
      }),
    );
  });
});

describe("refused programs and options", () => {
  it("refuse the probe's attacks and the programs that run other programs", () => {
    expect(refusedArgument("git", ["-c", "alias.x=!id > out", "x"])).toContain("-c");
    expect(refusedArgument("git", ["ls-remote", "--upload-pack=touch /tmp/pwned", "."])).toContain("--upload-pack");
    expect(refusedArgument("git", ["ls-remote", "-u", "touch /tmp/pwned", "."])).toContain("-u");
    expect(refusedArgument("git", ["diff", "--no-index", "/etc/hostname", "/dev/null"])).toContain("--no-index");
    expect(refusedArgument("git", ["-C", "/etc", "status"])).toContain("-C");
    expect(refusedArgument("git", ["clone", "ext::sh -c id", "x"])).toContain("ext::");
    expect(refusedArgument("git", ["config", "core.fsmonitor", "id"])).toContain("git config is never run");
    expect(refusedArgument("git", ["rebase", "-x", "id", "HEAD~1"])).toContain("-x");
    expect(refusedArgument("git", ["grep", "-Oid", "x"])).toContain("-O");
    expect(refusedArgument("find", [".", "-name", "*.txt", "-exec", "id", ";"])).toContain("-exec");
    expect(refusedArgument("/usr/bin/find", [".", "-delete"])).toContain("-delete");
    expect(refusedArgument("tar", ["-cf", "x.tar", "--to-command=id", "."])).toContain("--to-command");
    expect(refusedArgument("tar", ["xIf", "id", "x.tar"])).toContain("-I");
    expect(refusedArgument("tar", ["-c", "--checkpoint=1", "--checkpoint-action=exec=id", "."])).toContain("--checkpoint-action");
    expect(refusedArgument("rsync", ["-e", "sh -c id", "a", "b"])).toContain("-e");
    for (const program of ["xargs", "env", "sh", "/bin/bash", "python3", "awk", "sed", "sudo", "node"]) expect(refusedProgram(program), program).not.toBeNull();
  });

  it("let ordinary commands through", () => {
    for (const [program, ...args] of [
      ["git", "status"],
      ["git", "log", "--oneline", "-n", "5"],
      ["git", "diff", "HEAD~1", "--stat"],
      ["git", "log", "-p", "src/a.ts"],
      ["ls", "-la", "src"],
      ["find", ".", "-name", "*.txt", "-type", "f"],
      ["tar", "-czf", "out.tgz", "src"],
    ] as [string, ...string[]][]) {
      expect(refusedArgument(program, args), `${program} ${args.join(" ")}`).toBeNull();
      expect(refusedProgram(program)).toBeNull();
    }
  });

  it("refuse a refused option wherever it appears and however it is spelt (property)", () => {
    // Independent of the rules' own table: what the issue names, per program.
    const cases: { program: string; subcommand?: string; long?: string; short?: string; word?: string }[] = [
      { program: "git", short: "c" },
      { program: "git", long: "config-env" },
      { program: "git", long: "exec-path" },
      { program: "git", long: "upload-pack" },
      { program: "git", long: "receive-pack" },
      { program: "git", long: "no-index" },
      { program: "git", long: "git-dir" },
      { program: "git", long: "work-tree" },
      { program: "git", subcommand: "ls-remote", short: "u" },
      { program: "git", subcommand: "fetch", short: "u" },
      { program: "git", subcommand: "clone", short: "u" },
      { program: "find", word: "-exec" },
      { program: "find", word: "-execdir" },
      { program: "find", word: "-ok" },
      { program: "find", word: "-delete" },
      { program: "find", word: "-fprint" },
      { program: "tar", long: "to-command" },
      { program: "tar", long: "use-compress-program" },
      { program: "tar", short: "I" },
      { program: "tar", long: "checkpoint-action" },
      { program: "rsync", short: "e" },
      { program: "rsync", long: "rsh" },
    ];
    const benign = fc.array(fc.constantFrom("HEAD", "file.txt", "src/a.ts", "-n", "5", "--oneline", "--", "."), { maxLength: 4 });
    const spelling = (c: (typeof cases)[number]) => {
      if (c.word) return fc.constant([c.word]);
      if (c.long) {
        const name = c.long;
        return fc.oneof(
          fc.constant([`--${name}`]),
          fc.constant([`--${name}`, "value"]),
          fc.constant([`--${name}=value`]),
          fc.integer({ min: 1, max: name.length }).map((n) => [`--${name.slice(0, n)}=value`]),
        );
      }
      const letter = c.short ?? "";
      return fc.oneof(
        fc.constant([`-${letter}`, "value"]),
        fc.constant([`-${letter}value`]),
        fc.constantFrom("a", "v", "q").map((other) => [`-${other}${letter}`, "value"]),
      );
    };
    fc.assert(
      fc.property(fc.constantFrom(...cases).chain((c) => fc.tuple(fc.constant(c), spelling(c), benign, benign)), ([c, option, before, after]) => {
        const args = [...(c.subcommand ? [c.subcommand] : []), ...before, ...option, ...after];
        expect(refusedArgument(c.program, args), `${c.program} ${args.join(" ")}`).not.toBeNull();
      }),
      { numRuns: 1000 },
    );
  });
});
