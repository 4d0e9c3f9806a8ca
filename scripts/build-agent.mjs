// Builds what a Hearth server hands out to install and update its agents (issue 16), into web/build/agent/ where
// the worker serves it as static assets:
//   <version>/hearth.cjs   the agent as ONE CommonJS file (esbuild), run by the pinned Node runtime; needs no node_modules
//   manifest.json          its version, path, SHA-256 and size, and the pinned runtime per platform (agent/runtime.json)
//   install.sh.in          agent/install/install.sh with those values baked in; the worker fills the three
//   install.ps1.in         @@HEARTH_…@@ placeholders (server, install key, runtime base) when it serves them
//
// Options:
//   --version X     build as version X (tests build a "newer" agent with it); default agent/package.json's
//   --out DIR       where to write (default web/build/agent)
//   --runtime FILE  a runtime.json to use instead of agent/runtime.json (tests point it at a runtime they made)
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The placeholders the worker fills at serve time; each must be in each template exactly where the build left it. */
export const SERVE_PLACEHOLDERS = ["@@HEARTH_SERVER@@", "@@HEARTH_INSTALL_KEY@@", "@@HEARTH_RUNTIME_BASE@@"];

const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const SHA256 = /^[0-9a-f]{64}$/;
// Values baked into shell and PowerShell text: nothing that could end a quoted string or start an expansion.
const SAFE = /^[A-Za-z0-9._\/-]+$/;

/** Reads and checks a runtime.json: `{ node, platforms: { key: { path, sha256, size, binary } } }`. */
export function readRuntime(file) {
  const runtime = JSON.parse(readFileSync(file, "utf8"));
  if (typeof runtime.node !== "string" || !VERSION.test(runtime.node)) throw new Error(`${file}: "node" must be a version like 22.23.2`);
  const platforms = Object.entries(runtime.platforms ?? {});
  if (platforms.length === 0) throw new Error(`${file}: "platforms" lists no platform`);
  for (const [key, entry] of platforms) {
    const ok =
      /^(linux|darwin|win32)-(x64|arm64)$/.test(key) &&
      SAFE.test(entry.path ?? "") &&
      SHA256.test(entry.sha256 ?? "") &&
      Number.isInteger(entry.size) &&
      entry.size > 0 &&
      SAFE.test(entry.binary ?? "");
    if (!ok) throw new Error(`${file}: platform "${key}" needs a path, a lowercase sha256, a size in bytes and the binary's path in the tarball`);
  }
  return { node: runtime.node, platforms: Object.fromEntries(platforms.map(([key, e]) => [key, { path: e.path, sha256: e.sha256, size: e.size, binary: e.binary }])) };
}

const packageOf = (path) => /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];

/**
 * The installed packages a bundle holds (from esbuild's metafile), each once, sorted: `all` of them, and the
 * `direct` ones, imported by our own code — what agent/package.json's "dependencies" must list.
 */
export function bundledPackages(metafile) {
  const all = new Set();
  const direct = new Set();
  for (const [input, { imports }] of Object.entries(metafile.inputs)) {
    const name = packageOf(input);
    if (name) all.add(name);
    else for (const { path } of imports) if (packageOf(path)) direct.add(packageOf(path));
  }
  return { all: [...all].sort(), direct: [...direct].sort() };
}

/** The sh `case` arms that pick the runtime for a platform key. */
function shRuntimeTable(platforms) {
  return Object.entries(platforms)
    .map(([key, e]) => `    ${key}) RT_PATH='${e.path}'; RT_SHA256='${e.sha256}'; RT_SIZE='${e.size}'; RT_BINARY='${e.binary}' ;;`)
    .join("\n");
}

/** The PowerShell hashtable entries of the runtime per platform key. */
function ps1RuntimeTable(platforms) {
  return Object.entries(platforms)
    .map(([key, e]) => `  '${key}' = @{ Path = '${e.path}'; Sha256 = '${e.sha256}'; Size = ${e.size}; Binary = '${e.binary}' }`)
    .join("\n");
}

