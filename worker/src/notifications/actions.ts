import { and, eq, isNull } from "drizzle-orm";
import type { NotificationAction, NotificationView } from "#protocol";
import { retryCommand } from "../commands/dispatch.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import { ApiError } from "../http/errors.ts";
import { relayFor } from "../relay/stub.ts";
import { markRead, notificationView } from "../../../core/src/notifications/store.ts";
import { answerFollowUp } from "../../../core/src/jobs/actions.ts";

// A notification's buttons, wherever they are pressed (the app, or a signed link from a webhook): approve or
// deny the permission request it is about, retry the command it is about, or answer a job follow-up (followed up,
// snooze, mark ghosted: core/src/jobs/actions.ts). Each acts through the same path
// as the app's own screens, so the relay's checks (already answered, not retryable) hold here too.

const { notifications } = schema;

export async function findNotification(d1: D1Database, userId: string, id: string): Promise<NotificationView> {
  const row = await openDb(d1).select().from(notifications).where(and(eq(notifications.id, id), eq(notifications.userId, userId))).get();
  if (!row) throw new ApiError(404, "not_found", "There is no such notification. It may have been deleted.");
  return notificationView(row);
}

/** Does what the button says, marks the notification read, and tells every tab. Returns what happened, in words. */
export async function performAction(env: Env, userId: string, notification: NotificationView, action: NotificationAction["id"]): Promise<string> {
  // Settled (its request answered, here or anywhere): say what it came to, as a conflict, not as a bad request.
  if (notification.outcome !== null) throw new ApiError(409, "conflict", `This was already answered. ${notification.outcome}`);
  if (!notification.actions.some((a) => a.id === action)) throw new ApiError(400, "validation_failed", `This notification has no "${action}" action.`, { field: "action" });
  const source = notification.source;
  let done: string;
  if ((action === "approve" || action === "deny") && source?.type === "permission_request") {
    const outcome = await relayFor(env, userId).decide(source.id, action === "approve" ? "allow_once" : "deny");
    if (!outcome.ok) throw new ApiError(outcome.code === "not_found" ? 404 : 409, outcome.code, outcome.message);
    done = action === "approve" ? `Allowed once: ${outcome.request.target}.${outcome.request.action}.` : `Denied: ${outcome.request.target}.${outcome.request.action}.`;
  } else if (action === "retry" && source?.type === "command") {
    const command = await retryCommand(env, userId, source.id);
    done = `Retrying ${command.target}.${command.action}.`;
  } else if ((action === "followed_up" || action === "snooze" || action === "mark_ghosted") && source?.type === "activity") {
    // Claimed first, only while unanswered: of two presses at once (the app and a webhook link), one goes on.
    const mine = and(eq(notifications.id, notification.id), eq(notifications.userId, userId));
    const db = openDb(env.DB);
    const claimed = await db.update(notifications).set({ outcome: "Answering…" }).where(and(mine, isNull(notifications.outcome))).returning({ id: notifications.id });
    if (claimed.length === 0) throw new ApiError(409, "conflict", "This was already answered.");
    let answered: Awaited<ReturnType<typeof answerFollowUp>>;
    try {
      answered = await answerFollowUp(env.DB, userId, source.id, action, Date.now(), notification.created_at);
    } catch (error) {
      // Nothing was done: the buttons stay, so it can be pressed again.
      await db.update(notifications).set({ outcome: null }).where(mine);
      throw error;
    }
    // Its buttons go, and it says what it came to (like an answered request), also when it is stale or gone.
    const outcome = !answered ? "That application is gone." : "stale" in answered ? answered.stale : answered.done;
    await db.update(notifications).set({ actions: "[]", outcome }).where(mine);
    if (!answered || "stale" in answered) await settled(env, userId, notification.id);
    if (!answered) throw new ApiError(404, "not_found", "That application is gone. It may have been deleted.");
    if ("stale" in answered) throw new ApiError(409, "conflict", answered.stale);
    for (const notice of answered.notices) {
      await relayFor(env, userId)
        .noticeStored(notice)
        .catch((error: unknown) => console.error(`notifications: telling the relay of notice ${notice.id} failed; its sweep will find it`, error));
    }
    done = answered.done;
  } else {
    throw new ApiError(400, "validation_failed", "This notification's action cannot be done from here; open it in the app.", { field: "action" });
  }
  await settled(env, userId, notification.id);
  return done;
}

/** Marks it read and tells every tab. */
async function settled(env: Env, userId: string, id: string): Promise<void> {
  const changed = await markRead(env.DB, userId, [id], Date.now());
  await relayFor(env, userId).notificationsChanged(changed.length ? changed : [id]);
}
