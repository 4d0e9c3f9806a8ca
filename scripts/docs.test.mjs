import { execFile } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_ACCOUNT } from "./demo/index.mjs";

const ROOT = join(import.meta.dirname, "..");
const DOCS = ["docs/architecture.md", "README.md"];

// What counts as a repository path: a code span or link target that starts with a top-level folder. Anything with
// a space, a glob or a placeholder (`<id>`, `{…}`, `…`) is prose about paths, not a path.
const TOP_FOLDERS = ["worker", "relay", "agent", "web", "protocol", "migrations", "bench", "scripts", "e2e", "docs"];
const PATH = new RegExp(`^(?:${TOP_FOLDERS.join("|")})/[^\\s*<>{}…]*$`);

const read = (path) => readFileSync(join(ROOT, path), "utf8");

/** Every code span and link target in a markdown text, fenced blocks left out. */
function spansAndLinks(markdown) {
  const text = markdown.replace(/^```[\s\S]*?^```/gm, "");
  const spans = [...text.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]);
  const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]);
  return [...spans, ...links];
}

/** What `npm run build` writes (.gitignore's build output): named in the docs, absent from a fresh clone. */
const BUILT = ["web/build"];

/** The repository paths a markdown text names that do not exist under `root`. */
export function missingPaths(markdown, root) {
  const paths = spansAndLinks(markdown)
    .map((candidate) => candidate.replace(/[#:].*$/, "").replace(/[.,;]$/, ""))
    .filter((candidate) => PATH.test(candidate))
    .filter((candidate) => !BUILT.some((built) => candidate === built || candidate.startsWith(`${built}/`)));
  return [...new Set(paths)].filter((path) => !existsSync(join(root, path)));
}

/** The `hearth <command>` words a markdown text uses: in code spans and fenced blocks, and as a list of code spans
 * after "`hearth`" ("the `hearth` CLI: `pair`, `start`"). The demo account's password is not a command. */
export function hearthCommands(markdown) {
  const text = markdown.replaceAll(DEMO_ACCOUNT.password, "");
  const code = [...text.matchAll(/^```[\s\S]*?^```/gm)].map((match) => match[0]).concat(spansAndLinks(text));
  const inCode = code.flatMap((span) => [...span.matchAll(/\bhearth ([a-z][a-z-]*)/g)].map((match) => match[1]));
  const listed = [...text.matchAll(/`hearth`[^`.]*:((?:\s*`[a-z-]+`,?(?: and| or)?)+)/g)].flatMap((match) =>
    [...match[1].matchAll(/`([a-z-]+)`/g)].map((word) => word[1]),
  );
  return [...new Set([...inCode, ...listed])];
}

/** The commands `hearth --help` lists under "Commands:", from the real executable. */
function helpCommands() {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(ROOT, "agent/bin/hearth.mjs"), "--help"], (error, stdout) => {
      if (error) return reject(error);
      const section = stdout.split(/^Commands:$/m)[1].split(/^\S/m)[0];
      resolve([...section.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((match) => match[1]));
    });
  });
}

/** The folders in the first column of README's Layout table. */
function layoutFolders(readme) {
  const table = readme.split(/^## Layout$/m)[1].split(/^## /m)[0];
  return [...table.matchAll(/^\| `([^`]+)\/` \|/gm)].map((match) => match[1]);
}

/** The top-level folders, less tooling (dot-folders) and what .gitignore names (node_modules, test output). */
function trackedFolders() {
  const ignored = read(".gitignore").split("\n").map((line) => line.replace(/\/$/, ""));
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith(".") && !ignored.includes(entry.name))
    .map((entry) => entry.name);
}

describe("docs point at code", () => {
  it("a path the docs name that is not in the tree is reported", () => {
    const markdown = "See `worker/src/auth/session.ts`, [the relay](relay/src/), `relay/src/nowhere.ts`, `worker/src/<id>.ts` and the build output `web/build/agent`.";
    expect(missingPaths(markdown, ROOT)).toEqual(["relay/src/nowhere.ts"]);
    const commands = "Run `npx hearth pair --server x`, then\n```sh\nhearth import a.csv\n```\nThe `hearth` CLI: `start`, `export` and `status`.";
    expect(hearthCommands(commands).sort()).toEqual(["export", "import", "pair", "start", "status"]);
  });

  for (const doc of DOCS) {
    it(`every path ${doc} names exists`, () => {
      expect(missingPaths(read(doc), ROOT)).toEqual([]);
    });

    it(`every hearth command ${doc} uses is in hearth --help`, { timeout: 30_000 }, async () => {
      const known = await helpCommands();
      expect(known).toContain("pair");
      expect(hearthCommands(read(doc)).filter((command) => !known.includes(command))).toEqual([]);
    });
  }

  it("README's Layout table lists exactly the top-level folders", () => {
    expect(layoutFolders(read("README.md")).sort()).toEqual(trackedFolders().sort());
  });

  it("the data model lists every D1 table and every relay SQLite table", () => {
    const migrations = readdirSync(join(ROOT, "migrations")).filter((name) => name.endsWith(".sql")).map((name) => read(`migrations/${name}`)).join("\n");
    const dropped = [...migrations.matchAll(/DROP TABLE `(\w+)`/g)].map((match) => match[1]);
    const d1 = [...migrations.matchAll(/CREATE (?:VIRTUAL )?TABLE `(\w+)`/g)].map((match) => match[1]).filter((name) => !dropped.includes(name));
    const relaySources = readdirSync(join(ROOT, "relay/src"), { recursive: true }).filter((name) => /\.(ts|sql)$/.test(name) && !name.endsWith(".test.ts"));
    const relay = relaySources.flatMap((name) => [...read(`relay/src/${name}`).matchAll(/CREATE TABLE (?:IF NOT EXISTS )?`?(\w+)/g)].map((match) => match[1]));
    expect(relay.length).toBeGreaterThan(0);
    const architecture = read("docs/architecture.md");
    expect([...new Set([...d1, ...relay])].filter((table) => !architecture.includes(`\`${table}\``))).toEqual([]);
  });
});
