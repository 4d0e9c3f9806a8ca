// The import graph of Hearth's code, and the rules its direction must keep (scripts/import-direction.test.mjs).
// Imports are read with TypeScript's own pre-processor (static, re-exports and dynamic `import()`, comments
// ignored); a .svelte file's <script> blocks are read the same way. Package imports (`#protocol`, `#lib/*`, …)
// resolve through package.json's "imports", so an alias cannot hide an edge; bare package names are skipped.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** The top-level folders whose code is checked. */
export const CODE_FOLDERS = ["worker", "relay", "core", "agent", "web", "protocol", "test"];
const EXTENSIONS = [".ts", ".mjs", ".svelte"];
const SKIP_DIRS = new Set(["node_modules", "build", ".svelte-kit", ".wrangler", "dist"]);

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) yield* walk(join(dir, entry.name));
    } else if (EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
      yield join(dir, entry.name);
    }
  }
}

/** The module specifiers a file imports (static, re-exported and dynamic). */
export function specifiers(file, text) {
  const sources = file.endsWith(".svelte") ? [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]) : [text];
  return sources.flatMap((source) => ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName));
}

/** The "imports" of a package.json (with the folder they are relative to), or null when there is none there. */
function packageAliases(dir) {
  try {
    const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    return { dir, aliases: Object.entries(json.imports ?? {}) };
  } catch {
    return null;
  }
}

/**
 * A resolver from a specifier to a root-relative path (posix separators), or null for a package. A `#alias`
 * resolves through the NEAREST package.json, as Node does: agent/ has its own (agent/package.json), whose aliases
 * point at re-export files inside agent/src/deps/, and those files' relative imports are the agent → protocol edges.
 */
function resolver(root) {
  const rel = (abs) => relative(root, abs).split(sep).join("/");
  const nearest = new Map();
  const packageOf = (dir) => {
    if (!nearest.has(dir)) {
      const found = packageAliases(dir);
      const parent = dirname(dir);
      nearest.set(dir, found ?? (dir === root || parent === dir ? { dir: root, aliases: [] } : packageOf(parent)));
    }
    return nearest.get(dir);
  };
  return (fromFile, spec) => {
    if (spec.startsWith(".")) return rel(resolve(dirname(fromFile), spec));
    if (!spec.startsWith("#")) return null;
    const { dir, aliases } = packageOf(dirname(fromFile));
    for (const [key, target] of aliases) {
      if (key.endsWith("*") ? spec.startsWith(key.slice(0, -1)) : spec === key) {
        return rel(resolve(dir, key.endsWith("*") ? target.replace("*", spec.slice(key.length - 1)) : target));
      }
    }
    return null;
  };
}

/** Every import edge from a file in CODE_FOLDERS to a file in the project: `{ from, to }`, root-relative paths. */
export function importEdges(root) {
  const resolveSpec = resolver(root);
  const edges = [];
  for (const folder of CODE_FOLDERS) {
    for (const file of walk(join(root, folder))) {
      const from = relative(root, file).split(sep).join("/");
      for (const spec of specifiers(file, readFileSync(file, "utf8"))) {
        const to = resolveSpec(file, spec);
        if (to !== null && !to.startsWith("..")) edges.push({ from, to });
      }
    }
  }
  return edges;
}

/** The packages (bare names, `node:` built-ins) that a top-level folder's files import, each once, sorted. */
export function packageImports(root, folder) {
  const resolveSpec = resolver(root);
  const names = new Set();
  for (const file of walk(join(root, folder))) {
    for (const spec of specifiers(file, readFileSync(file, "utf8"))) if (!spec.startsWith(".") && resolveSpec(file, spec) === null) names.add(spec);
  }
  return [...names].sort();
}

const top = (path) => path.split("/")[0];
const base = (path) => path.split("/").pop();
const isRouteFile = (path) => /^(.+-)?routes\.ts$/.test(base(path));
const isTest = (path) => /\.test\.(ts|mjs)$/.test(path) || path.split("/").includes("test");

/**
 * What each top-level folder may import, besides itself: the layers, top to bottom (docs/architecture.md draws them).
 * A path entry (`core/src/importers/`) allows that sub-folder only. Anything not listed is a violation.
 */
export const MAY_IMPORT = {
  web: ["protocol", "worker/src/app.ts"], // the API's types (AppType), nothing that runs
  worker: ["relay", "core", "protocol", "test"],
  relay: ["core", "protocol", "test"],
  core: ["protocol", "test"],
  agent: ["protocol", "core/src/importers/", "core/src/categories/text.ts"], // the statement importers and the rules' text match, shared with the cloud
  test: ["protocol"],
  protocol: [],
};

/**
 * The edges that break the direction of imports, each with the rule it breaks:
 * - a folder imports only what MAY_IMPORT lists for it (so the cloud never imports agent/, core/ never reaches up
 *   into the relay or the routes, and protocol/ imports nothing);
 * - domain code never imports a route file (`routes.ts`, `*-routes.ts`): only another route file, the app that
 *   mounts them (worker/src/app.ts), a folder's index.ts re-exporting its own routes, and tests may.
 */
export function directionViolations(edges) {
  const broken = [];
  for (const { from, to } of edges) {
    const allowed = MAY_IMPORT[top(from)] ?? [];
    const ok = top(from) === top(to) || allowed.some((entry) => (entry.includes("/") ? to.startsWith(entry) : top(to) === entry));
    if (!ok) broken.push({ from, to, rule: `${top(from)}/ imports ${top(to)}/` });
    const mounts = from === "worker/src/app.ts" || (base(from) === "index.ts" && dirname(from) === dirname(to));
    if (isRouteFile(to) && !isRouteFile(from) && !mounts && !isTest(from)) broken.push({ from, to, rule: "domain code imports a route file" });
  }
  return broken;
}

/** The groups of top-level folders that import each other, directly or round a loop: each sorted, e.g. [["relay", "worker"]]. */
export function folderCycles(edges) {
  const next = new Map();
  for (const { from, to } of edges) {
    if (top(from) === top(to)) continue;
    if (!next.has(top(from))) next.set(top(from), new Set());
    next.get(top(from)).add(top(to));
  }
  const reach = (start) => {
    const seen = new Set();
    const stack = [start];
    while (stack.length > 0) for (const n of next.get(stack.pop()) ?? []) if (!seen.has(n)) seen.add(n), stack.push(n);
    return seen;
  };
  const reaches = new Map([...next.keys()].map((f) => [f, reach(f)]));
  const groups = new Map();
  for (const [folder, seen] of reaches) {
    const group = [...seen].filter((other) => reaches.get(other)?.has(folder)).sort();
    if (group.length > 1) groups.set(group.join(","), group);
  }
  return [...groups.values()].sort((a, b) => a.join().localeCompare(b.join()));
}
