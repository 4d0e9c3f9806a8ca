// How long the bulk deletes of one heavy user take with the rollup triggers (migration 0020), in node:sqlite on a
// file made by the real migrations: "Delete all activity" and account deletion at N rows (review S5). D1 runs each
// statement under a time limit (30 s documented), so one DELETE that fires four trigger statements per row could
// fail exactly for the heavy users issue 17 is about. Not part of bench/run.mjs: run it on its own,
// `node_modules/.bin/node bench/activity-deletes.mjs [rows] [only]` (default 1,000,000 rows, every case; `only`
// runs the cases whose label contains it). It checks that each case leaves no activity and no rollup row.
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { DatabaseSync } from "node:sqlite";
import { ROOT, loadAverage } from "./lib/proc.mjs";
import { loadDirect } from "./lib/activity-sql.mjs";

const rows = Number(process.argv[2] ?? 1_000_000);
const only = process.argv[3] ?? "";
const dir = mkdtempSync(`${tmpdir()}/hearth-deletes-`);
const base = `${dir}/base.sqlite`;
const userId = "00000000-0000-4000-8000-000000000001";

function migrate(file) {
  const db = new DatabaseSync(file);
  for (const name of readdirSync(`${ROOT}migrations`).filter((n) => n.endsWith(".sql")).sort()) db.exec(readFileSync(`${ROOT}migrations/${name}`, "utf8"));
  db.prepare("INSERT INTO users (id, email, password_hash, created_at) VALUES (?, 'heavy@example.com', 'x', 0)").run(userId);
  db.close();
}

/** Times `work` on a fresh copy of the loaded file (as D1 would run it: foreign keys on, one transaction). */
function timed(label, work) {
  if (!label.includes(only)) return;
  const file = `${dir}/${label.replace(/\W+/g, "-")}.sqlite`;
  copyFileSync(base, file);
  const db = new DatabaseSync(file);
  db.exec("PRAGMA foreign_keys = ON");
  const started = performance.now();
  db.exec("BEGIN");
  const statements = work(db);
  db.exec("COMMIT");
  const ms = performance.now() - started;
  const left = db.prepare("SELECT (SELECT count(*) FROM activities WHERE user_id = ?) AS activities, (SELECT count(*) FROM activity_rollup_daily WHERE user_id = ?) + (SELECT count(*) FROM activity_rollup_hourly WHERE user_id = ?) AS rollups").get(userId, userId, userId);
  db.close();
  rmSync(file);
  if (left.activities !== 0 || left.rollups !== 0) throw new Error(`${label}: ${left.activities} activities and ${left.rollups} rollup rows left`);
  const each = statements.length > 4 ? `${statements.length} statements, the slowest ${(Math.max(...statements) / 1000).toFixed(2)} s` : statements.map((s) => `${(s / 1000).toFixed(2)} s`).join(" + ");
  console.log(`| ${label} | ${(ms / 1000).toFixed(2)} s | ${each} |`);
}

/** Runs each SQL statement, timing each: D1's limit is per statement. */
const each = (db, sqls) =>
  sqls.map((sql) => {
    const started = performance.now();
    db.prepare(sql).run(userId);
    return performance.now() - started;
  });

try {
  migrate(base);
  console.log(`loading ${rows.toLocaleString("en")} rows …`);
  const loadMs = loadDirect(base, { userId, from: 0, to: rows, prefix: "del", now: Date.now() });
  const db = new DatabaseSync(base);
  const rollups = db.prepare("SELECT (SELECT count(*) FROM activity_rollup_daily) AS daily, (SELECT count(*) FROM activity_rollup_hourly) AS hourly").get();
  db.close();
  console.log(`loaded in ${(loadMs / 1000).toFixed(1)} s; ${rollups.daily} daily and ${rollups.hourly} hourly rollup rows; load average ${loadAverage()}\n`);
  console.log("| delete, at " + rows.toLocaleString("en") + " rows | total | each statement |");
  console.log("|---|---|---|");
  const activities = "DELETE FROM activities WHERE user_id = ?";
  const clearRollups = ["DELETE FROM activity_rollup_daily WHERE user_id = ?", "DELETE FROM activity_rollup_hourly WHERE user_id = ?"];
  timed("all activity in one statement, triggers as in 0020 (before this fix)", (db) => each(db, [activities]));
  timed("all activity, the user's rollup rows deleted first", (db) => each(db, [...clearRollups, activities]));
  timed("all activity, in chunks of 20,000 (deleteAllActivities)", (db) => {
    const chunk = db.prepare("DELETE FROM activities WHERE id IN (SELECT id FROM activities WHERE user_id = ? LIMIT 20000)");
    const times = [];
    for (;;) {
      const started = performance.now();
      const { changes } = chunk.run(userId);
      times.push(performance.now() - started);
      if (db.prepare("SELECT 1 FROM activities WHERE user_id = ? LIMIT 1").get(userId) === undefined || changes === 0) return times;
    }
  });
  timed("all activity, no rollup triggers (before 0020)", (db) => {
    db.exec("DROP TRIGGER activity_rollups_delete");
    return each(db, [activities, ...clearRollups]);
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
