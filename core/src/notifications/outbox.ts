import { asc, eq, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { openDb, schema } from "../db/index.ts";
import type { Db } from "../db/index.ts";
import type { NoticeReader, NotificationDraft } from "./store.ts";
import { insightNotices } from "../insights/notices.ts";
import { jobNotices } from "../jobs/notices.ts";

// The notice outbox (migration 0021): a notice the API stores in the same D1 batch as the change that causes it,
// so it is durable before the API answers, and the user's relay can be told after the answer (waitUntil). The
// relay turns each row into a notification (its rule, quiet hours, channels) and deletes the row in the same
// D1 batch that stores the notification, whose id is the row's id: a row handled twice (the API's call and a
// sweep racing) stores one notification. A row whose call never reached the relay waits for the next sweep.

const { noticeOutbox } = schema;

/** A notice waiting in the outbox, as read from D1 or handed to the relay (facts still JSON text). */
export const OutboxNotice = z.object({
  id: z.string().min(1).max(100),
  kind: z.string().min(1).max(100),
  facts: z.string().max(10_000),
  createdAt: z.number().int(),
});
export type OutboxNotice = z.infer<typeof OutboxNotice>;

/** What a job-status notice says: written by SQL (json_object) in the PATCH's batch, so parsed when read. */
const JobStatusFacts = z.object({
  activity_id: z.string(),
  company: z.string().nullable(),
  role: z.string().nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
});
export type JobStatusFacts = z.infer<typeof JobStatusFacts>;

/** The notice for an application that moved through the pipeline. */
export function jobStatusNotice(facts: JobStatusFacts): NotificationDraft {
  const company = facts.company ?? "An application";
  const to = facts.to ?? "applied";
  return {
    kind: "job_status_changed",
    title: `${company}: ${to}`,
    body: `${facts.role ? `${facts.role} at ${company}` : company} moved from ${facts.from ?? "applied"} to ${to}.`,
    source: { type: "activity", id: facts.activity_id },
    link: "/dashboard/applications",
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Each kind of notice the outbox may hold, and how its facts read. */
const READERS: Record<string, NoticeReader> = {
  job_status_changed: (facts) => {
    const parsed = JobStatusFacts.safeParse(facts);
    return parsed.success ? jobStatusNotice(parsed.data) : null;
  },
  ...insightNotices,
  ...jobNotices,
};

/** The draft an outbox row stands for, or null for a row this code cannot read (it is dropped, and logged). */
export function outboxDraft(notice: OutboxNotice): NotificationDraft | null {
  const read = Object.hasOwn(READERS, notice.kind) ? READERS[notice.kind] : undefined;
  return read ? read(parseJson(notice.facts)) : null;
}

/**
 * The PATCH's half of a job-status change, for its D1 batch: stores the notice when (and only when) the row is a
 * job whose status is about to change, reading the old status before the UPDATE that follows it in the same
 * batch. RETURNING hands back the row as stored (none when nothing changes), for the relay call after the answer.
 * A user whose saved rule for the kind is off gets no notice (and no relay call): the relay still applies the
 * whole rule, so this only ever leaves out what it would drop. The SELECT is SQL (json_object, json_each, and the
 * table's columns in their order) because drizzle's builder has no form for those.
 * @example db.batch([storeJobStatusNotice(db, { … }), db.update(activities)…])
 */
export function storeJobStatusNotice(db: Db, change: { id: string; userId: string; activityId: string; to: string; at: number }) {
  return db
    .insert(noticeOutbox)
    .select(
      sql`SELECT ${change.id}, user_id, 'job_status_changed',
        json_object('activity_id', id, 'company', company, 'role', role, 'from', job_status, 'to', ${change.to}), ${change.at}
      FROM activities
      WHERE id = ${change.activityId} AND user_id = ${change.userId} AND activity_type = 'job' AND job_status IS NOT ${change.to}
        AND NOT EXISTS (SELECT 1 FROM notification_preferences p, json_each(p.rules) r
          WHERE p.user_id = ${change.userId} AND r.value ->> '$.kind' = 'job_status_changed' AND r.value ->> '$.enabled' = 0)`,
    )
    .returning({ id: noticeOutbox.id, kind: noticeOutbox.kind, facts: noticeOutbox.facts, createdAt: noticeOutbox.createdAt });
}

/** The user's oldest waiting notices (a sweep's worth). */
export async function waitingNotices(d1: D1Database, userId: string, limit = 100): Promise<OutboxNotice[]> {
  const rows = await openDb(d1)
    .select({ id: noticeOutbox.id, kind: noticeOutbox.kind, facts: noticeOutbox.facts, createdAt: noticeOutbox.createdAt })
    .from(noticeOutbox)
    .where(eq(noticeOutbox.userId, userId))
    .orderBy(asc(noticeOutbox.createdAt))
    .limit(limit);
  return rows;
}

/** The statement that takes a handled notice out of the outbox (for the batch that stores its notification). */
export const takeNotice = (db: Db, id: string) => db.delete(noticeOutbox).where(eq(noticeOutbox.id, id));

/** Takes handled notices out of the outbox (a rule that drops them, a row nobody can read). */
export async function takeNotices(d1: D1Database, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await openDb(d1).delete(noticeOutbox).where(sql`${noticeOutbox.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`);
}

/** Users with a notice older than `before` still waiting: their relay was not reached (the daily cron wakes it). */
export async function usersWithStaleNotices(d1: D1Database, before: number, limit = 1000): Promise<string[]> {
  const rows = await openDb(d1)
    .selectDistinct({ userId: noticeOutbox.userId })
    .from(noticeOutbox)
    .where(lt(noticeOutbox.createdAt, before))
    .limit(limit);
  return rows.map((row) => row.userId);
}
