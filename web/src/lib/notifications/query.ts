import type { NotificationKind, Priority } from "#protocol";

// The notification filters as the API query takes them. Apart from filters.ts (which reads them from a URL with the
// protocol's schemas) so that api.ts, which every signed-in page loads for the bell, brings no zod with it.

export const NOTIFICATION_STATES = ["all", "unread", "dismissed"] as const;
export type NotificationState = (typeof NOTIFICATION_STATES)[number];

/** The center's filters, as they appear in the page URL and the API query. */
export type NotificationFilters = { state: NotificationState; kind?: NotificationKind; priority?: Priority };

/** Filters as query-string pairs; the default state is left out, so the plain URL stays plain. */
export function notificationFilterQuery(filters: NotificationFilters): Record<string, string> {
  const query: Record<string, string> = {};
  if (filters.state !== "all") query.state = filters.state;
  if (filters.kind) query.kind = filters.kind;
  if (filters.priority) query.priority = filters.priority;
  return query;
}
