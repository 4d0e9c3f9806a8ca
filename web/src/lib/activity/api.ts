import type { z } from "zod";
import type { CsvColumns, JobStatus, ManualApplication, StatementImportResult, UpdateActivityRetention } from "#protocol";
import { ApiFailure, api, callParsed, noticeSignOut, outOfDate } from "#lib/shared/api.ts";
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

/**
 * Uploads one statement file to be read on the server. XHR rather than fetch, for the upload's progress
 * (`onprogress` gets 0…1); the answer says what was stored and which lines were refused, and why.
 */
export function uploadStatement(
  file: File,
  options: { currency?: string; columns?: CsvColumns; onprogress?: (fraction: number) => void },
): Promise<StatementImportResult> {
  const query = new URLSearchParams({ filename: file.name });
  if (options.currency) query.set("currency", options.currency);
  if (options.columns) query.set("columns", JSON.stringify(options.columns));
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", `/api/activities/import?${query}`);
    request.setRequestHeader("content-type", "application/octet-stream");
    request.upload.onprogress = (event) => event.lengthComputable && options.onprogress?.(event.loaded / event.total);
    request.onerror = () => reject(new ApiFailure(0, "network", "Can't reach Hearth. Check your connection and try again."));
    request.onload = async () => {
      let body: unknown = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        // answered below
      }
      const schemas = await loadActivitySchemas().catch(() => null);
      // A 200 means the statement is imported: the page only cannot read the answer, so it must not invite a re-upload.
      if (!schemas) return reject(request.status === 200 ? outOfDate(200) : new ApiFailure(0, "network", "Can't reach Hearth. Check your connection and reload the page."));
      const { ApiErrorBody, StatementImportResult } = schemas;
      const ok = StatementImportResult.safeParse(body);
      if (request.status === 200 && ok.success) return resolve(ok.data);
      const error = ApiErrorBody.safeParse(body);
      const failure = error.success
        ? new ApiFailure(request.status, error.data.error.code, error.data.error.message, error.data.error.field)
        : new ApiFailure(request.status, "internal", `Hearth answered with an unexpected error (${request.status}). Try again.`);
      noticeSignOut(failure);
      reject(failure);
    };
    request.send(file);
  });
}