/** Fills the build-time values of an install script; checks that only the serve-time placeholders are left. */
function bakeTemplate(name, text, values) {
  // The runtime table takes the whole line its placeholder is on (a comment, so the template itself parses).
  let out = text.replace(/^.*@@BUILD_RUNTIME_TABLE@@.*$/m, () => values.RUNTIME_TABLE);
  for (const [key, value] of Object.entries(values)) out = out.replaceAll(`@@BUILD_${key}@@`, () => value);
  const left = out.match(/@@BUILD_[A-Z_]+@@/g);
  if (left) throw new Error(`${name}: no build value for ${[...new Set(left)].join(", ")}`);
  for (const placeholder of SERVE_PLACEHOLDERS) {
    if (!out.includes(`'${placeholder}'`)) throw new Error(`${name}: ${placeholder} must appear inside single quotes`);
  }
  const unknown = (out.match(/@@[A-Z_]+@@/g) ?? []).filter((p) => !SERVE_PLACEHOLDERS.includes(p));
  if (unknown.length > 0) throw new Error(`${name}: unknown placeholder ${unknown[0]}`);
  return out;
}

/**
 * Builds the agent bundle, its manifest and the install scripts into `out`.
 * @returns {Promise<{ manifest: object, bundle: string, packages: { all: string[], direct: string[] } }>}
 */
export async function buildAgent({ version, out = join(root, "web/build/agent"), runtime = join(root, "agent/runtime.json") } = {}) {
  const agentVersion = version ?? JSON.parse(readFileSync(join(root, "agent/package.json"), "utf8")).version;
  if (!VERSION.test(agentVersion)) throw new Error(`--version "${agentVersion}" is not a version like 0.1.0`);
  const pinned = readRuntime(runtime);
  const appPath = `/agent/${agentVersion}/hearth.cjs`;
  const bundle = join(out, agentVersion, "hearth.cjs");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, agentVersion), { recursive: true });
  const result = await build({
    entryPoints: [join(root, "agent/src/bundle-entry.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    // Only Node's own modules stay outside: the bundle runs with no node_modules next to it.
    define: { HEARTH_BUNDLE_VERSION: JSON.stringify(agentVersion) },
    // The two uses of `import.meta.url` (reading agent/package.json, finding bin/hearth.mjs on PATH) are behind
    // source-only branches (BUNDLE_VERSION is set here), so CommonJS's empty import.meta is never read.
    logOverride: { "empty-import-meta": "silent" },
    banner: { js: `// Hearth agent ${agentVersion} (built by scripts/build-agent.mjs). Run it with Node 22: node hearth.cjs --help` },
    metafile: true,
    logLevel: "warning",
  });
  const bytes = readFileSync(bundle);
  const manifest = {
    schema: 1,
    version: agentVersion,
    built_at: new Date().toISOString(),
    app: { path: appPath, sha256: createHash("sha256").update(bytes).digest("hex"), size: statSync(bundle).size },
    runtime: { node: pinned.node, base: "https://registry.npmjs.org", platforms: pinned.platforms },
  };
  writeFileSync(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const values = { VERSION: agentVersion, NODE_VERSION: pinned.node, APP_PATH: appPath, APP_SHA256: manifest.app.sha256 };
  const sh = readFileSync(join(root, "agent/install/install.sh"), "utf8");
  writeFileSync(join(out, "install.sh.in"), bakeTemplate("install.sh", sh, { ...values, RUNTIME_TABLE: shRuntimeTable(pinned.platforms) }));
  const ps1 = readFileSync(join(root, "agent/install/install.ps1"), "utf8");
  writeFileSync(join(out, "install.ps1.in"), bakeTemplate("install.ps1", ps1, { ...values, RUNTIME_TABLE: ps1RuntimeTable(pinned.platforms) }));
  return { manifest, bundle, packages: bundledPackages(result.metafile) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { version: { type: "string" }, out: { type: "string" }, runtime: { type: "string" } } });
  const { manifest, bundle } = await buildAgent({
    version: values.version,
    out: values.out ? resolve(values.out) : undefined,
    runtime: values.runtime ? resolve(values.runtime) : undefined,
  });
  console.log(`✓ Agent ${manifest.version} built: ${bundle} (${(manifest.app.size / 1024 / 1024).toFixed(2)} MB), manifest.json, install.sh.in, install.ps1.in`);
}
