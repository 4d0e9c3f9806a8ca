import { z } from "zod";
import { NotificationPreferences, NotificationView } from "#protocol";
import type { NotificationAction, UpdateNotificationPreferences } from "#protocol";
import { api, callParsed } from "#lib/shared/api.ts";
import { notificationFilterQuery } from "./filters.ts";
import type { NotificationFilters } from "./filters.ts";

// The notification center's calls. Filters travel as query strings, the same ones the page keeps in its URL.

const Page = z.object({ notifications: z.array(NotificationView), next_before: z.string().nullable(), unread: z.number().int().min(0) });
const ReadAnswer = z.object({ read: z.number().int().min(0), unread: z.number().int().min(0) });
const Ok = z.object({ ok: z.literal(true) });
const ActionAnswer = z.object({ message: z.string() });

export type NotificationPage = z.infer<typeof Page>;

export const notificationsApi = {
  /** One page, newest first; pass the answer's `next_before` as `before` for the next. `unread` is the bell's count. */
  list: (filters: NotificationFilters, before?: string, limit = 30) =>
    callParsed(api.notifications.$get({ query: { ...notificationFilterQuery(filters), limit: String(limit), ...(before ? { before } : {}) } }), Page),
  /** Marks these notifications read, or every unread one when `ids` is left out. */
  markRead: (ids?: string[]) => callParsed(api.notifications.read.$post({ json: ids ? { ids } : {} }), ReadAnswer),
  dismiss: (id: string) => callParsed(api.notifications[":id"].dismiss.$post({ param: { id } }), Ok),
  /** Presses a notification's button (approve, deny, retry); answers what happened, in words. */
  act: async (id: string, action: NotificationAction["id"]) =>
    (await callParsed(api.notifications[":id"].actions[":action"].$post({ param: { id, action } }), ActionAnswer)).message,
  preferences: () => callParsed(api.notifications.preferences.$get(), NotificationPreferences),
  savePreferences: (body: z.input<typeof UpdateNotificationPreferences>) => callParsed(api.notifications.preferences.$put({ json: body }), NotificationPreferences),
};
