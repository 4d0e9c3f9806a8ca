// bench/activity-queries: the dashboard's aggregation and search queries at 100,000 and 1,000,000 rows.
//
// Setup: one user, registered through the API. Hearth is stopped (its local state kept) and the rows go straight
// into its local D1 file (bench/lib/activity-sql.mjs: the ingest statement word for word, rows made by the
// worker's own `toRow`, the full-text and rollup triggers firing; the bench checks that the daily and hourly rollups
// count every row), then Hearth starts again on that state. Loading through
// the relay would take minutes per 100,000 (see the ingest bench). The rows: about 60% bank transactions, 20%
// job applications, 15% browser and 5% system events, spread evenly over the last 365 days.
// Measured: each query through the real API (cookie, Origin, Hono, zod, drizzle, D1), in rounds, one of each
// query per round so all see the same machine; p50 and p95 per query and size. A query stops after
// BENCH_ACTIVITY_BUDGET_S seconds of samples once it has 5.
// Baseline (same run): GET /api/activities?limit=1 — the API's fixed cost (session, one indexed row).
// Diagnostic: the summary's own statement (over the rollups), run from core/src/activities/summary.ts in node:sqlite
// on the same D1 file while Hearth is stopped, with its query plan: what part of the summary is SQLite's.
// Goal (issue 17): the all-time summary by week and by month at 1M rows, p95 < 100 ms through the API.
import { ms, note, percentile, ratio, table } from "./lib/stats.mjs";
import { User } from "./lib/hearth.mjs";
import { freePort, persistDir, startHearth } from "./lib/proc.mjs";
import { restartHearth, stopKeepingState, summaryTotal } from "./lib/activity.mjs";
import { SUMMARY_KINDS, loadDirect, localD1File, rawSummary, rollupFill } from "./lib/activity-sql.mjs";

export const name = "activity-queries";

const DAY_MS = 86_400_000;
const PREFIX = "rows";
/** The viewer's offset from UTC in minutes, as the dashboard sends it (here New York in winter). */
const TZ_OFFSET = -300;
/** The dashboard summary's goal through the API (issue 17), p95 at 1M rows. */
const SUMMARY_GOAL_MS = 100;
const count = (n) => n.toLocaleString("en-US");
const short = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

/**
 * The queries timed at each size. `path` may depend on the data (a cursor); `summary` is an aggregate's query, and
 * `raw` asks for its SQL to be timed alone as well.
 */
function dashboardQueries(now) {
  const summary = (group, range = {}, tz = TZ_OFFSET) => {
    const params = new URLSearchParams({ group, tz_offset: String(tz) });
    if (range.from !== undefined) params.set("from", String(range.from));
    if (range.to !== undefined) params.set("to", String(range.to));
    return `/api/activities/summary?${params}`;
  };
  const list = (params) => `/api/activities?${new URLSearchParams({ limit: "50", ...params })}`;
  return [
    { key: "baseline", label: "baseline: GET /api/activities?limit=1", path: "/api/activities?limit=1" },
    { key: "summary-week", label: "summary, week, all time (the dashboard's first load)", path: summary("week"), summary: { group: "week" }, raw: true },
    { key: "summary-month", label: "summary, month, all time", path: summary("month"), summary: { group: "month" }, raw: true },
    // India's offset is not whole hours: every week's boundary hour is read from the rows themselves.
    { key: "summary-week-330", label: "summary, week, all time, tz_offset=330", path: summary("week", {}, 330), summary: { group: "week", tz_offset: 330 }, raw: true },
    { key: "summary-day-30", label: "summary, day, last 30 days", path: summary("day", { from: now - 30 * DAY_MS, to: now }), summary: { group: "day", from: now - 30 * DAY_MS, to: now }, raw: true },
    { key: "list", label: "list, newest 50 (the dashboard's first load)", path: list({}) },
    { key: "list-next", label: "list, the next 50 (cursor)", path: null, next: true },
    { key: "list-category", label: "list, type=financial category=groceries", path: list({ type: "financial", category: "groceries" }) },
    { key: "list-month", label: "list, one month (from/to)", path: list({ from: String(now - 60 * DAY_MS), to: String(now - 30 * DAY_MS) }) },
    { key: "list-amount", label: "list, type=financial min_amount=1000", path: list({ type: "financial", min_amount: "1000" }) },
    { key: "list-tag", label: "list, tag=recurring", path: list({ tag: "recurring" }) },
    { key: "list-status", label: "list, status=offer", path: list({ status: "offer" }) },
    { key: "search-common", label: "search, q=starbucks (common word)", path: list({ q: "starbucks" }) },
    { key: "search-rare", label: "search, q=vandelay (rare word)", path: list({ q: "vandelay" }) },
    { key: "search-filtered", label: "search, q=senior engineer type=job", path: list({ q: "senior engineer", type: "job" }) },
    { key: "search-none", label: "search, q=zyzzyva (no match)", path: list({ q: "zyzzyva" }) },
  ];
}

