import type { z } from "zod";
import type { CsvLayout, ImportProfile, SaveImportProfile, StatementImportResult, StatementPreview } from "#protocol";
import { ApiFailure, failureOf, noticeSignOut, outOfDate } from "#lib/shared/api.ts";
import { lazySchemas } from "#lib/shared/lazy-schemas.ts";

// The import page's calls: a statement previewed (read, nothing stored), then imported, and the saved layouts
// (import profiles). A statement travels as the request's body, with what it is in the query string.

const { schema, load: loadImportSchemas } = lazySchemas(() => import("./schemas.ts"));

/** How a statement is to be read: the page's default currency, and the picker's layout or a saved profile. */
export type ReadOptions = { currency?: string; layout?: CsvLayout | null; profile?: string | null };

function statementQuery(file: File, options: ReadOptions): URLSearchParams {
  const query = new URLSearchParams({ filename: file.name });
  if (options.currency) query.set("currency", options.currency);
  if (options.profile) query.set("profile", options.profile);
  else if (options.layout) query.set("layout", JSON.stringify(options.layout));
  return query;
}

/**
 * Sends a request and parses its answer with `name`'s schema; an error answer becomes an ApiFailure. `acts` says
 * whether the call changes something: only then does a schema that cannot be loaded mean "done, reload to see it".
 */
async function send<S extends z.ZodType>(url: string, init: RequestInit, answer: Promise<S>, acts = false): Promise<z.output<S>> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, credentials: "same-origin" });
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw new ApiFailure(0, "network", "Can't reach Hearth. Check your connection and try again.");
  }
  if (!response.ok) {
    const failure = await failureOf(response);
    noticeSignOut(failure);
    throw failure;
  }
  const [body, parse] = await Promise.all([response.json().catch(() => null), answer.catch(() => null)]);
  if (!parse) throw acts ? outOfDate(response.status) : new ApiFailure(0, "network", "Part of this page could not be loaded. Check your connection and reload the page.");
  const parsed = parse.safeParse(body);
  if (!parsed.success) throw new ApiFailure(200, "internal", "Hearth answered in a shape this page doesn't understand. Reload the page to get the latest version.");
  return parsed.data;
}

const json = (method: string, body: unknown): RequestInit => ({ method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** Reads a statement on the server without storing anything: what would be new, already there or refused. */
export function previewStatement(file: File, options: ReadOptions, signal?: AbortSignal): Promise<StatementPreview> {
  const init: RequestInit = { method: "POST", headers: { "content-type": "application/octet-stream" }, body: file, ...(signal ? { signal } : {}) };
  return send(`/api/activities/import/preview?${statementQuery(file, options)}`, init, schema("StatementPreview"));
}

export const profilesApi = {
  list: async (): Promise<ImportProfile[]> => (await send("/api/import-profiles", {}, schema("Profiles"))).profiles,
  /** Creates the profile, or replaces the one with the same name. */
  save: async (body: SaveImportProfile): Promise<ImportProfile> => (await send("/api/import-profiles", json("PUT", body), schema("OneProfile"), true)).profile,
  remove: async (id: string): Promise<void> => {
    let response: Response;
    try {
      response = await fetch(`/api/import-profiles/${encodeURIComponent(id)}`, { method: "DELETE", credentials: "same-origin" });
    } catch {
      throw new ApiFailure(0, "network", "Can't reach Hearth. Check your connection and try again.");
    }
    if (!response.ok) {
      const failure = await failureOf(response);
      noticeSignOut(failure);
      throw failure;
    }
  },
  /** A file written by "Export": its profiles are saved (same names replaced); refused ones come back with reasons. */
  importFile: (body: unknown) => send("/api/import-profiles/import", json("POST", body), schema("ProfilesImported"), true),
  exportUrl: "/api/import-profiles/export",
};

/**
 * Uploads one statement file to be read and stored on the server. XHR rather than fetch, for the upload's
 * progress (`onprogress` gets 0…1); the answer says what was stored and which lines were refused, and why.
 */
export function uploadStatement(file: File, options: ReadOptions & { onprogress?: (fraction: number) => void }): Promise<StatementImportResult> {
  const query = statementQuery(file, options);
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
      const schemas = await loadImportSchemas().catch(() => null);
      // A 200 means the statement is imported: the page only cannot read the answer, so it must not invite a re-upload.
      if (!schemas) return reject(request.status === 200 ? outOfDate(200) : new ApiFailure(0, "network", "Can't reach Hearth. Check your connection and reload the page."));
      const ok = schemas.StatementImportResult.safeParse(body);
      if (request.status === 200 && ok.success) return resolve(ok.data);
      const error = schemas.ApiErrorBody.safeParse(body);
      const failure = error.success
        ? new ApiFailure(request.status, error.data.error.code, error.data.error.message, error.data.error.field)
        : new ApiFailure(request.status, "internal", `Hearth answered with an unexpected error (${request.status}). Try again.`);
      noticeSignOut(failure);
      reject(failure);
    };
    request.send(file);
  });
}
