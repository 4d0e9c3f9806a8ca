// Runs the Hearth benchmarks in sequence, or the ones named:
// `node bench/run.mjs [--quick] [round-trip|drain|agents-500|assistant|ingest|activity-queries|notifications|web-weight …]`.
// --quick (or BENCH_QUICK=1) runs smaller sizes: 150 round trips, 10 × 200 queued, 200 agents, 10,000 events
// ingested, activity queries at 10,000 and 100,000 rows, 1,000 notifications.
// The web app is built first when web/build is missing or older than web/src (lib/web-build.mjs).
// Every server it starts is its own process group and is stopped at the end, also on error or Ctrl+C.
// These are measurements, not tests: each prints its figures and a RATIO against a baseline from the same run.
import { table } from "./lib/stats.mjs";
import { BIN, ROOT, loadAverage, startFloor, stopAll } from "./lib/proc.mjs";
import { ensureWebBuild } from "./lib/web-build.mjs";

const BENCHES = ["round-trip", "drain", "agents-500", "assistant", "ingest", "activity-queries", "notifications", "web-weight"];
/** The benchmarks that use the platform floor (bench/floor); it starts only when one of them runs. */
const USE_FLOOR = ["round-trip", "drain", "agents-500"];

/** Sizes for --quick; any BENCH_* variable set by hand wins. */
const QUICK = { BENCH_RT_COUNT: "150", BENCH_DRAIN_PER_DEVICE: "200", BENCH_AGENTS: "200", BENCH_AGENTS_SEQUENTIAL: "100", BENCH_ASSISTANT_TURNS: "30", BENCH_PARSER_ROUNDS: "500", BENCH_INGEST_EVENTS: "10000", BENCH_ACTIVITY_SIZES: "10000,100000", BENCH_NOTIFY_EVENTS: "1000" };

export async function main(argv = process.argv.slice(2)) {
  if (Number(process.versions.node.split(".")[0]) < 22) {
    console.error(`bench: needs Node 22 (this is ${process.version}). Run it through npm (\`npm run bench\`), or put node_modules/.bin first on PATH.`);
    process.exitCode = 2;
    return;
  }
  const quick = argv.includes("--quick") || process.env.BENCH_QUICK === "1";
  if (quick) for (const [key, value] of Object.entries(QUICK)) process.env[key] ??= value;
  const args = argv.filter((a) => a !== "--quick");
  const names = args.length > 0 ? args : BENCHES;
  const unknown = names.filter((n) => !BENCHES.includes(n));
  if (unknown.length > 0) {
    console.error(`Unknown benchmark ${unknown.join(", ")}. Pick from: ${BENCHES.join(", ")}.`);
    process.exitCode = 2;
    return;
  }
  const started = Date.now();
  // A hard stop, so a wedged server can never keep the run going.
  const limitS = Number(process.env.BENCH_TIME_LIMIT_S ?? 2700);
  const watchdog = setTimeout(async () => {
    console.error(`\nbench: over the ${limitS} s time limit; stopping every server.`);
    await stopAll();
    process.exit(1);
  }, limitS * 1000);
  watchdog.unref();

  const rows = [];
  let failed = false;
  const ctx = {};
  try {
    const os = await import("node:os");
    console.log(`Hearth benchmarks: ${names.join(", ")}${quick ? " (quick sizes)" : ""}`);
    console.log(
      `node ${process.version}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${loadAverage()}; ` +
        `state on ${process.env.BENCH_PERSIST === "tmpfs" ? "tmpfs (/dev/shm)" : "disk (.wrangler/bench-<port>)"}; ` +
        `code: ${process.env.BENCH_CODE_ROOT ?? (process.env.BENCH_SNAPSHOT === "0" ? "the working tree" : "a snapshot of the working tree taken at the first start")}`,
    );
    // Hearth serves the built web app; a patched copy (BENCH_CODE_ROOT) brings its own build.
    if (!process.env.BENCH_CODE_ROOT) ensureWebBuild(ROOT, BIN);
    failed = await runEach(names, ctx, rows);
  } finally {
    await ctx.floor?.stop();
    await stopAll();
    clearTimeout(watchdog);
  }
  console.log(`\n## Summary (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  console.log(table([["bench", "figure", "value", "baseline (same run)", "ratio"], ...rows.map((r) => [r.bench, r.figure, r.value, r.baseline, r.ratio])]));
  if (failed) process.exitCode = 1;
}

/**
 * Runs each benchmark in turn, appending its rows; a benchmark that fails (to load, to start its floor, or while
 * measuring) becomes one FAILED row with its name and error, and the rest still run. True when any failed.
 * `load` imports a benchmark module by name (a parameter so the test can hand it one that fails).
 */
export async function runEach(names, ctx, rows, load = (name) => import(`./${name}.mjs`)) {
  let failed = false;
  for (const benchName of names) {
    const benchStart = Date.now();
    try {
      const bench = await load(benchName);
      // The platform floor starts when the first benchmark that needs it runs (and again if it could not start).
      if (USE_FLOOR.includes(benchName)) ctx.floor ??= await startFloor();
      rows.push(...(await bench.run(ctx)));
      console.log(`(${benchName}: ${((Date.now() - benchStart) / 1000).toFixed(0)} s; load average now ${loadAverage()})`);
    } catch (error) {
      failed = true;
      console.error(`\n✗ ${benchName} failed: ${error?.stack ?? error}`);
      rows.push({ bench: benchName, figure: "FAILED", value: String(error?.message ?? error).slice(0, 80), baseline: "", ratio: "" });
    }
  }
  return failed;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
