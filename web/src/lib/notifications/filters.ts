import { NotificationKind, Priority } from "#protocol";
import { NOTIFICATION_STATES, notificationFilterQuery } from "./query.ts";
import type { NotificationFilters } from "./query.ts";

// The notification center keeps its filters in its URL (`/notifications?state=unread&kind=…`): pure steps
// between the URL and the filters, tested in filters.test.ts. Unknown values fall back to the default, and the
// default state never appears in the URL.

export { NOTIFICATION_STATES, notificationFilterQuery };
export type { NotificationFilters, NotificationState } from "./query.ts";

/** Reads filters from URL search params; missing or unknown values fall back to "everything not dismissed". */
export function notificationFiltersFrom(params: { get(name: string): string | null }): NotificationFilters {
  const state = NOTIFICATION_STATES.find((s) => s === params.get("state")) ?? "all";
  const kind = NotificationKind.safeParse(params.get("kind"));
  const priority = Priority.safeParse(params.get("priority"));
  return { state, ...(kind.success ? { kind: kind.data } : {}), ...(priority.success ? { priority: priority.data } : {}) };
}

/** The notification center's URL for these filters: `/notifications` alone for the default. */
export function notificationsUrl(filters: NotificationFilters): string {
  const params = new URLSearchParams(notificationFilterQuery(filters));
  return `/notifications${params.size ? `?${params}` : ""}`;
}
