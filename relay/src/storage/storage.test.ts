import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { getTableConfig } from "drizzle-orm/sqlite-core";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import type { UserRelay } from "../user-relay.ts";
import { SCHEMA_VERSION, migrate, schema, storedVersion } from "./index.ts";

// The relay's storage across a deploy: a relay that ran before storage had a version holds its tables already,
// with rows, and no version. Constructing the new build upgrades it in place: every row stays, the version is
// recorded, and running the migrations again changes nothing.

/** The tables exactly as relays created them before storage had a version (one `CREATE TABLE IF NOT EXISTS` per part). */
const BEFORE_VERSIONS = [
  `CREATE TABLE IF NOT EXISTS commands (
  id TEXT PRIMARY KEY, device_id TEXT NOT NULL, seq INTEGER, status TEXT NOT NULL, target TEXT NOT NULL, action TEXT NOT NULL,
  parameters TEXT NOT NULL, read_only INTEGER NOT NULL, approval TEXT, request_id TEXT, deadline_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, retry_of TEXT, result TEXT, error_code TEXT, error_message TEXT)`,
  "CREATE INDEX IF NOT EXISTS commands_device_status_seq ON commands (device_id, status, seq)",
  "CREATE INDEX IF NOT EXISTS commands_status_deadline ON commands (status, deadline_at)",
  "CREATE TABLE IF NOT EXISTS device_seq (device_id TEXT PRIMARY KEY, next INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS sync_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, entry TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS consumed_grants (id TEXT PRIMARY KEY)",
  "CREATE TABLE IF NOT EXISTS permission_requests (id TEXT PRIMARY KEY, command_id TEXT, status TEXT NOT NULL, record TEXT NOT NULL)",
  `CREATE TABLE IF NOT EXISTS turns (id TEXT PRIMARY KEY, chat_id TEXT NOT NULL, thread_id TEXT, user_message_id TEXT NOT NULL,
  status TEXT NOT NULL, request_id TEXT, decision TEXT, command_ids TEXT NOT NULL DEFAULT '[]', created_at INTEGER NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS turns_request ON turns (request_id)",
  "CREATE TABLE IF NOT EXISTS turn_events (turn_id TEXT NOT NULL, n INTEGER NOT NULL, event TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (turn_id, n))",
  "CREATE TABLE IF NOT EXISTS notify_wake (what TEXT PRIMARY KEY, at INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS offline_watch (device_id TEXT PRIMARY KEY, name TEXT NOT NULL, since INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS webhook_wake (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)",
];

const ROWS: [string, ...unknown[]][] = [
  [
    "INSERT INTO commands (id, device_id, seq, status, target, action, parameters, read_only, approval, request_id, deadline_at, created_at, updated_at) VALUES ('old-cmd', 'dev-1', 1, 'queued', 'filesystem', 'list', '{\"path\":\"~\"}', 1, '{\"permission_id\":null,\"kind\":\"always\",\"expires_at\":null}', NULL, ?, 1, 1)",
    Date.now() + 3_600_000,
  ],
  ["INSERT INTO device_seq (device_id, next) VALUES ('dev-1', 1)"],
  ["INSERT INTO consumed_grants (id) VALUES ('grant-1')"],
  ["INSERT INTO permission_requests (id, command_id, status, record) VALUES ('req-1', NULL, 'denied', '{}')"],
  ["INSERT INTO turns (id, chat_id, thread_id, user_message_id, status, created_at) VALUES ('turn-1', 'chat-1', NULL, 'msg-1', 'done', 1)"],
  ["INSERT INTO turn_events (turn_id, n, event, data) VALUES ('turn-1', 1, 'token', '{\"text\":\"hi\"}')"],
  ["INSERT INTO offline_watch (device_id, name, since) VALUES ('dev-1', 'Laptop', 1)"],
];

/** Every user table's rows, by table (the runtime's own `_cf_` tables aside). */
function dump(sql: SqlStorage): Record<string, unknown[]> {
  const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite_%' ORDER BY name").toArray();
  return Object.fromEntries(tables.map(({ name }) => [name, sql.exec(`SELECT * FROM "${name}"`).toArray()]));
}

function schemaText(sql: SqlStorage): string[] {
  return sql.exec<{ sql: string | null }>("SELECT sql FROM sqlite_master WHERE name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name").toArray().map((row) => row.sql ?? "");
}

describe("the relay's storage", () => {
  it("upgrades a relay from before versions in place: rows survive, the version is recorded, and a second run is a no-op", async () => {
    const stub = env.RELAY.getByName(`storage-upgrade-${crypto.randomUUID()}`);
    // Make it an old relay: its own tables only, with rows, and no version.
    await runInDurableObject(stub, (_relay, state) => {
      const sql = state.storage.sql;
      for (const name of Object.keys(dump(sql))) sql.exec(`DROP TABLE "${name}"`);
      for (const statement of BEFORE_VERSIONS) sql.exec(statement);
      for (const [statement, ...values] of ROWS) sql.exec(statement, ...values);
      sql.exec("INSERT INTO sync_outbox (at, entry) VALUES (1, ?)", JSON.stringify({ kind: "device_seen", deviceId: "dev-1", at: 1 }));
      expect(dump(sql)).not.toHaveProperty("relay_schema");
    });
    const before = await runInDurableObject(stub, (_relay, state) => dump(state.storage.sql));

    await evictDurableObject(stub); // the new build constructs it afresh
    await runInDurableObject(stub, (relay: UserRelay, state) => {
      const sql = state.storage.sql;
      expect(storedVersion(sql)).toBe(SCHEMA_VERSION);
      const after = dump(sql);
      expect(after.relay_schema).toEqual([{ id: 1, version: SCHEMA_VERSION }]);
      // The constructor's own work (the outbox is flushed to D1 later, by a dispatch or the alarm) writes nothing yet.
      const { relay_schema: _version, ...rest } = after;
      expect(rest).toEqual(before);
      // And the parts read the old rows.
      expect(relay.commands.get("old-cmd")).toMatchObject({ id: "old-cmd", status: "queued", seq: 1, command: { parameters: { path: "~" } } });
      expect(relay.turns.store.textOf("turn-1")).toBe("hi");

      const text = schemaText(sql);
      expect(migrate(state.storage)).toBe(SCHEMA_VERSION);
      expect(schemaText(sql)).toEqual(text);
      expect(dump(sql)).toEqual(after);
    });
  });

  it("defines in drizzle exactly the columns the migrations create", async () => {
    const stub = env.RELAY.getByName(`storage-columns-${crypto.randomUUID()}`);
    await runInDurableObject(stub, (_relay, state) => {
      const tables: SQLiteTable[] = Object.values(schema);
      for (const table of tables) {
        const config = getTableConfig(table);
        const created = state.storage.sql.exec<{ name: string; notnull: number }>(`SELECT name, "notnull" FROM pragma_table_info('${config.name}') ORDER BY name`).toArray();
        const defined = config.columns.map((c) => ({ name: c.name, notnull: c.notNull || c.primary ? 1 : 0 })).sort((a, b) => a.name.localeCompare(b.name));
        // SQLite reports a primary key column as nullable unless NOT NULL is written; compare names, and NOT NULL for the rest.
        expect(created.map((c) => c.name), config.name).toEqual(defined.map((c) => c.name));
        for (const column of created) {
          const mine = defined.find((c) => c.name === column.name);
          if (mine && column.notnull === 1) expect(mine.notnull, `${config.name}.${column.name}`).toBe(1);
        }
      }
      // Every table the storage holds is defined there (the runtime's own tables aside).
      const names = tables.map((t) => getTableConfig(t).name).sort();
      expect(Object.keys(dump(state.storage.sql)).sort()).toEqual(names);
    });
  });
});
