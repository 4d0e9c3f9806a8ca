import { and, count, eq, inArray, sql } from "drizzle-orm";
import { RETENTION_KINDS } from "#protocol";
import type { ActivityRetention, RetentionKind, UpdateActivityRetention } from "#protocol";
import { readConfig } from "../config.ts";
import { openDb, schema } from "../db/index.ts";

// How long activity is kept. The rule (README, "Activity"): a row's age counts from when Hearth stored it
// (`created_at`), never from the transaction's own date, so importing years of statements deletes nothing the next
// night. Each user sets a period per kind of source; imported statements and applications added by hand are kept
// until the user deletes them unless they choose otherwise, and what listeners and tools record is kept for the
// server's ACTIVITY_RETENTION_DAYS.

const { activities, activityRetention } = schema;
const DAY_MS = 24 * 60 * 60_000;

/**
 * SQL for a row's retention kind. The statement importers' event ids (`ofx:…`, `csv:…`) mark a statement, whether
 * uploaded in the web app or read from the agent's statements folder; the source alone cannot ("upload" is also
 * any JSON push from a signed-in browser).
 */
const kindOf = sql`CASE WHEN ${activities.source} = 'manual' THEN 'manual'
  WHEN ${activities.eventId} LIKE 'ofx:%' OR ${activities.eventId} LIKE 'csv:%' THEN 'statements'
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
export async function pruneActivities(d1: D1Database, now: number, recordedDays: number): Promise<number> {
  const db = openDb(d1);
  const r = activityRetention;
  const expired = db
    .select({ id: activities.id })
    .from(activities)
    .leftJoin(r, and(eq(r.userId, activities.userId), eq(r.kind, kindOf)))
    .where(sql`${activities.createdAt} < ${now} - (CASE WHEN ${r.userId} IS NOT NULL THEN ${r.days} WHEN ${kindOf} = 'recorded' THEN ${recordedDays} END) * ${DAY_MS}`);
  const [counted] = await db.batch([db.select({ n: count() }).from(expired.as("expired")), db.delete(activities).where(inArray(activities.id, expired))]);
  return counted[0]?.n ?? 0;
}

/**
 * Rows one statement of "delete all" takes. Each deleted row runs the search index's and the rollups' triggers
 * (migration 0020: four statements more per row), and D1 limits each statement's time: in node:sqlite one DELETE
 * of 1M rows took 54 s with the rollup triggers (bench/activity-deletes.mjs, /work/notes/i17/bench-g.md), past
 * D1's 30 s. A chunk of this many takes about a second there, and a 1M-row user needs 50 queries, within a
 * Worker's budget of D1 queries per request (1,000 on the paid plan).
 */
export const DELETE_CHUNK = 20_000;

/**
 * "Delete all my activity": every row of one user, from every source, `chunk` rows per statement (see
 * `DELETE_CHUNK`); the triggers keep the rollups exact after each. Returns how many went. Not one transaction: a
 * failure part way leaves the rest, and running it again deletes them.
 */
export async function deleteAllActivities(d1: D1Database, userId: string, chunk = DELETE_CHUNK): Promise<number> {
  const db = openDb(d1);
  let deleted = 0;
  for (;;) {
    const some = db.select({ id: activities.id }).from(activities).where(eq(activities.userId, userId)).limit(chunk);
    const [counted] = await db.batch([db.select({ n: count() }).from(some.as("some")), db.delete(activities).where(inArray(activities.id, some))]);
    const n = counted[0]?.n ?? 0;
    deleted += n;
    if (n < chunk) return deleted;
  }
}
