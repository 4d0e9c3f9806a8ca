import { z } from "zod";
import { CsvLayout, checkActivityEvent } from "#protocol";
import type { ActivityEvent, CsvSniff, ImportProfile } from "#protocol";
import { UnknownCsvLayout, importStatement, isStatementFile, sniffCsv } from "#importers";
import type { ImportedFile, StatementOptions } from "#importers";
import { getProfile, listProfiles } from "../../../core/src/activities/import-profiles.ts";
import { storedUnderOldIds } from "../../../core/src/activities/legacy-csv.ts";
import { ApiError } from "../http/errors.ts";

// Reading an uploaded statement for the preview and the import routes (./import.ts): the query both take, the file
// read with the user's import profiles (the same `importStatement` the agent's statements folder runs), and which
// of its transactions this user has stored already.

/** A statement upload may be larger than the API's usual 1 MiB body (a few years of a busy account). */
export const MAX_STATEMENT_BYTES = 5 * 1024 * 1024;

/** A query parameter holding JSON, parsed and then checked with `schema`. */
const jsonParam = <T extends z.ZodType>(name: string, schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: `${name} is not JSON` });
        return z.NEVER;
      }
    })
    .pipe(schema);

export const StatementQuery = z.object({
  filename: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine(isStatementFile, { error: "Hearth reads .ofx, .qfx and .csv statements, and CAMT.053 (.xml)." }),
  /** For CSV layouts that do not say their currency. */
  currency: z.string().regex(/^[A-Z]{3}$/, { error: "currency is a 3-letter ISO code, like USD" }).optional(),
  /** JSON `CsvLayout`: the user's answer in the column picker, used alone. */
  layout: jsonParam("layout", CsvLayout).optional(),
  /** A saved profile's id: its layout (unless `layout` corrects it) and its account. */
  profile: z.string().min(1).max(100).optional(),
});
export type StatementQuery = z.infer<typeof StatementQuery>;

/** The file read, or (a CSV that no profile or preset fits, and no layout given) what the picker needs. */
export type StatementRead = { ok: true; file: ImportedFile } | { ok: false; sniff: CsvSniff; message: string };

/** The uploaded body, refused when empty or over the limit (the app's body limit stops larger ones earlier). */
export async function statementBytes(request: Request, filename: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength === 0) throw new ApiError(400, "validation_failed", `${filename} is empty.`, { field: "file" });
  if (bytes.byteLength > MAX_STATEMENT_BYTES) throw new ApiError(413, "payload_too_large", "A statement can be up to 5 MiB. Export a shorter period.");
  return bytes;
}

/** Reads a statement with the user's profiles; throws an ApiError naming the field when it cannot be read at all. */
export async function readStatement(db: D1Database, userId: string, query: StatementQuery, bytes: Uint8Array): Promise<StatementRead> {
  const { filename, currency, profile: profileId, layout } = query;
  const options: StatementOptions = currency ? { defaultCurrency: currency } : {};
  try {
    if (profileId !== undefined) {
      const profile = await getProfile(db, userId, profileId);
      if (!profile) throw new ApiError(404, "not_found", "There is no such import profile. It may have been deleted; pick another or set the columns.", { field: "profile" });
      if (profile.account) options.account = profile.account;
      const name = { layout: `profile:${profile.id}`, layout_name: `Your profile '${profile.name}'` };
      // A file with the profile's header is read as the profile (as it would be without asking); another one,
      // or a correction of the profile's reading, with the layout, still under the profile's name.
      if (!layout && profileFits(filename, bytes, profile)) return { ok: true, file: importStatement(filename, bytes, { ...options, profiles: [profile] }) };
      return { ok: true, file: { ...importStatement(filename, bytes, { ...options, layout: layout ?? profile.layout }), ...name } };
    }
    if (layout) options.layout = layout;
    else options.profiles = await listProfiles(db, userId);
    return { ok: true, file: importStatement(filename, bytes, options) };
  } catch (error) {
    if (error instanceof ApiError) throw error;
    // The web app answers this one with the column picker, opened on the sniff.
    if (error instanceof UnknownCsvLayout) return { ok: false, sniff: error.sniff, message: error.message };
    // A layout that does not fit (a column it names is missing): the file as that layout splits it comes along, so
    // the picker can show the user what their choices make of it.
    const sniff = layout ? sniffWith(filename, bytes, layout) : null;
    throw new ApiError(400, "validation_failed", `${filename} was not imported: ${error instanceof Error ? error.message : String(error)}`, { field: "file", ...(sniff ? { details: { sniff } } : {}) });
  }
}

/** A CSV as `layout` splits it, or null (not a CSV, or not even that can be read). */
function sniffWith(filename: string, bytes: Uint8Array, layout: CsvLayout): CsvSniff | null {
  if (!filename.toLowerCase().endsWith(".csv")) return null;
  try {
    return sniffCsv(bytes, { layout });
  } catch {
    return null;
  }
}

/** Whether a file's header is the profile's (then the reader picks the profile itself, as it would unasked). */
function profileFits(filename: string, bytes: Uint8Array, profile: ImportProfile): boolean {
  if (!filename.toLowerCase().endsWith(".csv")) return false;
  try {
    return sniffCsv(bytes, { profiles: [profile] }).matched?.kind === "profile";
  } catch {
    return false;
  }
}

/** Event ids per query: one JSON parameter (json_each) each, well inside D1's statement size. */
const IDS_PER_QUERY = 1000;

/**
 * The indexes of `events` this user has stored already: by event id, and (CSV rows) under an id of the scheme
 * before issue 19, matched by the same function ingest uses. A few queries of `IDS_PER_QUERY` each, so a file of
 * years of rows stays cheap.
 */
export async function alreadyStored(db: D1Database, userId: string, events: readonly ActivityEvent[]): Promise<Set<number>> {
  const already = await storedUnderOldIds(db, userId, events);
  const byId = new Map<string, number[]>();
  events.forEach((event, index) => byId.set(event.event_id, [...(byId.get(event.event_id) ?? []), index]));
  const ids = [...byId.keys()];
  for (let at = 0; at < ids.length; at += IDS_PER_QUERY) {
    const { results } = await db
      .prepare("SELECT event_id FROM activities WHERE user_id = ?1 AND event_id IN (SELECT value FROM json_each(?2))")
      .bind(userId, JSON.stringify(ids.slice(at, at + IDS_PER_QUERY)))
      .all<{ event_id: string }>();
    for (const row of results) for (const index of byId.get(row.event_id) ?? []) already.add(index);
  }
  return already;
}

/** Why the store would refuse an event (the same check ingest makes), or null. */
export function refusalOf(event: ActivityEvent): string | null {
  const checked = checkActivityEvent(event);
  return checked.ok ? null : checked.reason;
}
