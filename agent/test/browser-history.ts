import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fixturesDir } from "../../core/src/importers/fixtures.ts";
import { CHROMIUM_EPOCH_OFFSET_US } from "../src/listeners/history-read.ts";

/** A visit to put in a test history: `at` is epoch milliseconds, `micros` the microseconds past it. */
export type TestVisit = { url: string; title?: string | null; at: number; micros?: number };

/** A browser history database made from a real schema dump in `../shared/fixtures/history/`, still open, as a running browser keeps it. */
export type TestHistory = { db: DatabaseSync; path: string; add: (visits: readonly TestVisit[]) => void };

/** The schema dump's SQL, read where it stands. */
export function historySchema(file: string): string {
  return readFileSync(join(fixturesDir(), "history", file), "utf8");
}

/** A Chromium `History` file from one of the chromium_history_v*.sql dumps. */
export function chromiumHistory(path: string, schemaFile: string, visits: readonly TestVisit[] = []): TestHistory {
  const db = new DatabaseSync(path);
  db.exec(historySchema(schemaFile));
  const add = (more: readonly TestVisit[]) => {
    for (const visit of more) {
      const time = BigInt(visit.at) * 1000n + BigInt(visit.micros ?? 0) + BigInt(CHROMIUM_EPOCH_OFFSET_US);
      const known = db.prepare("SELECT id FROM urls WHERE url = ?").get(visit.url);
      const urlId =
        known?.id ??
        db
          .prepare("INSERT INTO urls (id, url, title, visit_count, typed_count, last_visit_time, hidden) VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM urls), ?, ?, 1, 0, ?, 0) RETURNING id")
          .get(visit.url, visit.title ?? null, time)?.id;
      // 805306368 = LINK | CHAIN_START | CHAIN_END, what a clicked link records.
      db.prepare(
        "INSERT INTO visits (id, url, visit_time, from_visit, transition, segment_id, visit_duration) VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM visits), ?, ?, 0, 805306368, 0, 0)",
      ).run(urlId ?? null, time);
    }
  };
  add(visits);
  return { db, path, add };
}

/**
 * A Firefox `places.sqlite` from one of the places schema dumps (or an existing file when `schemaFile` is null).
 * With `wal`, it is in write-ahead-log mode with checkpoints off, so new visits stay in `places.sqlite-wal` as
 * in a running Firefox.
 */
export function firefoxPlaces(path: string, schemaFile: string | null, visits: readonly TestVisit[] = [], options: { wal?: boolean } = {}): TestHistory {
  const db = new DatabaseSync(path);
  if (options.wal) db.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;");
  if (schemaFile) db.exec(historySchema(schemaFile));
  const add = (more: readonly TestVisit[]) => {
    for (const visit of more) {
      const time = visit.at * 1000 + (visit.micros ?? 0);
      const known = db.prepare("SELECT id FROM moz_places WHERE url = ?").get(visit.url);
      const placeId =
        known?.id ??
        db
          .prepare(
            "INSERT INTO moz_places (id, url, title, visit_count, hidden, typed, frecency, last_visit_date) VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM moz_places), ?, ?, 1, 0, 0, 100, ?) RETURNING id",
          )
          .get(visit.url, visit.title ?? null, time)?.id;
      db.prepare("INSERT INTO moz_historyvisits (id, from_visit, place_id, visit_date, visit_type, session) VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM moz_historyvisits), 0, ?, ?, 1, 0)").run(
        placeId ?? null,
        time,
      );
    }
  };
  add(visits);
  return { db, path, add };
}

/** The bytes and modification time of a database file and its log, to show a reader left them alone. */
export function fingerprint(path: string): string {
  return ["", "-wal", "-shm", "-journal"]
    .map((suffix) => `${path}${suffix}`)
    .filter((file) => existsSync(file))
    .map((file) => `${file}:${statSync(file).mtimeMs}:${createHash("sha256").update(readFileSync(file)).digest("hex")}`)
    .join("\n");
}
