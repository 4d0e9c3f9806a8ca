import { NotificationKind, Priority } from "#protocol";

// The notification center keeps its filters in its URL (`/notifications?state=unread&kind=…`): pure steps
// between the URL and the filters, tested in filters.test.ts. Unknown values fall back to the default, and the
// default state never appears in the URL.

export const NOTIFICATION_STATES = ["all", "unread", "dismissed"] as const;
export type NotificationState = (typeof NOTIFICATION_STATES)[number];

/** The center's filters, as they appear in the page URL and the API query. */
export type NotificationFilters = { state: NotificationState; kind?: NotificationKind; priority?: Priority };

/** Reads filters from URL search params; missing or unknown values fall back to "everything not dismissed". */
export function notificationFiltersFrom(params: { get(name: string): string | null }): NotificationFilters {
  const state = NOTIFICATION_STATES.find((s) => s === params.get("state")) ?? "all";
  const kind = NotificationKind.safeParse(params.get("kind"));
  const priority = Priority.safeParse(params.get("priority"));
  return { state, ...(kind.success ? { kind: kind.data } : {}), ...(priority.success ? { priority: priority.data } : {}) };
}

/** Filters as query-string pairs; the default state is left out, so the plain URL stays plain. */
export function notificationFilterQuery(filters: NotificationFilters): Record<string, string> {
  const query: Record<string, string> = {};
  if (filters.state !== "all") query.state = filters.state;
  if (filters.kind) query.kind = filters.kind;
  if (filters.priority) query.priority = filters.priority;
  return query;
}

/** The notification center's URL for these filters: `/notifications` alone for the default. */
export function notificationsUrl(filters: NotificationFilters): string {
  const params = new URLSearchParams(notificationFilterQuery(filters));
  return `/notifications${params.size ? `?${params}` : ""}`;
}
