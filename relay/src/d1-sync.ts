import { and, eq, fillPlaceholders, lte, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Json } from "#protocol";
import { openDb, schema } from "../../core/src/db/index.ts";
import type { QueuedCommand } from "./command-store.ts";
import { syncOutbox } from "./storage/index.ts";
import type { RelayDb } from "./storage/index.ts";
import type { RelayMemory } from "./memory.ts";

/** One audit line: what happened, in words, plus structured detail. */
export type AuditLine = {
  kind: string;
  summary: string;
  deviceId: string | null;
  commandId: string | null;
  detail?: Record<string, Json>;
  /** When it happened, if not when the relay recorded it (a local client's command the agent reports later). */
  at?: number;
};

export type PermissionRequestRecord = {
  id: string;
  deviceId: string;
  commandId: string | null;
  agentRef: string | null;
  target: string;
  action: string;
  context: string;
  parameters: Record<string, Json>;
  oneTime: boolean;
  status: "pending" | "allowed" | "denied" | "expired";
  decision: string | null;
  /** The scope the answer granted; absent in records written before grants had scopes. */
  grantedScope?: string | null;
  createdAt: number;
  decidedAt: number | null;
};

/** What the relay owes D1. Each is applied idempotently, so a retried flush does no harm. */
export type SyncEntry =
  | { kind: "command"; command: QueuedCommand; audit: AuditLine }
  | { kind: "audit"; audit: AuditLine }
  | { kind: "request"; request: PermissionRequestRecord }
  | { kind: "device_seen"; deviceId: string; at: number };

const BATCH = 100;
/**
 * A flush's commands and audit lines each go to D1 as one JSON parameter; past this many characters they are cut
 * into several, well under D1's 2 MB limit on one value (a command's result can be large).
 */
const JSON_CHUNK_CHARS = 500_000;

/** The command columns, in the order the upsert's `SELECT` lists them from each JSON element. */
const COMMAND_COLUMNS = [
  ["id", "id"],
  ["device_id", "deviceId"],
  ["target", "target"],
  ["action", "action"],
  ["parameters", "parameters"],
  ["status", "status"],
  ["seq", "seq"],
  ["read_only", "readOnly"],
  ["result", "result"],
  ["error_code", "errorCode"],
  ["error_message", "errorMessage"],
  ["retry_of", "retryOf"],
  ["created_at", "createdAt"],
  ["updated_at", "updatedAt"],
  ["deadline_at", "deadlineAt"],
] as const;
type CommandRowJson = Record<(typeof COMMAND_COLUMNS)[number][1], Json>;

const AUDIT_COLUMNS = [
  ["at", "at"],
  ["kind", "kind"],
  ["device_id", "deviceId"],
  ["command_id", "commandId"],
  ["summary", "summary"],
  ["detail", "detail"],
  ["relay_seq", "relaySeq"],
] as const;
type AuditRowJson = Record<(typeof AUDIT_COLUMNS)[number][1], Json>;

const fromJson = (columns: readonly (readonly [string, string])[]) => columns.map(([, key]) => `json_extract(value, '$.${key}')`).join(", ");
const names = (columns: readonly (readonly [string, string])[]) => columns.map(([column]) => column).join(", ");

/**
 * Every command row of a flush in one statement. A late flush never takes a command back to an older state.
 * (`WHERE true` is SQLite's way to tell an upsert's `ON CONFLICT` from a join's `ON` after `INSERT … SELECT`.)
 */
const UPSERT_COMMANDS = `INSERT INTO commands (user_id, ${names(COMMAND_COLUMNS)}) SELECT ?1, ${fromJson(COMMAND_COLUMNS)} FROM json_each(?2) WHERE true
  ON CONFLICT (id) DO UPDATE SET status = excluded.status, seq = excluded.seq, result = excluded.result, error_code = excluded.error_code,
  error_message = excluded.error_message, updated_at = excluded.updated_at WHERE excluded.updated_at >= commands.updated_at`;

