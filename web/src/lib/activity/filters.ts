import type { ActivityQuery, ActivityType, JobStatus } from "#protocol";

// The dashboard's state lives in its URL (`/dashboard?type=money&group=month`), so Back, reload and shared links
// show the same page. These are the pure steps between the URL, the filter form and the API query; the page only
// wires them to `goto`. What must stay true: a value the URL cannot hold (empty, unknown, not a number) is left
// out rather than failing the page, and a default (no filter, weekly buckets) never appears in the URL.

/** The dashboard's filters, as they appear in the page URL and the API query. */
export type ActivityFilters = {
  type?: ActivityType;
  application?: string;
  category?: string;
  tag?: string;
  status?: JobStatus;
  from?: number;
  to?: number;
  min_amount?: number;
  max_amount?: number;
  q?: string;
};

/** The dashboard reads these from its URL, in this order (the assistant's dashboard links use the same names). */
export const FILTER_KEYS = ["type", "application", "category", "tag", "status", "from", "to", "min_amount", "max_amount", "q"] as const;

export const GROUPS = ["day", "week", "month"] as const;
/** How the charts bucket activity over time. */
export type Group = (typeof GROUPS)[number];
/** The grouping a URL without `group` shows; it is left out of the URL. */
export const DEFAULT_GROUP: Group = "week";

/**
 * Reads filters from URL search params; empty or invalid values are left out. Each value is checked with the API's
 * own query schema, which the page loads with its first request (zod is not in its first JS): without the schema,
 * a URL with no filter reads as no filters, and one with filters answers null (not known yet) rather than guess.
 * `schema` is a getter, called only when a filter is there: a page deriving its filters from it then depends on
 * the schema's arrival only when it needs it (a plain /dashboard does not reload when the schema comes).
 */
export function filtersFrom(params: { get(name: string): string | null }, schema: () => typeof ActivityQuery | null): ActivityFilters | null {
  const filters: ActivityFilters = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key)?.trim();
    if (!value) continue;
    const query = schema();
    if (!query) return null;
    const parsed = query.shape[key].safeParse(value);
    if (parsed.success && parsed.data !== undefined) Object.assign(filters, { [key]: parsed.data });
  }
  return filters;
}

/** Filters as query-string pairs. */
export function filterQuery(filters: ActivityFilters): Record<string, string> {
  const query: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value !== undefined && value !== "" && !(typeof value === "number" && !Number.isFinite(value))) query[key] = String(value);
  }
  return query;
}

/** The chart grouping in a URL: `day`, `week` or `month`, and the default for anything else. */
export function groupFrom(params: { get(name: string): string | null }): Group {
  return GROUPS.find((group) => group === params.get("group")) ?? DEFAULT_GROUP;
}

/**
 * The dashboard URL that shows these filters and grouping; defaults are left out, so the plain page is `/dashboard`.
 * @example dashboardUrl({ type: "money" }, "month") // "/dashboard?type=money&group=month"
 */
export function dashboardUrl(filters: ActivityFilters, group: Group): string {
  const params = new URLSearchParams(filterQuery(filters));
  if (group !== DEFAULT_GROUP) params.set("group", group);
  return `/dashboard${params.size ? `?${params}` : ""}`;
}

/**
 * Filters from the filter form's fields. Blank fields are no filter; the date fields hold local days
 * ("2026-10-05"), and a range takes in the whole of both: from that day's first millisecond to the last.
 */
export function filtersFromForm(fields: Iterable<[string, FormDataEntryValue]>, schema: typeof ActivityQuery): ActivityFilters {
  const params = new URLSearchParams();
  for (const [key, value] of fields) if (typeof value === "string" && value.trim()) params.set(key, value.trim());
  for (const key of ["from", "to"] as const) {
    const day = params.get(key);
    if (day) params.set(key, String(key === "from" ? new Date(`${day}T00:00`).getTime() : new Date(`${day}T23:59:59.999`).getTime()));
  }
  return filtersFrom(params, () => schema) ?? {};
}

/** A time as the local day a date field shows ("2026-10-05"), or "" for none. */
export function dayInput(ms: number | undefined): string {
  return ms === undefined ? "" : new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
}
