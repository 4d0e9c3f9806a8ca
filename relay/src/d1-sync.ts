import { and, eq, fillPlaceholders, lte, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Json } from "#protocol";
import { openDb, schema } from "../../core/src/db/index.ts";
import type { QueuedCommand } from "./command-store.ts";
import { syncOutbox } from "./storage/index.ts";
import type { RelayDb } from "./storage/index.ts";
import type { RelayMemory } from "./memory.ts";

/** One audit line: what happened, in words, plus structured detail. */
export type AuditLine = { kind: string; summary: string; deviceId: string | null; commandId: string | null; detail?: Record<string, Json> };

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

/** The value an upsert's conflicting insert carried for `column` (SQLite's `excluded.` row, which drizzle does not name). */
const excluded = (column: SQLiteColumn) => sql.raw(`excluded."${column.name}"`);

/**
 * A D1 statement drizzle builds once, with placeholders, bound per use: the outbox copies two statements per
 * command, and building each with drizzle cost the drain a visible share of its CPU (bench/drain.mjs).
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
 */
export class D1Sync {
  readonly #d1: D1Database;
  readonly #userId: string;
  readonly #upsertCommand;
  readonly #addAudit;
  readonly #upsertRequest;
  readonly #deviceSeen;
  /** Entries in SQLite not yet copied to D1, oldest first, and the id up to which they are copied (see `RelayMemory.outbox`). */
  readonly #memory: RelayMemory["outbox"];
  #flushing: Promise<void> | null = null;
  #again = false;
  // Built once: every state change of every command runs them.
  readonly #deleteCopied;
  readonly #append;

  /** Loads the outbox's rows into `memory` (a fresh relay's memory: this runs once per instance). */
  constructor(db: RelayDb, d1: D1Database, userId: string, memory: RelayMemory["outbox"] = { pending: [], copiedUpTo: 0 }) {
    this.#d1 = d1;
    this.#memory = memory;
    const drizzleD1 = openDb(d1);
    const { auditLog, commands, devices, permissionRequests: requests } = schema;
    this.#upsertCommand = prepared(
      d1,
      drizzleD1
        .insert(commands)
        .values({
          id: p("id"),
          userId: p("userId"),
          deviceId: p("deviceId"),
          target: p("target"),
          action: p("action"),
          parameters: p("parameters"),
          status: p("status"),
          seq: p("seq"),
          readOnly: p("readOnly"),
          result: p("result"),
          errorCode: p("errorCode"),
          errorMessage: p("errorMessage"),
          retryOf: p("retryOf"),
          createdAt: p("createdAt"),
          updatedAt: p("updatedAt"),
          deadlineAt: p("deadlineAt"),
        })
        .onConflictDoUpdate({
          target: commands.id,
          set: {
            status: excluded(commands.status),
            seq: excluded(commands.seq),
            result: excluded(commands.result),
            errorCode: excluded(commands.errorCode),
            errorMessage: excluded(commands.errorMessage),
            updatedAt: excluded(commands.updatedAt),
          },
          // A flush that arrives late never takes a command back to an older state.
          setWhere: sql`${excluded(commands.updatedAt)} >= ${commands.updatedAt}`,
        }),
    );
    // Ignored when this outbox number is already in (a flush repeated after a restart): see the class comment.
    this.#addAudit = prepared(
      d1,
      drizzleD1
        .insert(auditLog)
        .values({ userId: p("userId"), at: p("at"), kind: p("kind"), deviceId: p("deviceId"), commandId: p("commandId"), summary: p("summary"), detail: p("detail"), relaySeq: p("relaySeq") })
        .onConflictDoNothing(),
    );
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
    memory.copiedUpTo = 0;
    memory.pending = db
      .select()
      .from(syncOutbox)
      .orderBy(syncOutbox.id)
      .all()
      .map((row) => ({ id: row.id, at: row.at, entry: JSON.parse(row.entry) }));
  }

  record(entry: SyncEntry, at = Date.now()): void {
    if (this.#memory.copiedUpTo > 0) {
      this.#deleteCopied.run({ upTo: this.#memory.copiedUpTo });
      this.#memory.copiedUpTo = 0;
    }
    const row = this.#append.get({ at, entry: JSON.stringify(entry) });
    if (!row) throw new Error("relay storage: sync_outbox returned no row");
    this.#memory.pending.push({ id: row.id, at, entry });
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
    await this.#d1.batch(rows.flatMap((row) => this.#statements(row.entry, row.at, row.id)));
    this.#memory.pending.splice(0, rows.length);
    this.#memory.copiedUpTo = last.id;
    return this.#memory.pending.length > 0;
  }

  #statements(entry: SyncEntry, at: number, seq: number): D1PreparedStatement[] {
    const userId = this.#userId;
    switch (entry.kind) {
      case "command":
        return [this.#command(entry.command), this.#audit(entry.audit, at, seq)];
      case "audit":
        return [this.#audit(entry.audit, at, seq)];
      case "request":
        return [this.#request(entry.request)];
      case "device_seen":
        return [this.#deviceSeen({ at: entry.at, deviceId: entry.deviceId, userId })];
    }
  }

  #command(c: QueuedCommand): D1PreparedStatement {
    return this.#upsertCommand({
      id: c.id,
      userId: this.#userId,
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
    });
  }

  #audit(line: AuditLine, at: number, seq: number): D1PreparedStatement {
    return this.#addAudit({
      userId: this.#userId,
      at,
      kind: line.kind,
      deviceId: line.deviceId,
      commandId: line.commandId,
      summary: line.summary,
      detail: JSON.stringify(line.detail ?? {}),
      relaySeq: seq,
    });
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
