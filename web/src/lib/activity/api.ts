import type { z } from "zod";
import type { JobStatus, ManualApplication, UpdateActivityRetention } from "#protocol";
import { api, callParsed } from "#lib/shared/api.ts";
import { lazySchemas } from "#lib/shared/lazy-schemas.ts";
import { filterQuery } from "./filters.ts";
import type { ActivityFilters, Group } from "./filters.ts";

// The dashboard's calls. Filters travel as query strings, the same ones the page keeps in its URL.

// The answers' schemas (schemas.ts, with zod) load with the first call; the dashboard also reads its URL's filters
// with them (loadActivitySchemas).
const { schema, load: loadActivitySchemas } = lazySchemas(() => import("./schemas.ts"));
export { loadActivitySchemas };

export const activityApi = {
  list: (filters: ActivityFilters, before?: string, limit = 50) =>
    callParsed(api.activities.$get({ query: { ...filterQuery(filters), limit: String(limit), ...(before ? { before } : {}) } }), schema("ActivityPage")),
  summary: (group: Group, range: { from?: number; to?: number }) =>
    callParsed(
      api.activities.summary.$get({
        query: { group, tz_offset: String(-new Date().getTimezoneOffset()), ...(range.from ? { from: String(range.from) } : {}), ...(range.to ? { to: String(range.to) } : {}) },
      }),
      schema("ActivitySummary"),
    ),
  update: async (id: string, body: { category?: string | null; tags?: string[]; job_status?: JobStatus }) =>
    (await callParsed(api.activities[":id"].$patch({ param: { id }, json: body }), schema("OneActivity"))).activity,
  remove: (id: string) => callParsed(api.activities[":id"].$delete({ param: { id } }), schema("Ok")),
  /** Deletes every activity of the user, from every source. */
  removeAll: async () => (await callParsed(api.activities.$delete(), schema("Deleted"))).deleted,
  ingest: (events: unknown[]) => callParsed(api.activities.$post({ json: { events } }), schema("IngestResult")),
  addApplication: async (body: z.input<typeof ManualApplication>) => (await callParsed(api.activities.applications.$post({ json: body }), schema("OneActivity"))).activity,
  /** How long each kind of activity is kept, in days from when it was stored (null: until deleted). */
  retention: () => callParsed(api.activities.retention.$get(), schema("ActivityRetention")),
  setRetention: (body: UpdateActivityRetention) => callParsed(api.activities.retention.$put({ json: body }), schema("ActivityRetention")),
  exportUrl: (filters: ActivityFilters) => `/api/activities/export.csv?${new URLSearchParams(filterQuery(filters))}`,
};

/** Tokens for other tools to push activity in; the secret is shown once, at creation. */
export const ingestTokenApi = {
  list: async () => (await callParsed(api["ingest-tokens"].$get(), schema("Tokens"))).tokens,
  create: (name: string) => callParsed(api["ingest-tokens"].$post({ json: { name } }), schema("NewToken")),
  revoke: async (id: string) => (await callParsed(api["ingest-tokens"][":id"].$delete({ param: { id } }), schema("OneToken"))).ingest_token,
};
