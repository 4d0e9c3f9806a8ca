import { openDb } from "../db/index.ts";
import type { OutboxNotice } from "../notifications/outbox.ts";
import { findApplication } from "./details.ts";
import { moveApplication } from "./moves.ts";

// The answers to "Follow up with <company>?" (worker/src/notifications/actions.ts calls these, from the app's bell
// or a signed webhook link): followed up (the clock starts again), snooze (not asked for a week), mark ghosted (the
// application moves to ghosted, with its history row and status notice like every move).

const WEEK = 7 * 86_400_000;

export async function answerFollowUp(
  d1: D1Database,
  userId: string,
  activityId: string,
  action: "followed_up" | "snooze" | "mark_ghosted",
  at: number,
): Promise<{ done: string; notices: OutboxNotice[] } | null> {
  const app = await findApplication(d1, userId, activityId);
  if (!app) return null;
  const company = app.company ?? "the company";
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
