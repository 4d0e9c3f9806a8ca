import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { StatementSync } from "node:sqlite";

/** One visit to a page. Times are microseconds since 1970 (UTC), whichever browser wrote them. */
export type HistoryVisit = { url: string; title: string | null; visitedAtUs: number };

/** Chromium counts microseconds from 1601-01-01 (the Windows FILETIME epoch); this is 1970-01-01 on that scale. */
export const CHROMIUM_EPOCH_OFFSET_US = 11_644_473_600_000_000;

/**
 * Reads the visits newer than `sinceUs` from a browser's history database, oldest first, and returns the time
 * of the newest one (null when there is none). What must stay true: the live file is never opened. It, and its
 * write-ahead log when there is one (Firefox keeps recent visits there), are copied to a private temporary
 * folder; the copy is opened read-only and deleted afterwards, so a running browser's locks are never met and
 * its file never changes. Throws when the file is missing, unreadable or not history.
 */
export function readHistory(path: string, sinceUs: number, onVisit: (visit: HistoryVisit) => void, tempRoot: string = tmpdir()): { newestUs: number | null } {
  if (!existsSync(path)) throw new Error("the file does not exist");
  const dir = mkdtempSync(join(tempRoot, "hearth-history-"));
  let db: DatabaseSync | null = null;
  try {
    const copy = join(dir, "history.sqlite");
    copyFileSync(path, copy);
    // The main file and its log are copied one after the other, not at once; SQLite ignores log frames whose
    // checksums do not match, so a copy taken mid-write reads as the history a moment earlier.
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    db = new DatabaseSync(copy, { readOnly: true });
    const visits = visitsQuery(db);
    let newestUs: number | null = null;
    for (const row of visits.iterate(sinceUs)) {
      const at = Number(row.at);
      if (Number.isFinite(at)) newestUs = Math.max(newestUs ?? at, at);
      if (typeof row.url !== "string" || !Number.isFinite(at)) continue;
      onVisit({ url: row.url, title: typeof row.title === "string" ? row.title : null, visitedAtUs: at });
    }
    return { newestUs };
  } finally {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The visits query for the schema this database has: Chromium's `urls`/`visits` or Firefox's `moz_places`/`moz_historyvisits`. */
function visitsQuery(db: DatabaseSync): StatementSync {
  const tables = new Set(
    db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((row) => String(row.name)),
  );
  if (tables.has("moz_places") && tables.has("moz_historyvisits")) {
    return db.prepare(
      `SELECT p.url AS url, p.title AS title, v.visit_date AS at
         FROM moz_historyvisits v JOIN moz_places p ON p.id = v.place_id
        WHERE v.visit_date > ? ORDER BY v.visit_date, v.id`,
    );
  }
  if (tables.has("urls") && tables.has("visits")) {
    // Converted in SQL: Chromium's own numbers are past 2^53 and would lose precision as JavaScript numbers.
    return db.prepare(
      `SELECT u.url AS url, u.title AS title, v.visit_time - ${CHROMIUM_EPOCH_OFFSET_US} AS at
         FROM visits v JOIN urls u ON u.id = v.url
        WHERE v.visit_time > ? + ${CHROMIUM_EPOCH_OFFSET_US} ORDER BY v.visit_time, v.id`,
    );
  }
  throw new Error("it has neither Chrome's urls and visits tables nor Firefox's moz_places and moz_historyvisits");
}
