import { openDb } from "../db/index.ts";
import type { OutboxNotice } from "../notifications/outbox.ts";
import { findApplication } from "./details.ts";
import { moveApplication } from "./moves.ts";

// The answers to "Follow up with <company>?" (worker/src/notifications/actions.ts calls these, from the app's bell
// or a signed webhook link): followed up (the clock starts again), snooze (not asked for a week), mark ghosted (the
// application moves to ghosted, with its history row and status notice like every move).
// An answer acts only on the quiet stretch it was asked about: the application must still be at a waiting stage and
// must not have moved (nor been marked followed up) since the notice. A stale button, or an old webhook link for an
// application now at offer, changes nothing and says why.

const WEEK = 7 * 86_400_000;
const WAITING = new Set(["applied", "assessment", "interview"]);

export type FollowUpAnswer = { done: string; notices: OutboxNotice[] } | { stale: string };

export async function answerFollowUp(
  d1: D1Database,
  userId: string,
  activityId: string,
  action: "followed_up" | "snooze" | "mark_ghosted",
  at: number,
  askedAt: number,
): Promise<FollowUpAnswer | null> {
  const app = await findApplication(d1, userId, activityId);
  if (!app) return null;
  const company = app.company ?? "the company";
  if (!app.jobStatus || !WAITING.has(app.jobStatus)) return { stale: `${company} is at ${app.jobStatus ?? "no stage"} now, so nothing was changed.` };
  const last = await d1
    .prepare(
      `SELECT max(coalesce((SELECT max(at) FROM job_status_history WHERE activity_id = ?1 AND user_id = ?2), 0),
         coalesce((SELECT followed_up_at FROM job_details WHERE activity_id = ?1 AND user_id = ?2), 0)) AS moved`,
    )
    .bind(activityId, userId)
    .first<{ moved: number }>();
  if ((last?.moved ?? 0) > askedAt) return { stale: `${company} has moved on since this was asked, so nothing was changed.` };
  if (action === "mark_ghosted") {
    const moved = await moveApplication(openDb(d1), { userId, activityId, to: "ghosted", at });
    return { done: `Marked ${company} as ghosted.`, notices: moved.notices };
  }
  const set = action === "followed_up" ? { column: "followed_up_at", value: at } : { column: "snoozed_until", value: at + WEEK };
  // A snooze clears "asked", so the same quiet stretch is asked about again once the week is over.
  await d1
    .prepare(
      `INSERT INTO job_details (activity_id, user_id, ${set.column}, updated_at) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (activity_id) DO UPDATE SET ${set.column} = ?3, updated_at = ?4${action === "snooze" ? ", asked_for_movement = NULL" : ""}`,
    )
    .bind(activityId, userId, set.value, at)
    .run();
  return { done: action === "followed_up" ? `Followed up with ${company}.` : `Snoozed for a week: ${company}.`, notices: [] };
}