/** Every audit line of a flush in one statement, in outbox order; a line whose outbox number is in already is skipped (see the class comment). */
const ADD_AUDIT = `INSERT INTO audit_log (user_id, ${names(AUDIT_COLUMNS)}) SELECT ?1, ${fromJson(AUDIT_COLUMNS)} FROM json_each(?2) WHERE true ORDER BY key ON CONFLICT DO NOTHING`;

/** Cuts rows into JSON arrays of at most about `JSON_CHUNK_CHARS` characters (a single larger row is an array of its own). */
function jsonChunks(rows: readonly Record<string, Json>[]): string[] {
  const chunks: string[] = [];
  let parts: string[] = [];
  let size = 0;
  for (const row of rows) {
    const text = JSON.stringify(row);
    if (parts.length > 0 && size + text.length > JSON_CHUNK_CHARS) {
      chunks.push(`[${parts.join(",")}]`);
      parts = [];
      size = 0;
    }
    parts.push(text);
    size += text.length + 1;
  }
  if (parts.length > 0) chunks.push(`[${parts.join(",")}]`);
  return chunks;
}

/** The value an upsert's conflicting insert carried for `column` (SQLite's `excluded.` row, which drizzle does not name). */
const excluded = (column: SQLiteColumn) => sql.raw(`excluded."${column.name}"`);

/**
 * A D1 statement drizzle builds once, with placeholders, bound per use: building each with drizzle cost the drain
 * a visible share of its CPU (bench/drain.mjs).
 */
function prepared(d1: D1Database, query: { toSQL(): { sql: string; params: unknown[] } }): (values: Record<string, unknown>) => D1PreparedStatement {
  const { sql: text, params } = query.toSQL();
  const statement = d1.prepare(text);
  return (values) => statement.bind(...fillPlaceholders(params, values));
}

const p = (name: string) => sql.placeholder(name);

export type Outboxed = { id: number; at: number; entry: SyncEntry };

/**
 * The relay's outbox to D1. A state change is appended here in the same synchronous SQLite write as the
 * change itself, so the audit record can never be lost; `flush` copies entries to D1 in order.
 *
 * Cheap on the hot path: the entries not yet copied are also kept in memory (loaded once when the relay
 * starts), so a flush reads nothing from SQLite, and the rows a flush copied are deleted by the next `record`,
 * in the write that is happening anyway, instead of in a write of their own. A restart before that deletion
 * copies those rows again, which is harmless: commands and requests are upserts, and each audit line carries
 * its outbox number (`audit_log.relay_seq`, unique per user), so it is added once.
 *
 * Coalesced: a flush (up to `BATCH` entries) writes each command once, in its last state, and all its audit
 * lines in one statement, so a command that went queued → sent → running → done between two flushes costs two
 * D1 statements, not eight. Callers that need D1 to have caught up await `flush()`; the rest let it run after
 * they answer (`CommandQueue.flushSoon`), since the relay's SQLite is the source of truth.
 */
export class D1Sync {
  readonly #d1: D1Database;
  readonly #userId: string;
  readonly #upsertCommands: D1PreparedStatement;
  readonly #addAudit: D1PreparedStatement;
  readonly #upsertRequest;
  readonly #deviceSeen;
  /** Entries in SQLite not yet copied to D1, oldest first, and the id up to which they are copied (see `RelayMemory.outbox`). */
  readonly #memory: RelayMemory["outbox"];
  #flushing: Promise<void> | null = null;
  #again = false;
  // Built once: every state change of every command runs them.
  readonly #deleteCopied;
  readonly #append;
  readonly #appendMany;

