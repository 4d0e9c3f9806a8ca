// The benchmarks serve the built web app (Hearth's worker serves web/build as static assets), so a fresh clone, or
// a tree whose web/src changed since the last build, gets a build before the first benchmark instead of a failure.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** The newest modification time (ms) of any file under `dir`, or 0 for an empty or missing folder. */
function newestIn(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Why the web app must be built before benchmarking, or null when `web/build` is there and newer than every file
 * of `web/src`. (Only web/src is compared: it is what changes day to day; after a change elsewhere, such as
 * protocol/ or a dependency, `npm run build` by hand.)
 */
export function webBuildNeeded(root) {
  const index = join(root, "web/build/index.html");
  if (!existsSync(index)) return "web/build is missing";
  return newestIn(join(root, "web/src")) > statSync(index).mtimeMs ? "web/src changed since the last build" : null;
}

/** Builds the web app when `webBuildNeeded` says so (`vite build` in web/, as `npm run build` does), saying why first. */
export function ensureWebBuild(root, bin) {
  const why = webBuildNeeded(root);
  if (!why) return;
  console.log(`bench: ${why}; building the web app first (vite build, about a minute) …`);
  const started = Date.now();
  // node_modules/.bin first on PATH, as npm puts it: vite's `#!/usr/bin/env node` must find this Node, not an older one.
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` };
  const built = spawnSync(`${bin}/vite`, ["build"], { cwd: join(root, "web"), env, stdio: ["ignore", "ignore", "inherit"] });
  if (built.status !== 0) throw new Error(`the web app did not build (vite build exited with ${built.status ?? built.signal}); run \`npm run build\` to see why.`);
  console.log(`bench: web app built in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
}
