import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

// ── WHAT SURVIVES HIBERNATION ─────────────────────────────────────────────────────────────────────
//
// Every table in the relay Durable Object's own SQLite is defined here, and nowhere else: this file is the
// whole of what a `UserRelay` keeps when it hibernates, is evicted or is redeployed. Everything else the relay
// holds is memory only and rebuilt on demand (see ../memory.ts), or kept per socket in its attachment
// (`SocketState` in ../sockets.ts). D1 holds the user's lasting record; these tables hold what the relay needs
// to answer at once without D1, and what it still owes D1.
//
// A change to a table is a new entry at the end of `MIGRATIONS` (never an edit of an old one), with the drizzle
// definition below changed to match; ./migrate.ts applies the ones a relay has not run yet, once, when it starts.

/** The durable command queue: a command is here before anyone is told it was accepted (../command-store.ts). */
export const queuedCommands = sqliteTable(
  "commands",
  {
    id: text("id").primaryKey(),
    deviceId: text("device_id").notNull(),
    seq: integer("seq"),
    status: text("status").notNull(),
    target: text("target").notNull(),
    action: text("action").notNull(),
    /** JSON object. */
    parameters: text("parameters").notNull(),
    /** 0 or 1. */
    readOnly: integer("read_only").notNull(),
    /** JSON `Approval`, or null while it waits for permission. */
    approval: text("approval"),
    requestId: text("request_id"),
    deadlineAt: integer("deadline_at").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    retryOf: text("retry_of"),
    /** JSON value. */
    result: text("result"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
  },
  (t) => [index("commands_device_status_seq").on(t.deviceId, t.status, t.seq), index("commands_status_deadline").on(t.status, t.deadlineAt)],
);

/** Each device's next command sequence number. */
export const deviceSeq = sqliteTable("device_seq", { deviceId: text("device_id").primaryKey(), next: integer("next").notNull() });

/** What the relay still owes D1, in order (../d1-sync.ts). `entry` is a JSON `SyncEntry`. */
export const syncOutbox = sqliteTable("sync_outbox", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  at: integer("at").notNull(),
  entry: text("entry").notNull(),
});

/** One-time grants spent here before D1 caught up, so a dispatch never uses one twice. */
export const consumedGrants = sqliteTable("consumed_grants", { id: text("id").primaryKey() });

/** Permission requests, open and answered, so an answer is matched before D1 has the request (../requests.ts). */
export const requestRecords = sqliteTable("permission_requests", {
  id: text("id").primaryKey(),
  commandId: text("command_id"),
  status: text("status").notNull(),
  /** JSON `PermissionRequestRecord`. */
  record: text("record").notNull(),
});

/** The assistant's turns (../turn-store.ts). */
export const turns = sqliteTable(
  "turns",
  {
    id: text("id").primaryKey(),
    chatId: text("chat_id").notNull(),
    threadId: text("thread_id"),
    userMessageId: text("user_message_id").notNull(),
    status: text("status").notNull(),
    requestId: text("request_id"),
    decision: text("decision"),
    /** JSON array of command ids. */
    commandIds: text("command_ids").notNull().default("[]"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("turns_request").on(t.requestId)],
);

/** Every event of a turn, numbered, so a stream replays from any point. `data` is JSON. */
export const turnEvents = sqliteTable(
  "turn_events",
  {
    turnId: text("turn_id").notNull(),
    n: integer("n").notNull(),
    event: text("event").notNull(),
    data: text("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.turnId, t.n] })],
);

/** A quiet-hours digest owed (`what = 'digest'`); `at` is kept for the table's shape and never read (../notifier.ts). */
export const notifyWake = sqliteTable("notify_wake", { what: text("what").primaryKey(), at: integer("at").notNull() });

/** Devices whose agent went away, watched for the "agent offline" notice. */
export const offlineWatch = sqliteTable("offline_watch", {
  deviceId: text("device_id").primaryKey(),
  name: text("name").notNull(),
  since: integer("since").notNull(),
});

/** When webhook deliveries are next due (one row, id 1; ../webhook-sender.ts). */
export const webhookWake = sqliteTable("webhook_wake", { id: integer("id").primaryKey(), at: integer("at").notNull() });

/** The schema version this relay's SQLite is at (one row, id 1). */
export const schemaVersion = sqliteTable("relay_schema", { id: integer("id").primaryKey(), version: integer("version").notNull() });

export const schema = { queuedCommands, deviceSeq, syncOutbox, consumedGrants, requestRecords, turns, turnEvents, notifyWake, offlineWatch, webhookWake, schemaVersion };

/**
 * The ordered migrations: entry N takes the storage from version N-1 to N. Written as SQL because drizzle-kit
 * generates for D1, not for a Durable Object at runtime; the drizzle definitions above must match their result
 * (storage.test.ts checks the columns).
 *
 * Migration 1 is exactly the tables relays created before storage had a version (each with `IF NOT EXISTS`), so
 * a relay that already holds them, with no version recorded, upgrades in place and keeps its rows.
 */
export const MIGRATIONS: readonly (readonly string[])[] = [
  [
    `CREATE TABLE IF NOT EXISTS commands (
      id TEXT PRIMARY KEY,
      device_id TEXT NOT NULL,
      seq INTEGER,
      status TEXT NOT NULL,
      target TEXT NOT NULL,
      action TEXT NOT NULL,
      parameters TEXT NOT NULL,
      read_only INTEGER NOT NULL,
      approval TEXT,
      request_id TEXT,
      deadline_at INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      retry_of TEXT,
      result TEXT,
      error_code TEXT,
      error_message TEXT
    )`,
    "CREATE INDEX IF NOT EXISTS commands_device_status_seq ON commands (device_id, status, seq)",
    "CREATE INDEX IF NOT EXISTS commands_status_deadline ON commands (status, deadline_at)",
    "CREATE TABLE IF NOT EXISTS device_seq (device_id TEXT PRIMARY KEY, next INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sync_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, entry TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS consumed_grants (id TEXT PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS permission_requests (id TEXT PRIMARY KEY, command_id TEXT, status TEXT NOT NULL, record TEXT NOT NULL)",
    `CREATE TABLE IF NOT EXISTS turns (
      id TEXT PRIMARY KEY,
      chat_id TEXT NOT NULL,
      thread_id TEXT,
      user_message_id TEXT NOT NULL,
      status TEXT NOT NULL,
      request_id TEXT,
      decision TEXT,
      command_ids TEXT NOT NULL DEFAULT '[]',
      created_at INTEGER NOT NULL
    )`,
    "CREATE INDEX IF NOT EXISTS turns_request ON turns (request_id)",
    `CREATE TABLE IF NOT EXISTS turn_events (
      turn_id TEXT NOT NULL,
      n INTEGER NOT NULL,
      event TEXT NOT NULL,
      data TEXT NOT NULL,
      PRIMARY KEY (turn_id, n)
    )`,
    "CREATE TABLE IF NOT EXISTS notify_wake (what TEXT PRIMARY KEY, at INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS offline_watch (device_id TEXT PRIMARY KEY, name TEXT NOT NULL, since INTEGER NOT NULL)",
    // The CHECK keeps it one row; drizzle's table definition cannot say that, so the DDL does.
    "CREATE TABLE IF NOT EXISTS webhook_wake (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)",
  ],
];

/** The version a relay is at once every migration has run. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Created by ./migrate.ts before anything else: where the version itself is kept (one row, id 1). */
export const VERSION_TABLE = "CREATE TABLE IF NOT EXISTS relay_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)";
