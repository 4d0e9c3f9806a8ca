import { eq } from "drizzle-orm";
import { RETENTION_KINDS } from "#protocol";
import type { ActivityRetention, RetentionKind, UpdateActivityRetention } from "#protocol";
import { readConfig } from "../config.ts";
import { openDb, schema } from "../db/index.ts";

// How long activity is kept. The rule (README, "Activity"): a row's age counts from when Hearth stored it
// (`created_at`), never from the transaction's own date, so importing years of statements deletes nothing the next
// night. Each user sets a period per kind of source; imported statements and applications added by hand are kept
// until the user deletes them unless they choose otherwise, and what listeners and tools record is kept for the
// server's ACTIVITY_RETENTION_DAYS.

const { activityRetention } = schema;
const DAY_MS = 24 * 60 * 60_000;

/**
 * SQL for a row's retention kind. The statement importers' event ids (`ofx:…`, `csv:…`) mark a statement, whether
 * uploaded in the web app or read from the agent's statements folder; the source alone cannot ("upload" is also
 * any JSON push from a signed-in browser).
 */
const KIND_SQL = `CASE WHEN a.source = 'manual' THEN 'manual'
  WHEN a.event_id LIKE 'ofx:%' OR a.event_id LIKE 'csv:%' THEN 'statements'
  ELSE 'recorded' END`;

/** The default retention of recorded activity, in days: the server's ACTIVITY_RETENTION_DAYS. */
export function recordedDays(env: Env): number {
  return readConfig(env).activityRetentionMs / DAY_MS;
}

/** Each kind's period when the user has not set one: statements and manual entries are kept; the rest for `recordedDays`. */
export function defaultRetention(recordedDays: number): ActivityRetention {
  return { statements: null, manual: null, recorded: recordedDays };
}

/** The user's retention per kind, their choices over the defaults. */
export async function loadRetention(db: D1Database, userId: string, recordedDays: number): Promise<ActivityRetention> {
  const rows = await openDb(db).select().from(activityRetention).where(eq(activityRetention.userId, userId)).all();
  const chosen = defaultRetention(recordedDays);
  for (const row of rows) chosen[row.kind] = row.days;
  return chosen;
}

/** Saves the kinds given; the others keep their setting. */
export async function saveRetention(db: D1Database, userId: string, update: UpdateActivityRetention, recordedDays: number): Promise<ActivityRetention> {
  const now = Date.now();
  const kinds = RETENTION_KINDS.filter((kind): kind is RetentionKind => update[kind] !== undefined);
  for (const kind of kinds) {
    const days = update[kind] ?? null;
    await openDb(db)
      .insert(activityRetention)
      .values({ userId, kind, days, updatedAt: now })
      .onConflictDoUpdate({ target: [activityRetention.userId, activityRetention.kind], set: { days, updatedAt: now } });
  }
  return loadRetention(db, userId, recordedDays);
}

/**
 * The daily sweep: deletes, for every user, the rows stored longer ago than their kind's period (the user's choice,
 * else the default). Returns how many rows went, counted in the same transaction (`meta.changes` would also count
 * the search index's writes).
 */
export async function pruneActivities(db: D1Database, now: number, recordedDays: number): Promise<number> {
  const expired = `SELECT a.id FROM activities a
    LEFT JOIN activity_retention r ON r.user_id = a.user_id AND r.kind = ${KIND_SQL}
    WHERE a.created_at < ?1 - (CASE WHEN r.user_id IS NOT NULL THEN r.days WHEN ${KIND_SQL} = 'recorded' THEN ?2 END) * ${DAY_MS}`;
  const [counted] = await db.batch<{ n: number }>([
    db.prepare(`SELECT count(*) AS n FROM (${expired})`).bind(now, recordedDays),
    db.prepare(`DELETE FROM activities WHERE id IN (${expired})`).bind(now, recordedDays),
  ]);
  return counted?.results[0]?.n ?? 0;
}

/** "Delete all my activity": every row of one user, from every source. Returns how many went. */
export async function deleteAllActivities(db: D1Database, userId: string): Promise<number> {
  const [counted] = await db.batch<{ n: number }>([
    db.prepare("SELECT count(*) AS n FROM activities WHERE user_id = ?").bind(userId),
    db.prepare("DELETE FROM activities WHERE user_id = ?").bind(userId),
  ]);
  return counted?.results[0]?.n ?? 0;
}