export async function run() {
  const sizes = (process.env.BENCH_ACTIVITY_SIZES ?? "100000,1000000").split(",").map(Number).sort((a, b) => a - b);
  const rounds = Number(process.env.BENCH_ACTIVITY_ROUNDS ?? 20);
  const budgetMs = Number(process.env.BENCH_ACTIVITY_BUDGET_S ?? 20) * 1000;
  const minSamples = 5;
  console.log(`\n## activity-queries: the dashboard's queries at ${sizes.map(count).join(" and ")} rows, p50 and p95\n`);

  note("starting Hearth and registering a user");
  // A port away from 8801 and up, where every bench looks first: Hearth is stopped for minutes during a load, and a
  // bench started meanwhile took its port, so the restart reached someone else's Hearth (401 session_expired).
  let hearth = await startHearth({ port: await freePort(20_000 + Math.floor(Math.random() * 20_000)) });
  try {
    const user = await new User(hearth.origin).register();
    const userId = (await user.request("GET", "/api/auth/me")).body.user.id;
    const persist = persistDir("hearth", hearth.port);
    const now = Date.now();
    const queries = dashboardQueries(now);
    const out = [];
    let loaded = 0;
    for (const size of sizes) {
      // ── load, with Hearth stopped ──
      await stopKeepingState(hearth);
      const file = localD1File(persist);
      note(`loading rows ${count(loaded)} … ${count(size)} straight into the local D1 (${file.split("/").slice(-4).join("/")})`);
      const loadMs = loadDirect(file, {
        userId,
        from: loaded,
        to: size,
        prefix: PREFIX,
        now,
        onProgress: (done) => {
          if (done % 200_000 === 0) note(`${count(done)} rows`);
        },
      });
      loaded = size;
      const fill = rollupFill(file, userId);
      for (const [grain, { counted }] of Object.entries(fill)) {
        if (counted !== size) throw new Error(`the ${grain} rollup counts ${count(counted)} rows, not ${count(size)}: its triggers did not fire on the load`);
      }
      note(`loaded in ${(loadMs / 1000).toFixed(1)} s (rollups: ${count(fill.daily.rows)} daily rows, ${count(fill.hourly.rows)} hourly); timing the summary's own SQL in node:sqlite`);
      const raw = {};
      for (const q of queries.filter((q) => q.raw)) raw[q.key] = await rawSummary(file, userId, { tz_offset: TZ_OFFSET, ...q.summary });

      // ── query through the API ──
      hearth = await restartHearth(hearth);
      // Its port may have changed (another bench took the old one while it was stopped).
      user.origin = hearth.origin;
      const total = await summaryTotal(user);
      if (total !== size) throw new Error(`the summary counts ${count(total)} rows, not ${count(size)}: the load did not land as the API sees it`);
      const first = await user.request("GET", "/api/activities?limit=50");
      for (const q of queries) if (q.next) q.path = `/api/activities?limit=50&before=${encodeURIComponent(first.body.next_before)}`;
      note(`Hearth restarted in ${(hearth.startMs / 1000).toFixed(1)} s and sees all ${count(total)} rows; warming up, then ${rounds} rounds`);
      const results = new Map(queries.map((q) => [q.key, { samples: [], spent: 0, rows: 0 }]));
      const timeOne = async (q) => {
        const started = performance.now();
        const response = await user.request("GET", q.path);
        const took = performance.now() - started;
        if (response.status !== 200) throw new Error(`GET ${q.path}: ${response.status} ${response.text.slice(0, 300)}`);
        return { took, rows: response.body.activities?.length ?? response.body.timeline?.length ?? 0 };
      };
      for (const q of queries) await timeOne(q);
      const started = performance.now();
      for (let r = 0; r < rounds; r++) {
        for (const q of queries) {
          const result = results.get(q.key);
          if (result.samples.length >= minSamples && result.spent >= budgetMs) continue;
          const { took, rows } = await timeOne(q);
          result.samples.push(took);
          result.spent += took;
          result.rows = rows;
        }
      }
      const timingS = (performance.now() - started) / 1000;

      // ── print ──
      const base = percentile(results.get("baseline").samples, 50);
      const rows = [["query", "n", "rows", "p50 ms", "p95 ms", "p50 / baseline", "summary SQL alone (node:sqlite)", `goal p95 < ${SUMMARY_GOAL_MS} ms`]];
      for (const q of queries) {
        const { samples, rows: answered } = results.get(q.key);
        const rawMs = raw[q.key]?.reduce((sum, s) => sum + s.ms, 0);
        const p95 = percentile(samples, 95);
        const goal = q.key === "summary-week" || q.key === "summary-month" ? (p95 < SUMMARY_GOAL_MS ? "met" : `missed by ${ms(p95 - SUMMARY_GOAL_MS)} ms`) : "";
        rows.push([q.label, samples.length, answered, ms(percentile(samples, 50)), ms(p95), q.key === "baseline" ? "" : ratio(percentile(samples, 50), base), rawMs === undefined ? "" : `${ms(rawMs)} ms`, goal]);
      }
      console.log(`### ${count(size)} rows (loaded in ${(loadMs / 1000).toFixed(0)} s; timed in ${timingS.toFixed(0)} s; rollups ${count(fill.daily.rows)} daily and ${count(fill.hourly.rows)} hourly rows)\n`);
      console.log(table(rows));
      for (const q of queries.filter((q) => q.raw)) {
        console.log(`\nThe summary's statements alone (node:sqlite, same file, median of 3), for "${q.label}":`);
        for (const s of raw[q.key]) console.log(`  ${s.kind.padEnd(12)} ${ms(s.ms).padStart(8)} ms   ${s.plan}`);
      }
      console.log("");

      const p = (key) => results.get(key).samples;
      const figure = (key, label) => {
        const samples = p(key);
        return { bench: name, figure: `${short(size)} rows: ${label} p50 / p95`, value: `${ms(percentile(samples, 50))} / ${ms(percentile(samples, 95))} ms`, baseline: `limit=1 ${ms(base)} ms`, ratio: ratio(percentile(samples, 50), base) };
      };
      const slowestList = queries.filter((q) => q.key.startsWith("list") || q.key.startsWith("search")).sort((a, b) => percentile(p(b.key), 50) - percentile(p(a.key), 50))[0];
      out.push(
        figure("summary-week", "summary week, all time"),
        figure("summary-month", "summary month, all time"),
        figure("summary-day-30", "summary day, 30 days"),
        figure("list", "list newest 50"),
        figure("search-common", "search q=starbucks"),
        figure(slowestList.key, `slowest list: ${slowestList.label.replace(/^(list|search), /, "")}`),
      );
    }
    console.log(`The summary is one statement over the rollups (${SUMMARY_KINDS.join(", ")}), one request each. tz_offset=${TZ_OFFSET} unless named.`);
    return out;
  } finally {
    await hearth.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { main } = await import("./run.mjs");
  await main([name]);
}
