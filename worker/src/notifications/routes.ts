import { Hono } from "hono";
import { z } from "zod";
import { NotificationAction, NotificationQuery, UpdateNotificationPreferences, cursorAfter, isTimeZone } from "#protocol";
import type { NotificationPreferences, NotificationView } from "#protocol";
import { requireUser } from "../auth/session.ts";
import { assertApprovalProof } from "../auth/step-up.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody, queryParams } from "../http/validate.ts";
import { relayFor } from "../relay/stub.ts";
import { findNotification, performAction } from "./actions.ts";
import { loadPreferences, savePreferences } from "../../../core/src/notifications/preferences.ts";
import { dismiss, listNotifications, markRead, notificationView, unreadCount } from "../../../core/src/notifications/store.ts";

const ReadRequest = z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(500).optional() });

/** /api/notifications: the notification center, the bell's count, the buttons, and the user's preferences. */
export const notificationsApi = new Hono<AppEnv>()
  .use(requireUser)

  .get("/", queryParams(NotificationQuery), async (c) => {
    const userId = c.get("auth").user.id;
    const query = c.req.valid("query");
    const [{ rows }, unread] = await Promise.all([listNotifications(c.env.DB, userId, query), unreadCount(c.env.DB, userId)]);
    const last = rows[rows.length - 1];
    const body: { notifications: NotificationView[]; next_before: string | null; unread: number } = {
      notifications: rows.map(notificationView),
      next_before: rows.length === query.limit && last ? cursorAfter(last.createdAt, last.id) : null,
      unread,
    };
    return c.json(body, 200);
  })

  // Marks some (ids) or all unread notifications read; every open tab's bell follows.
  .post("/read", jsonBody(ReadRequest), async (c) => {
    const userId = c.get("auth").user.id;
    const changed = await markRead(c.env.DB, userId, c.req.valid("json").ids ?? null, Date.now());
    await relayFor(c.env, userId).notificationsChanged(changed);
    return c.json({ read: changed.length, unread: await unreadCount(c.env.DB, userId) }, 200);
  })

  .get("/preferences", async (c) => {
    const preferences: NotificationPreferences = await loadPreferences(c.env.DB, c.get("auth").user.id);
    return c.json(preferences, 200);
  })

  .put("/preferences", jsonBody(UpdateNotificationPreferences), async (c) => {
    const userId = c.get("auth").user.id;
    const body = c.req.valid("json");
    if (body.quiet_hours && !isTimeZone(body.quiet_hours.time_zone)) {
      throw new ApiError(400, "validation_failed", `"${body.quiet_hours.time_zone}" is not a time zone this server knows; use an IANA name like Europe/Berlin.`, { field: "quiet_hours.time_zone" });
    }
    const saved: NotificationPreferences = await savePreferences(c.env.DB, userId, {
      ...(body.rules ? { rules: body.rules } : {}),
      ...(body.quiet_hours ? { quiet_hours: body.quiet_hours } : {}),
    });
    await relayFor(c.env, userId).notificationPreferencesChanged();
    return c.json(saved, 200);
  })

  .post("/:id/dismiss", async (c) => {
    const userId = c.get("auth").user.id;
    const id = c.req.param("id");
    if (!(await dismiss(c.env.DB, userId, id, Date.now()))) throw new ApiError(404, "not_found", "There is no such notification, or it was already dismissed.");
    await relayFor(c.env, userId).notificationsChanged([id]);
    return c.json({ ok: true as const }, 200);
  })

  // A notification's button: approve or deny its permission request, or retry its command.
  .post("/:id/actions/:action", async (c) => {
    const userId = c.get("auth").user.id;
    const action = NotificationAction.shape.id.safeParse(c.req.param("action"));
    if (!action.success) throw new ApiError(400, "validation_failed", "The action is one of approve, deny, retry or open.", { field: "action" });
    const notification = await findNotification(c.env.DB, userId, c.req.param("id"));
    if (action.data === "approve" && notification.source?.type === "permission_request") await assertApprovalProof(c, notification.source.id);
    return c.json({ message: await performAction(c.env, userId, notification, action.data) }, 200);
  });