  /** Loads the outbox's rows into `memory` (a fresh relay's memory: this runs once per instance). */
  constructor(db: RelayDb, d1: D1Database, userId: string, memory: RelayMemory["outbox"] = { pending: [], copiedUpTo: 0 }) {
    this.#d1 = d1;
    this.#memory = memory;
    const drizzleD1 = openDb(d1);
    const { devices, permissionRequests: requests } = schema;
    this.#upsertCommands = d1.prepare(UPSERT_COMMANDS);
    this.#addAudit = d1.prepare(ADD_AUDIT);
    this.#upsertRequest = prepared(
      d1,
      drizzleD1
        .insert(requests)
        .values({
          id: p("id"),
          userId: p("userId"),
          deviceId: p("deviceId"),
          commandId: p("commandId"),
          agentRef: p("agentRef"),
          target: p("target"),
          action: p("action"),
          context: p("context"),
          parameters: p("parameters"),
          oneTime: p("oneTime"),
          status: p("status"),
          decision: p("decision"),
          grantedScope: p("grantedScope"),
          createdAt: p("createdAt"),
          decidedAt: p("decidedAt"),
        })
        .onConflictDoUpdate({
          target: requests.id,
          set: { status: excluded(requests.status), decision: excluded(requests.decision), grantedScope: excluded(requests.grantedScope), decidedAt: excluded(requests.decidedAt) },
        }),
    );
    this.#deviceSeen = prepared(
      d1,
      drizzleD1
        .update(devices)
        .set({ lastSeenAt: sql`max(coalesce(${devices.lastSeenAt}, 0), ${p("at")})` })
        .where(and(eq(devices.id, p("deviceId")), eq(devices.userId, p("userId")))),
    );
    this.#userId = userId;
    this.#deleteCopied = db.delete(syncOutbox).where(lte(syncOutbox.id, sql.placeholder("upTo"))).prepare();
    this.#append = db
      .insert(syncOutbox)
      .values({ at: sql.placeholder("at"), entry: sql.placeholder("entry") })
      .returning({ id: syncOutbox.id })
      .prepare();
    // Every entry of a batch in one statement: the id column is listed first (NULL: SQLite numbers the row), and
    // rows go in in array order, so their ids ascend in that order.
    this.#appendMany = db
      .insert(syncOutbox)
      .select(sql`SELECT NULL, ${sql.placeholder("at")}, value FROM json_each(${sql.placeholder("entries")}) ORDER BY key`)
      .returning({ id: syncOutbox.id })
      .prepare();
    memory.copiedUpTo = 0;
    memory.pending = db
      .select()
      .from(syncOutbox)
      .orderBy(syncOutbox.id)
      .all()
      .map((row) => ({ id: row.id, at: row.at, entry: JSON.parse(row.entry) }));
  }

  record(entry: SyncEntry, at = Date.now()): void {
    this.#deleteCopiedRows();
    const row = this.#append.get({ at, entry: JSON.stringify(entry) });
    if (!row) throw new Error("relay storage: sync_outbox returned no row");
    this.#memory.pending.push({ id: row.id, at, entry });
  }

  /**
   * Records many entries (a batch of state changes) in one SQLite write instead of one each: a batch the agent
   * acked or finished cost the drain a visible share of its CPU per command. Each entry still gets its own outbox
   * number, so each audit line is still added to D1 once.
   */
  recordMany(entries: readonly SyncEntry[], at = Date.now()): void {
    const [only] = entries;
    if (entries.length <= 1) {
      if (only) this.record(only, at);
      return;
    }
    this.#deleteCopiedRows();
    const ids = this.#appendMany
      .all({ at, entries: JSON.stringify(entries) })
      .map((row) => row.id)
      .sort((a, b) => a - b);
    for (const [i, entry] of entries.entries()) {
      const id = ids[i];
      if (id === undefined) throw new Error(`relay storage: sync_outbox numbered ${ids.length} of ${entries.length} entries`);
      this.#memory.pending.push({ id, at, entry });
    }
  }

  /** Deletes the rows the last flush copied, in the write that is happening anyway (see the class comment). */
  #deleteCopiedRows(): void {
    if (this.#memory.copiedUpTo === 0) return;
    this.#deleteCopied.run({ upTo: this.#memory.copiedUpTo });
    this.#memory.copiedUpTo = 0;
  }

  pending(): number {
    return this.#memory.pending.length;
  }

  /** Copies everything recorded so far to D1. Concurrent callers share one run; a call during a run gets another. */
  flush(): Promise<void> {
    if (this.#flushing) {
      this.#again = true;
      return this.#flushing;
    }
    this.#flushing = (async () => {
      try {
        do {
          this.#again = false;
          while (await this.#flushBatch());
        } while (this.#again);
      } finally {
        this.#flushing = null;
      }
    })();
    return this.#flushing;
  }

  async #flushBatch(): Promise<boolean> {
    const rows = this.#memory.pending.slice(0, BATCH);
    const last = rows.at(-1);
    if (!last) return false;
    // One D1 batch: the entries land together or not at all, and a failed flush is retried whole.
    await this.#d1.batch(this.#statements(rows));
    this.#memory.pending.splice(0, rows.length);
    this.#memory.copiedUpTo = last.id;
    return this.#memory.pending.length > 0;
  }

  /**
   * A flush's statements: commands first (a permission request names its command), each in its last state; then
   * requests and devices in outbox order; then every audit line, in outbox order.
   */
  #statements(rows: readonly Outboxed[]): D1PreparedStatement[] {
    const userId = this.#userId;
    const latest = new Map<string, CommandRowJson>();
    const audit: AuditRowJson[] = [];
    const others: D1PreparedStatement[] = [];
    for (const { id: seq, at, entry } of rows) {
      switch (entry.kind) {
        case "command":
          // Map order is first insertion: a command keeps its place, and its row is its last state.
          latest.set(entry.command.id, commandRow(entry.command));
          audit.push(auditRow(entry.audit, at, seq));
          break;
        case "audit":
          audit.push(auditRow(entry.audit, at, seq));
          break;
        case "request":
          others.push(this.#request(entry.request));
          break;
        case "device_seen":
          others.push(this.#deviceSeen({ at: entry.at, deviceId: entry.deviceId, userId }));
          break;
      }
    }
    return [
      ...jsonChunks([...latest.values()]).map((chunk) => this.#upsertCommands.bind(userId, chunk)),
      ...others,
      ...jsonChunks(audit).map((chunk) => this.#addAudit.bind(userId, chunk)),
    ];
  }

  #request(r: PermissionRequestRecord): D1PreparedStatement {
    return this.#upsertRequest({
      id: r.id,
      userId: this.#userId,
      deviceId: r.deviceId,
      commandId: r.commandId,
      agentRef: r.agentRef,
      target: r.target,
      action: r.action,
      context: r.context,
      parameters: JSON.stringify(r.parameters),
      oneTime: r.oneTime ? 1 : 0,
      status: r.status,
      decision: r.decision,
      grantedScope: r.grantedScope ?? null,
      createdAt: r.createdAt,
      decidedAt: r.decidedAt,
    });
  }
}

/** A command's D1 row as one element of the upsert's JSON (see `COMMAND_COLUMNS`). */
function commandRow(c: QueuedCommand): CommandRowJson {
  return {
    id: c.id,
    deviceId: c.deviceId,
    target: c.command.target,
    action: c.command.action,
    parameters: JSON.stringify(c.command.parameters),
    status: c.status,
    seq: c.seq,
    readOnly: c.readOnly ? 1 : 0,
    result: c.result === undefined ? null : JSON.stringify(c.result),
    errorCode: c.error?.code ?? null,
    errorMessage: c.error?.message ?? null,
    retryOf: c.retryOf,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    deadlineAt: c.deadlineAt,
  };
}

/** An audit line as one element of the audit insert's JSON; `seq` is its outbox number. */
function auditRow(line: AuditLine, at: number, seq: number): AuditRowJson {
  return { at: line.at ?? at, kind: line.kind, deviceId: line.deviceId, commandId: line.commandId, summary: line.summary, detail: JSON.stringify(line.detail ?? {}), relaySeq: seq };
}
