import { and, desc, eq } from "drizzle-orm";
import type { JobDetectionView } from "#protocol";
import { openDb, schema } from "../db/index.ts";
import type { JobDetectionRow } from "../db/jobs-schema.ts";

// Applications the agent's history listener detected (event ids `history:…`) wait in job_detections until the
// user accepts one (it is stored as an application then) or dismisses it. The row stays either way, so the same
// detection sent again (the listener re-reads history after a crash or on another device) is a duplicate and does
// not come back. Nothing here, nor in the listener, submits anything anywhere.

const { jobDetections } = schema;

/** True for a job event that a listener detected rather than the user entered. */
export const isDetected = (row: { activityType: string; eventId: string }) => row.activityType === "job" && row.eventId.startsWith("history:");

/**
 * Stores a detection once per (user, event id); RETURNING names it only when new. Bound as: user, event id, device,
 * company, role, url, occurred at, created at, the event as JSON.
 */
export const DETECTION_SQL = `INSERT INTO job_detections (user_id, event_id, device_id, company, role, url, occurred_at, state, created_at, event)
  VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
  ON CONFLICT (user_id, event_id) DO NOTHING RETURNING event_id`;

export function detectionView(row: JobDetectionRow): JobDetectionView {
  let application = "browser";
  try {
    const event: unknown = JSON.parse(row.event);
    if (typeof event === "object" && event !== null && "application" in event && typeof event.application === "string") application = event.application;
  } catch {
    // a row this code did not write; shown with the generic name
  }
  return { event_id: row.eventId, company: row.company, role: row.role, url: row.url, occurred_at: row.occurredAt, application };
}

/** The user's detections still waiting for a yes or no, newest first. */
export async function pendingDetections(d1: D1Database, userId: string): Promise<JobDetectionView[]> {
  const rows = await openDb(d1)
    .select()
    .from(jobDetections)
    .where(and(eq(jobDetections.userId, userId), eq(jobDetections.state, "pending")))
    .orderBy(desc(jobDetections.occurredAt))
    .limit(200);
  return rows.map(detectionView);
}
