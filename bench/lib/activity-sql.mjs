// Straight to Hearth's local D1 file, with Hearth stopped: loading rows fast (a million through the relay would
// take minutes), and timing the dashboard summary's own SQL without the worker around it.
import { readdirSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { activitySummary } from "../../core/src/activities/summary.ts";
import { INSERT_SQL, activityEvent, rowValues } from "./activity-data.mjs";
import { percentile } from "./stats.mjs";

/** The summary's statements, in the order activitySummary batches them: one, over the rollups (migration 0020). */
export const SUMMARY_KINDS = ["rollups"];

/** Hearth's local D1 file under a `--persist-to` folder (the miniflare D1 object's SQLite database). */
export function localD1File(persist) {
  const dir = `${persist}/v3/d1/miniflare-D1DatabaseObject`;
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".sqlite") && n !== "metadata.sqlite")) {
    const db = new DatabaseSync(`${dir}/${name}`);
    const found = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'activities'").get();
    db.close();
    if (found) return `${dir}/${name}`;
  }
  throw new Error(`no D1 database with an activities table under ${dir}`);
}

/**
 * Inserts events `from` … `to - 1` of a stream into the local D1 file: the ingest statement word for word, on rows
 * made by the worker's own `toRow`, so the table, its indexes and the full-text index (its triggers fire) end as
 * ingest would leave them. Hearth must be stopped. Resolves with the ms taken.
 */
export function loadDirect(file, { userId, from, to, prefix, now, onProgress }) {
  const db = new DatabaseSync(file);
  const started = performance.now();
  try {
    // Durability does not matter for a load the bench can redo; a big page cache keeps the index pages in memory.
    db.exec("PRAGMA synchronous = OFF; PRAGMA cache_size = -512000; PRAGMA foreign_keys = ON;");
    const insert = db.prepare(INSERT_SQL);
    const COMMIT_EVERY = 50_000;
    for (let at = from; at < to; at += COMMIT_EVERY) {
      const end = Math.min(to, at + COMMIT_EVERY);
      const stamp = Date.now();
      db.exec("BEGIN");
      for (let i = at; i < end; i++) insert.run(...rowValues(activityEvent(i, { prefix, now }), { userId, now: stamp }));
      db.exec("COMMIT");
      onProgress?.(end);
    }
  } finally {
    db.close();
  }
  return performance.now() - started;
}

/**
 * What the rollup triggers made of the load: rollup rows per grain, and the activities they count (each grain must
 * count every row of the user once).
 */
export function rollupFill(file, userId) {
  const db = new DatabaseSync(file);
  try {
    const grain = (table) => db.prepare(`SELECT count(*) AS rows, coalesce(sum(entries), 0) AS counted FROM ${table} WHERE user_id = ?`).get(userId);
    return { daily: grain("activity_rollup_daily"), hourly: grain("activity_rollup_hourly") };
  } finally {
    db.close();
  }
}

/** Enough of D1Database for activitySummary: each batch runs its statements one by one, through `run(sql, args, i)`. */
function d1Over(run) {
  return {
    prepare: (sql) => ({ bind: (...args) => ({ sql, args }) }),
    batch: async (statements) => statements.map(({ sql, args }, i) => ({ results: run(sql, args, i) })),
  };
}

/**
 * The dashboard summary's own SQL (core/src/activities/summary.ts, called as is) run `repeat` times on the
 * local D1 file in node:sqlite, with Hearth stopped: per statement, the median ms and the query plan.
 */
export async function rawSummary(file, userId, query, repeat = 3) {
  const db = new DatabaseSync(file);
  const times = SUMMARY_KINDS.map(() => []);
  const plans = [];
  try {
    const timed = d1Over((sql, args, i) => {
      const started = performance.now();
      const rows = db.prepare(sql).all(...args);
      times[i].push(performance.now() - started);
      return rows;
    });
    for (let r = 0; r < repeat; r++) await activitySummary(timed, userId, query);
    const explain = d1Over((sql, args) => {
      plans.push(db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args).map((row) => row.detail).join("; "));
      return [];
    });
    await activitySummary(explain, userId, query);
  } finally {
    db.close();
  }
  return SUMMARY_KINDS.map((kind, i) => ({ kind, ms: percentile(times[i], 50), plan: plans[i] }));
}
