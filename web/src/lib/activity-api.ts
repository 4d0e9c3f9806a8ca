import { z } from "zod";
import { ActivityQuery, ActivitySummary, ActivityView, IngestResult, IngestTokenView } from "#protocol";
import type { ActivityType, JobStatus } from "#protocol";
import { api, callParsed } from "./api.ts";

// The dashboard's calls. Filters travel as query strings, the same ones the page keeps in its URL.

const Page = z.object({ activities: z.array(ActivityView), next_before: z.string().nullable() });
const One = z.object({ activity: ActivityView });
const Ok = z.object({ ok: z.literal(true) });

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

export const FILTER_KEYS = ["type", "application", "category", "tag", "status", "from", "to", "min_amount", "max_amount", "q"] as const;

/** Reads filters from URL search params; empty or invalid values are left out. */
export function filtersFrom(params: { get(name: string): string | null }): ActivityFilters {
  const filters: ActivityFilters = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key)?.trim();
    if (!value) continue;
    const parsed = ActivityQuery.shape[key].safeParse(value);
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

export const activityApi = {
  list: (filters: ActivityFilters, before?: string) =>
    callParsed(api.activities.$get({ query: { ...filterQuery(filters), limit: "50", ...(before ? { before } : {}) } }), Page),
  summary: (group: "day" | "week" | "month", range: { from?: number; to?: number }) =>
    callParsed(
      api.activities.summary.$get({
        query: { group, tz_offset: String(-new Date().getTimezoneOffset()), ...(range.from ? { from: String(range.from) } : {}), ...(range.to ? { to: String(range.to) } : {}) },
      }),
      ActivitySummary,
    ),
  update: async (id: string, body: { category?: string | null; tags?: string[]; job_status?: JobStatus }) =>
    (await callParsed(api.activities[":id"].$patch({ param: { id }, json: body }), One)).activity,
  remove: (id: string) => callParsed(api.activities[":id"].$delete({ param: { id } }), Ok),
  /** Deletes every activity of the user, from every source. */
  removeAll: async () => (await callParsed(api.activities.$delete(), z.object({ deleted: z.number() }))).deleted,
  ingest: (events: unknown[]) => callParsed(api.activities.$post({ json: { events } }), IngestResult),
  exportUrl: (filters: ActivityFilters) => `/api/activities/export.csv?${new URLSearchParams(filterQuery(filters))}`,
};

const Tokens = z.object({ tokens: z.array(IngestTokenView) });
const NewToken = z.object({ token: z.string(), ingest_token: IngestTokenView });
const OneToken = z.object({ ingest_token: IngestTokenView });

/** Tokens for other tools to push activity in; the secret is shown once, at creation. */
export const ingestTokenApi = {
  list: async () => (await callParsed(api["ingest-tokens"].$get(), Tokens)).tokens,
  create: (name: string) => callParsed(api["ingest-tokens"].$post({ json: { name } }), NewToken),
  revoke: async (id: string) => (await callParsed(api["ingest-tokens"][":id"].$delete({ param: { id } }), OneToken)).ingest_token,
};
