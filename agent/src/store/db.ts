import { DatabaseSync } from "node:sqlite";

/**
 * Schema versions, applied in order. Only append: a user's state.db may be at any earlier version.
 * Times are epoch milliseconds.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE commands (
     id TEXT PRIMARY KEY,
     seq INTEGER NOT NULL,
     target TEXT NOT NULL,
     action TEXT NOT NULL,
     read_only INTEGER NOT NULL,
     frame TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('received', 'running', 'done')),
     received_at INTEGER NOT NULL,
     started_at INTEGER,
     finished_at INTEGER,
     result TEXT
   );
   CREATE INDEX commands_status ON commands (status);
   CREATE TABLE outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     frame_id TEXT NOT NULL UNIQUE,
     kind TEXT NOT NULL,
     frame TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE permission_rules (
     id TEXT PRIMARY KEY,
     target TEXT NOT NULL,
     action TEXT NOT NULL,
     scope TEXT,
     effect TEXT NOT NULL CHECK (effect IN ('allow', 'ask', 'deny')),
     expires_at INTEGER,
     created_at INTEGER NOT NULL,
     source TEXT NOT NULL
   );`,
  // Statement files the statements listener has imported, by content hash, so a file is read once.
  `CREATE TABLE imported_files (
     path TEXT PRIMARY KEY,
     hash TEXT NOT NULL,
     imported_at INTEGER NOT NULL,
     events INTEGER NOT NULL
   );`,
  // How far the history listener has read each browser profile: visits up to `visited_until` (microseconds
  // since 1970, the browsers' own precision) are done. `profile` is the history file's path.
  `CREATE TABLE history_cursors (
     profile TEXT PRIMARY KEY,
     application TEXT NOT NULL,
     visited_until INTEGER NOT NULL,
     scanned_at INTEGER NOT NULL
   );`,
  // Activity events that were not taken, with why: refused by this agent's own check (the server's schema) or by
  // the server itself (a schema drift). Kept for `hearth status` instead of being dropped; forgotten after retention.
  `CREATE TABLE refused_activity (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     event_id TEXT,
     event TEXT NOT NULL,
     reason TEXT NOT NULL,
     refused_by TEXT NOT NULL CHECK (refused_by IN ('agent', 'server')),
     refused_at INTEGER NOT NULL
   );
   CREATE INDEX refused_activity_at ON refused_activity (refused_at);`,
  // The user's import profiles (saved CSV layouts) as the relay last sent them, so the statements folder reads with
  // them after a restart while offline; and which statement files were left unread for an unknown layout (read
  // again when the profiles change).
  `CREATE TABLE import_profiles (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     profiles TEXT NOT NULL,
     received_at INTEGER NOT NULL
   );
   ALTER TABLE imported_files ADD COLUMN unknown_layout INTEGER NOT NULL DEFAULT 0;`,
];

/**
 * Opens (and migrates) state.db. WAL and a busy timeout let `hearth permissions` write while `hearth start` runs.
 * `synchronous = NORMAL`: in WAL mode each commit is in the file before the call returns, so it survives the
 * process dying; only a crash of the whole machine can lose the last commits, and for those the relay's
 * redelivery makes up (a lost "received" or "done" means the command comes again, or is reported again). The one
 * write that must survive a power cut is the mark that an action with effects has started: see `durably`.
 */
export function openStateDb(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;");
  const version = Number(db.prepare("PRAGMA user_version").get()?.user_version ?? 0);
  for (let next = version; next < MIGRATIONS.length; next++) {
    inTransaction(db, () => {
      db.exec(MIGRATIONS[next] ?? "");
      db.exec(`PRAGMA user_version = ${next + 1}`);
    });
  }
  return db;
}

/** Runs `work` with each commit synced to disk before it returns (a power cut cannot undo it). */
export function durably<T>(db: DatabaseSync, work: () => T): T {
  db.exec("PRAGMA synchronous = FULL");
  try {
    return work();
  } finally {
    db.exec("PRAGMA synchronous = NORMAL");
  }
}

/** Runs `work` in one transaction: all of it is stored, or none of it. */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

/**
 * Forgets the commands and undelivered frames of a previous pairing, so nothing recorded for one account can reach
 * another. Returns how many undelivered frames were dropped. Permission rules stay: they belong to the computer.
 */
export function resetDeviceState(db: DatabaseSync): number {
  return inTransaction(db, () => {
    const dropped = Number(db.prepare("SELECT COUNT(*) AS n FROM outbox").get()?.n ?? 0);
    db.exec("DELETE FROM outbox; DELETE FROM commands;");
    return dropped;
  });
}
