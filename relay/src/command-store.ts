import { Approval, ErrorCode } from "#protocol";
import type { CommandRecord, CommandStatus, Failure, Json } from "#protocol";
import { canMove, OWED_STATUSES } from "./lifecycle.ts";

/** A command as the relay keeps it in its own SQLite: the durable queue. */
export type QueuedCommand = CommandRecord & { approval: Approval | null; requestId: string | null };

type Row = {
  id: string;
  device_id: string;
  seq: number | null;
  status: string;
  target: string;
  action: string;
  parameters: string;
  read_only: number;
  approval: string | null;
  request_id: string | null;
  deadline_at: number;
  created_at: number;
  updated_at: number;
  retry_of: string | null;
  result: string | null;
  error_code: string | null;
  error_message: string | null;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS commands (
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
);
CREATE INDEX IF NOT EXISTS commands_device_status_seq ON commands (device_id, status, seq);
CREATE INDEX IF NOT EXISTS commands_status_deadline ON commands (status, deadline_at);
CREATE TABLE IF NOT EXISTS device_seq (device_id TEXT PRIMARY KEY, next INTEGER NOT NULL);
`;

const OWED = OWED_STATUSES.map((s) => `'${s}'`).join(", ");
const OPEN = `${OWED}, 'awaiting_permission'`;

/** Reads a status written by this module back into its type. */
function asStatus(value: string): CommandStatus {
  switch (value) {
    case "awaiting_permission":
    case "queued":
    case "sent":
    case "acked":
    case "done":
    case "failed":
    case "expired":
      return value;
    default:
      throw new Error(`unknown command status in relay storage: ${value}`);
  }
}

function fromRow(row: Row): QueuedCommand {
  const parameters: Record<string, Json> = JSON.parse(row.parameters);
  return {
    id: row.id,
    deviceId: row.device_id,
    seq: row.seq,
    status: asStatus(row.status),
    command: { target: row.target, action: row.action, parameters },
    readOnly: row.read_only === 1,
    approval: row.approval === null ? null : Approval.parse(JSON.parse(row.approval)),
    requestId: row.request_id,
    deadlineAt: row.deadline_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    retryOf: row.retry_of,
    result: row.result === null ? undefined : JSON.parse(row.result),
    error: row.error_code === null ? null : { code: ErrorCode.catch("internal").parse(row.error_code), message: row.error_message ?? "" },
  };
}

/**
 * The durable command queue, over the relay's SQLite. Every write is synchronous SQL inside the Durable
 * Object, so a command is on disk before anyone is told it was accepted, and per-device order is a plain
 * sequence number.
 */
export class CommandStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const statement of SCHEMA.split(";")) if (statement.trim()) sql.exec(statement);
  }

  get(id: string): QueuedCommand | null {
    const row = this.#sql.exec<Row>("SELECT * FROM commands WHERE id = ?", id).toArray()[0];
    return row ? fromRow(row) : null;
  }

  /** Commands not yet final for a device (awaiting permission included): what the queue bound counts. */
  countOpen(deviceId: string): number {
    return this.#sql.exec<{ n: number }>(`SELECT count(*) AS n FROM commands WHERE device_id = ? AND status IN (${OPEN})`, deviceId).one().n;
  }

  /** What the agent still owes a result for, in the order it must run: up to `limit`, after `afterSeq`. */
  owed(deviceId: string, afterSeq = 0, limit = -1): QueuedCommand[] {
    return this.#sql
      .exec<Row>(`SELECT * FROM commands WHERE device_id = ? AND status IN (${OWED}) AND seq > ? ORDER BY seq LIMIT ?`, deviceId, afterSeq, limit)
      .toArray()
      .map(fromRow);
  }

  countOwed(deviceId: string): number {
    return this.#sql.exec<{ n: number }>(`SELECT count(*) AS n FROM commands WHERE device_id = ? AND status IN (${OWED})`, deviceId).one().n;
  }

  /** Open commands whose deadline has passed. */
  overdue(now: number): QueuedCommand[] {
    return this.#sql
      .exec<Row>(`SELECT * FROM commands WHERE status IN (${OPEN}) AND deadline_at <= ? ORDER BY deadline_at`, now)
      .toArray()
      .map(fromRow);
  }

  /** The next deadline among open commands, for the alarm. */
  nextDeadline(): number | null {
    return this.#sql.exec<{ at: number | null }>(`SELECT min(deadline_at) AS at FROM commands WHERE status IN (${OPEN})`).one().at;
  }

  /** Open commands of a device, any status: what revoking it ends. */
  openFor(deviceId: string): QueuedCommand[] {
    return this.#sql.exec<Row>(`SELECT * FROM commands WHERE device_id = ? AND status IN (${OPEN})`, deviceId).toArray().map(fromRow);
  }

  /** Appends a new command. Queued commands take the device's next sequence number now. */
  insert(command: Omit<QueuedCommand, "seq" | "result" | "error" | "updatedAt">): QueuedCommand {
    const seq = command.status === "queued" ? this.#takeSeq(command.deviceId) : null;
    this.#sql.exec(
      `INSERT INTO commands (id, device_id, seq, status, target, action, parameters, read_only, approval, request_id,
        deadline_at, created_at, updated_at, retry_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      command.id,
      command.deviceId,
      seq,
      command.status,
      command.command.target,
      command.command.action,
      JSON.stringify(command.command.parameters),
      command.readOnly ? 1 : 0,
      command.approval ? JSON.stringify(command.approval) : null,
      command.requestId,
      command.deadlineAt,
      command.createdAt,
      command.createdAt,
      command.retryOf,
    );
    return { ...command, seq, updatedAt: command.createdAt, result: undefined, error: null };
  }

  /**
   * Moves a command to `to` if the state machine allows it, and returns the updated command, or null when the
   * move is not allowed (a repeat, or a late frame for a finished command).
   */
  move(id: string, to: CommandStatus, now: number, extra: { result?: Json; error?: Failure; approval?: Approval } = {}): QueuedCommand | null {
    const current = this.get(id);
    if (!current || !canMove(current.status, to)) return null;
    const seq = to === "queued" && current.seq === null ? this.#takeSeq(current.deviceId) : current.seq;
    this.#sql.exec(
      `UPDATE commands SET status = ?, seq = ?, updated_at = ?, result = coalesce(?, result),
        error_code = coalesce(?, error_code), error_message = coalesce(?, error_message), approval = coalesce(?, approval)
       WHERE id = ?`,
      to,
      seq,
      now,
      extra.result === undefined ? null : JSON.stringify(extra.result),
      extra.error?.code ?? null,
      extra.error?.message ?? null,
      extra.approval ? JSON.stringify(extra.approval) : null,
      id,
    );
    return {
      ...current,
      status: to,
      seq,
      updatedAt: now,
      result: extra.result ?? current.result,
      error: extra.error ?? current.error,
      approval: extra.approval ?? current.approval,
    };
  }

  /** Forgets final commands older than `before`: D1 keeps their record; the relay needs only open ones. */
  prune(before: number): void {
    this.#sql.exec(`DELETE FROM commands WHERE status NOT IN (${OPEN}) AND updated_at < ?`, before);
  }

  #takeSeq(deviceId: string): number {
    return this.#sql
      .exec<{ next: number }>(
        "INSERT INTO device_seq (device_id, next) VALUES (?, 1) ON CONFLICT (device_id) DO UPDATE SET next = next + 1 RETURNING next",
        deviceId,
      )
      .one().next;
  }
}
