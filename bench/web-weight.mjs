// web-weight: the JavaScript each page of the built web app loads before it can draw, gzip-compressed, against the
// floor every page pays (SvelteKit's entries and the root layout, what index.html preloads). Read from web/build;
// run.mjs builds it first when web/src is newer. No server is started; the figures are bytes, not times.
import { join } from "node:path";
import { chunkNames, kib, measureBuild } from "./lib/web-weight.mjs";
import { ROOT, loadAverage } from "./lib/proc.mjs";
import { ratio, table } from "./lib/stats.mjs";

/** The pages issue 17 sets goals for, with their goal in KiB. */
const PAGES = [
  { route: "/(auth)/login", name: "sign-in", goalKiB: 50 },
  { route: "/(auth)/register", name: "register", goalKiB: 50 },
  { route: "/(app)/dashboard", name: "dashboard", goalKiB: 100 },
];

export async function run() {
  const buildDir = process.env.BENCH_WEB_BUILD ?? join(ROOT, "web/build");
  const { floor, routes, sizes } = measureBuild(buildDir);
  const names = chunkNames(join(ROOT, "web/.svelte-kit/output/client/.vite/manifest.json"));
  console.log(`\n## web-weight: initial JS per page, gzip -9 (${buildDir}; load average ${loadAverage()})\n`);
  console.log(`floor (index.html's preloads and their static imports): ${kib(floor.bytes)} in ${floor.files.length} files\n`);
  const rows = Object.entries(routes)
    .sort(([, a], [, b]) => b.bytes - a.bytes)
    .map(([id, { files, bytes }]) => [id, kib(bytes), String(files.length), ratio(bytes, floor.bytes)]);
  console.log(table([["route", "initial JS", "files", "÷ floor"], ...rows]));
  for (const page of PAGES) {
    const measured = routes[page.route];
    if (!measured) throw new Error(`web-weight: the build has no route ${page.route}`);
    // The biggest files first: where the bytes are, named from Vite's manifest when it is there.
    const biggest = [...measured.files].sort((a, b) => sizes.get(b) - sizes.get(a)).slice(0, 8);
    console.log(`\n${page.name} (${page.route}): ${kib(measured.bytes)}, goal ≤ ${page.goalKiB} KiB; biggest files:`);
    console.log(table([["file", "gzip", "from"], ...biggest.map((f) => [f, kib(sizes.get(f)), (names.get(f) ?? []).slice(0, 3).join(", ")])]));
  }
  return PAGES.map((page) => ({
    bench: "web-weight",
    figure: `${page.name} initial JS (goal ≤ ${page.goalKiB} KiB)`,
    value: kib(routes[page.route].bytes),
    baseline: `floor ${kib(floor.bytes)}`,
    ratio: ratio(routes[page.route].bytes, floor.bytes),
  }));
}
