import type { z } from "zod";
import type { NotificationAction, UpdateNotificationPreferences } from "#protocol";
import { api, callParsed } from "#lib/shared/api.ts";
import { lazySchemas } from "#lib/shared/lazy-schemas.ts";
import { notificationFilterQuery } from "./query.ts";
import type { NotificationFilters } from "./query.ts";

// The notification center's calls. Filters travel as query strings, the same ones the page keeps in its URL.

// The answers' schemas (schemas.ts, with zod) load with the first call.
const { schema } = lazySchemas(() => import("./schemas.ts"));

export type NotificationPage = z.infer<typeof import("./schemas.ts").NotificationPage>;

export const notificationsApi = {
  /** One page, newest first; pass the answer's `next_before` as `before` for the next. `unread` is the bell's count. */
  list: (filters: NotificationFilters, before?: string, limit = 30) =>
    callParsed(api.notifications.$get({ query: { ...notificationFilterQuery(filters), limit: String(limit), ...(before ? { before } : {}) } }), schema("NotificationPage")),
  /** Marks these notifications read, or every unread one when `ids` is left out. */
  markRead: (ids?: string[]) => callParsed(api.notifications.read.$post({ json: ids ? { ids } : {} }), schema("ReadAnswer")),
  dismiss: (id: string) => callParsed(api.notifications[":id"].dismiss.$post({ param: { id } }), schema("Ok")),
  /** Presses a notification's button (approve, deny, retry); answers what happened, in words. */
  act: async (id: string, action: NotificationAction["id"]) =>
    (await callParsed(api.notifications[":id"].actions[":action"].$post({ param: { id, action } }), schema("ActionAnswer"))).message,
  preferences: () => callParsed(api.notifications.preferences.$get(), schema("NotificationPreferences")),
  savePreferences: (body: z.input<typeof UpdateNotificationPreferences>) => callParsed(api.notifications.preferences.$put({ json: body }), schema("NotificationPreferences")),
};
