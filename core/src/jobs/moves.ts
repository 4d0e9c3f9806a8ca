import { and, asc, eq, sql } from "drizzle-orm";
import { JobStatus } from "#protocol";
import type { JobMove, JobStatus as JobStatusValue } from "#protocol";
import { schema } from "../db/index.ts";
import type { Db } from "../db/index.ts";
import { storeJobStatusNotice } from "../notifications/outbox.ts";

// Each move of an application through the stages is kept with its date (job_status_history). The statements here
// go into the same D1 batch as the change itself, before it, so they read the status the row had.

const { jobStatusHistory } = schema;

/**
 * The history row for a status change, for the batch that makes it (placed before the UPDATE): written only when
 * the row is the user's job application and its status really changes.
 */
export function recordMove(db: Db, move: { userId: string; activityId: string; to: string; at: number }) {
  return db.insert(jobStatusHistory).select(
    sql`SELECT ${crypto.randomUUID()}, user_id, id, job_status, ${move.to}, ${move.at}
      FROM activities
      WHERE id = ${move.activityId} AND user_id = ${move.userId} AND activity_type = 'job' AND job_status IS NOT ${move.to}`,
  );
}

/**
 * The SQL that writes an application's first status (dated when it happened), bound per new row right after its
 * INSERT in ingest's batch: a duplicate inserts no activity with that id, so it writes nothing.
 */
export const FIRST_MOVE_SQL = `INSERT INTO job_status_history (id, user_id, activity_id, from_status, to_status, at)
  SELECT ?, user_id, id, NULL, coalesce(job_status, 'applied'), occurred_at FROM activities WHERE id = ? AND activity_type = 'job'`;

/** An application's moves, oldest first. */
export async function movesOf(db: Db, userId: string, activityId: string): Promise<JobMove[]> {
  const rows = await db
    .select()
    .from(jobStatusHistory)
    .where(and(eq(jobStatusHistory.userId, userId), eq(jobStatusHistory.activityId, activityId)))
    .orderBy(asc(jobStatusHistory.at), asc(jobStatusHistory.id));
  return rows.flatMap((row) => {
    const to = JobStatus.safeParse(row.toStatus);
    const from = JobStatus.nullable().safeParse(row.fromStatus);
    return to.success && from.success ? [{ from: from.data, to: to.data, at: row.at }] : [];
  });
}

/**
 * Moves an application to a status in one D1 batch: its job_status_changed notice (when the user's rule is on), its
 * history row, and the change itself, in that order (both read the status before the change). Returns the row as
 * updated (none when it is not the user's application) and the notices stored, for the relay after the answer.
 */
export async function moveApplication(db: Db, move: { userId: string; activityId: string; to: JobStatusValue; at: number }) {
  const { activities } = schema;
  const [stored, , updated] = await db.batch([
    storeJobStatusNotice(db, { id: crypto.randomUUID(), userId: move.userId, activityId: move.activityId, to: move.to, at: move.at }),
    recordMove(db, move),
    db
      .update(activities)
      .set({ jobStatus: move.to, updatedAt: move.at })
      .where(and(eq(activities.id, move.activityId), eq(activities.userId, move.userId), eq(activities.activityType, "job")))
      .returning(),
  ]);
  return { row: updated[0], notices: stored };
}
