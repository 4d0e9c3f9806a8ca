import { and, asc, eq } from "drizzle-orm";
import { CsvLayout, ImportProfile, MAX_FRAME_BYTES } from "#protocol";
import type { SaveImportProfile } from "#protocol";
import { openDb, schema } from "../db/index.ts";
import type { ImportProfileRow } from "../db/import-schema.ts";

// The user's import profiles (migration 0023): saved CSV layouts, read by the upload and preview routes, and sent to
// the user's agents (the relay's `import_profiles` frame) so the statements folder reads with the same ones.

const { importProfiles } = schema;

/** The most profiles one user keeps: a bank per account, with room to spare, and a bound on what every import reads. */
export const MAX_IMPORT_PROFILES = 200;

/**
 * The most bytes of layouts and header cells one user's profiles hold together: the relay sends the whole set to the
 * agent in one `import_profiles` frame, and this leaves room in it for the names, ids and accounts.
 */
export const MAX_PROFILE_BYTES = MAX_FRAME_BYTES - 256 * 1024;

/** Refused because the user has `MAX_IMPORT_PROFILES` already, or they would not fit in one frame; the message says what to do. */
export class TooManyProfiles extends Error {
  constructor(tooLarge = false) {
    super(
      tooLarge
        ? "Your import profiles would not fit in what Hearth sends to your computer's agent (their header rows are very long). Delete one you no longer use, or save under an existing name to replace it."
        : `You have ${MAX_IMPORT_PROFILES} import profiles, the most Hearth keeps. Delete one you no longer use, or save under an existing name to replace it.`,
    );
  }
}

/** The bytes a profile's layout and header cells take, as stored and as sent (SQLite's length of the blob). */
const SIZE = "length(CAST(layout AS BLOB)) + length(CAST(header_cells AS BLOB))";

/** The lookup key of a header row: each cell trimmed and case-folded, joined by a character no cell holds. */
export function headerKey(cells: readonly string[]): string {
  return cells.map((cell) => cell.trim().toLowerCase()).join("\u001f");
}

const byteLength = (text: string) => new TextEncoder().encode(text).byteLength;

/** A stored row as the API and the frame show it. The JSON columns were validated when saved, and are again here. */
export function profileView(row: ImportProfileRow): ImportProfile {
  return ImportProfile.parse({
    id: row.id,
    name: row.name,
    account: row.account,
    layout: CsvLayout.parse(JSON.parse(row.layout)),
    header_cells: JSON.parse(row.headerCells),
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  });
}

/** The user's profiles, by name. */
export async function listProfiles(d1: D1Database, userId: string): Promise<ImportProfile[]> {
  const rows = await openDb(d1).select().from(importProfiles).where(eq(importProfiles.userId, userId)).orderBy(asc(importProfiles.name)).all();
  return rows.map(profileView);
}

/** One profile of the user's, or null. */
export async function getProfile(d1: D1Database, userId: string, id: string): Promise<ImportProfile | null> {
  const row = await openDb(d1)
    .select()
    .from(importProfiles)
    .where(and(eq(importProfiles.userId, userId), eq(importProfiles.id, id)))
    .get();
  return row ? profileView(row) : null;
}

/**
 * Saves a profile: one with the same name is replaced (keeping its id and creation time), else a new one is added
 * unless the user is at the cap (`TooManyProfiles`). One statement, so two saves of the same name at once leave one
 * profile, and racing saves of new names cannot pass the cap together.
 */
export async function saveProfile(d1: D1Database, userId: string, profile: SaveImportProfile, now: number = Date.now()): Promise<ImportProfile> {
  const row = await d1
    .prepare(
      `INSERT INTO import_profiles (id, user_id, name, account, layout, header_cells, header_key, created_at, updated_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8
       WHERE ((SELECT COUNT(*) FROM import_profiles WHERE user_id = ?2) < ?9
          OR EXISTS (SELECT 1 FROM import_profiles WHERE user_id = ?2 AND name = ?3))
         AND (SELECT COALESCE(SUM(${SIZE}), 0) FROM import_profiles WHERE user_id = ?2 AND name <> ?3) + ?10 <= ?11
       ON CONFLICT (user_id, name) DO UPDATE SET
         account = excluded.account, layout = excluded.layout, header_cells = excluded.header_cells,
         header_key = excluded.header_key, updated_at = excluded.updated_at
       RETURNING id, user_id AS userId, name, account, layout, header_cells AS headerCells, header_key AS headerKey,
         created_at AS createdAt, updated_at AS updatedAt`,
    )
    .bind(
      crypto.randomUUID(),
      userId,
      profile.name,
      profile.account,
      JSON.stringify(profile.layout),
      JSON.stringify(profile.header_cells),
      headerKey(profile.header_cells),
      now,
      MAX_IMPORT_PROFILES,
      byteLength(JSON.stringify(profile.layout)) + byteLength(JSON.stringify(profile.header_cells)),
      MAX_PROFILE_BYTES,
    )
    .first<ImportProfileRow>();
  if (!row) {
    const count = await d1.prepare("SELECT COUNT(*) AS n FROM import_profiles WHERE user_id = ?1 AND name <> ?2").bind(userId, profile.name).first<{ n: number }>();
    throw new TooManyProfiles((count?.n ?? 0) < MAX_IMPORT_PROFILES);
  }
  return profileView(row);
}

/** Deletes one of the user's profiles; false when there was none with that id. */
export async function deleteProfile(d1: D1Database, userId: string, id: string): Promise<boolean> {
  const deleted = await openDb(d1)
    .delete(importProfiles)
    .where(and(eq(importProfiles.userId, userId), eq(importProfiles.id, id)))
    .returning({ id: importProfiles.id });
  return deleted.length > 0;
}
