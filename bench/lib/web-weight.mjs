// What JavaScript a page of the built web app loads before it can show anything, read from web/build alone.
// The app is a static SPA: index.html modulepreloads SvelteKit's two entries (start, app) and the root layout, and
// the app entry's `dictionary` names each route's layout and page nodes, which the router imports at start-up.
// A page's initial JS is those files plus everything they import statically, transitively. Dynamic `import()`s
// (other routes, a chart library loaded on demand) are not initial and are not followed.
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { gzipSync } from "node:zlib";
import { init, parse } from "es-module-lexer";

await init;

/** The `/_app/immutable/...` JS files index.html preloads or imports, in order, as paths relative to the build. */
export function entryScripts(html) {
  const found = [];
  for (const match of html.matchAll(/href="\/([^"]+\.js)"\s+rel="modulepreload"|import\("\/([^"]+\.js)"\)/g)) {
    const file = match[1] ?? match[2];
    if (!found.includes(file)) found.push(file);
  }
  return found;
}

/** The import specifiers of a module's source: static ones (followed) and dynamic ones (listed, not followed). */
export function importsOf(source) {
  const [imports] = parse(source);
  const staticOnes = [];
  const dynamicOnes = [];
  for (const entry of imports) {
    // d === -1: a static import or re-export; d > -1: import(); d === -2: import.meta.
    if (entry.d === -1 && entry.n) staticOnes.push(entry.n);
    else if (entry.d > -1 && entry.n) dynamicOnes.push(entry.n);
  }
  return { staticOnes, dynamicOnes };
}

/**
 * The app entry's route table: route id → node files (root layout, then the route's layouts, then its page).
 * SvelteKit writes `nodes` as an array of `() => import("../nodes/N.hash.js")` and `dictionary` as
 * `{"/(app)/dashboard": [9, [2]], …}` (leaf, layouts; the root layout 0 is implied; a negative leaf has a server load).
 */
export function routeNodes(appSource) {
  const nodeFiles = [...appSource.matchAll(/import\(["'`]\.\.\/(nodes\/(\d+)\.[^"'`]+\.js)["'`]\)/g)];
  const byIndex = new Map(nodeFiles.map((m) => [Number(m[2]), m[1]]));
  const table = appSource.match(/(\{"\/"[^}]*\})/);
  if (!table) throw new Error("web-weight: no route dictionary in the app entry; has SvelteKit changed its output?");
  // The dictionary is JSON apart from its layout arrays holding `,` holes for absent layouts, which JSON refuses.
  const dictionary = JSON.parse(table[1].replace(/\[,/g, "[null,").replace(/,,/g, ",null,").replace(/,\]/g, ",null]"));
  const routes = {};
  for (const [id, [leaf, layouts = []]] of Object.entries(dictionary)) {
    const indexes = [0, ...layouts.filter((n) => n != null), Math.abs(leaf)];
    routes[id] = indexes.map((n) => {
      const file = byIndex.get(n);
      if (!file) throw new Error(`web-weight: route ${id} names node ${n}, which the app entry does not import`);
      return `_app/immutable/${file}`;
    });
  }
  return routes;
}

/** Every file reachable from `starts` by static imports, resolved against `buildDir`, in visiting order. */
export function staticClosure(buildDir, starts, read = (path) => readFileSync(join(buildDir, path), "utf8")) {
  const seen = new Set();
  const pending = [...starts];
  while (pending.length > 0) {
    const file = pending.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of importsOf(read(file)).staticOnes) {
      // Built chunks import each other by relative path; an absolute one is from the site root.
      const resolved = spec.startsWith("/") ? spec.slice(1) : posix.normalize(posix.join(posix.dirname(file), spec));
      if (resolved.endsWith(".js")) pending.push(resolved);
    }
  }
  return [...seen];
}

/** Gzip size in bytes of one file (level 9, as a static host serving precompressed files would send it). */
export function gzipSize(buildDir, file) {
  return gzipSync(readFileSync(join(buildDir, file)), { level: 9 }).length;
}

/**
 * The source module names per built chunk from Vite's manifest (web/.svelte-kit/output/client/.vite/manifest.json),
 * so a breakdown can say "node_modules/chart.js/…" rather than a hash. Empty when the manifest is not there.
 */
export function chunkNames(manifestPath) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  } catch {
    return new Map();
  }
  const names = new Map();
  for (const [source, chunk] of Object.entries(manifest)) {
    if (!chunk.file?.endsWith(".js")) continue;
    const list = names.get(chunk.file) ?? [];
    list.push(chunk.name && !source.includes("/") ? chunk.name : source);
    names.set(chunk.file, list);
  }
  return names;
}

/**
 * The initial JS of each route of the build in `buildDir`: its files and total gzip bytes. `floor` is what every
 * page loads whatever its route: what index.html preloads (SvelteKit's entries and the root layout) with their
 * static imports, the JS an empty page of this app would load.
 */
export function measureBuild(buildDir) {
  const html = readFileSync(join(buildDir, "index.html"), "utf8");
  const entries = entryScripts(html);
  const app = entries.find((file) => /\/entry\/app\.[^/]+\.js$/.test(file));
  if (!app) throw new Error(`web-weight: index.html in ${buildDir} names no app entry; build the web app (npm run build)`);
  const sizes = new Map();
  const sizeOf = (files) => files.reduce((sum, file) => {
    if (!sizes.has(file)) sizes.set(file, gzipSize(buildDir, file));
    return sum + sizes.get(file);
  }, 0);
  const floorFiles = staticClosure(buildDir, entries);
  const routes = {};
  for (const [id, nodes] of Object.entries(routeNodes(readFileSync(join(buildDir, app), "utf8")))) {
    const files = staticClosure(buildDir, [...entries, ...nodes]);
    routes[id] = { files, bytes: sizeOf(files) };
  }
  return { floor: { files: floorFiles, bytes: sizeOf(floorFiles) }, routes, sizes };
}

export const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
