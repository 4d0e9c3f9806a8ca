import type { Json } from "#protocol";
import type { QueuedCommand } from "./command-store.ts";

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

const SCHEMA = "CREATE TABLE IF NOT EXISTS sync_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, entry TEXT NOT NULL)";
const BATCH = 100;

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
  readonly #sql: SqlStorage;
  readonly #db: D1Database;
  readonly #userId: string;
  /** Entries in SQLite not yet copied to D1, oldest first. */
  #pending: { id: number; at: number; entry: SyncEntry }[];
  /** Entries up to this id are in D1, and may still be in SQLite until the next `record` deletes them. */
  #copiedUpTo = 0;
  #flushing: Promise<void> | null = null;
  #again = false;

  constructor(sql: SqlStorage, db: D1Database, userId: string) {
    this.#sql = sql;
    this.#db = db;
    this.#userId = userId;
    sql.exec(SCHEMA);
    this.#pending = sql
      .exec<{ id: number; at: number; entry: string }>("SELECT id, at, entry FROM sync_outbox ORDER BY id")
      .toArray()
      .map((row) => ({ id: row.id, at: row.at, entry: JSON.parse(row.entry) }));
  }

  record(entry: SyncEntry, at = Date.now()): void {
    if (this.#copiedUpTo > 0) {
      this.#sql.exec("DELETE FROM sync_outbox WHERE id <= ?", this.#copiedUpTo);
      this.#copiedUpTo = 0;
    }
    const { id } = this.#sql.exec<{ id: number }>("INSERT INTO sync_outbox (at, entry) VALUES (?, ?) RETURNING id", at, JSON.stringify(entry)).one();
    this.#pending.push({ id, at, entry });
  }

  pending(): number {
    return this.#pending.length;
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
    const rows = this.#pending.slice(0, BATCH);
    const last = rows.at(-1);
    if (!last) return false;
    await this.#db.batch(rows.flatMap((row) => this.#statements(row.entry, row.at, row.id)));
    this.#pending.splice(0, rows.length);
    this.#copiedUpTo = last.id;
    return this.#pending.length > 0;
  }

  #statements(entry: SyncEntry, at: number, seq: number): D1PreparedStatement[] {
    switch (entry.kind) {
      case "command":
        return [this.#upsertCommand(entry.command), this.#audit(entry.audit, at, seq)];
      case "audit":
        return [this.#audit(entry.audit, at, seq)];
      case "request":
        return [this.#upsertRequest(entry.request)];
      case "device_seen":
        return [this.#db.prepare("UPDATE devices SET last_seen_at = max(coalesce(last_seen_at, 0), ?) WHERE id = ? AND user_id = ?").bind(entry.at, entry.deviceId, this.#userId)];
    }
  }

  #upsertCommand(c: QueuedCommand): D1PreparedStatement {
    return this.#db
      .prepare(
        `INSERT INTO commands (id, user_id, device_id, target, action, parameters, status, seq, read_only, result, error_code,
           error_message, retry_of, created_at, updated_at, deadline_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, seq = excluded.seq, result = excluded.result,
           error_code = excluded.error_code, error_message = excluded.error_message, updated_at = excluded.updated_at
         WHERE excluded.updated_at >= commands.updated_at`,
      )
      .bind(
        c.id,
        this.#userId,
        c.deviceId,
        c.command.target,
        c.command.action,
        JSON.stringify(c.command.parameters),
        c.status,
        c.seq,
        c.readOnly ? 1 : 0,
        c.result === undefined ? null : JSON.stringify(c.result),
        c.error?.code ?? null,
        c.error?.message ?? null,
        c.retryOf,
        c.createdAt,
        c.updatedAt,
        c.deadlineAt,
      );
  }

  #audit(line: AuditLine, at: number, seq: number): D1PreparedStatement {
    return this.#db
      .prepare("INSERT OR IGNORE INTO audit_log (user_id, at, kind, device_id, command_id, summary, detail, relay_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(this.#userId, at, line.kind, line.deviceId, line.commandId, line.summary, JSON.stringify(line.detail ?? {}), seq);
  }

  #upsertRequest(r: PermissionRequestRecord): D1PreparedStatement {
    return this.#db
      .prepare(
        `INSERT INTO permission_requests (id, user_id, device_id, command_id, agent_ref, target, action, context, parameters,
           one_time, status, decision, granted_scope, created_at, decided_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, decision = excluded.decision, granted_scope = excluded.granted_scope,
           decided_at = excluded.decided_at`,
      )
      .bind(
        r.id,
        this.#userId,
        r.deviceId,
        r.commandId,
        r.agentRef,
        r.target,
        r.action,
        r.context,
        JSON.stringify(r.parameters),
        r.oneTime ? 1 : 0,
        r.status,
        r.decision,
        r.grantedScope ?? null,
        r.createdAt,
        r.decidedAt,
      );
  }
}
