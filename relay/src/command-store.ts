import { Approval, ErrorCode } from "#protocol";
import type { CommandOutcome, CommandRecord, CommandStatus, Failure, Json } from "#protocol";
import { and, asc, count, eq, gt, inArray, lt, lte, min, notInArray, sql } from "drizzle-orm";
import { canMove, OWED_STATUSES } from "./lifecycle.ts";
import { deviceSeq, queuedCommands } from "./storage/index.ts";
import type { RelayDb } from "./storage/index.ts";

/** A command as the relay keeps it in its own SQLite: the durable queue. */
export type QueuedCommand = CommandRecord & { approval: Approval | null; requestId: string | null };

type Row = typeof queuedCommands.$inferSelect;

const OWED: CommandStatus[] = [...OWED_STATUSES];
/** What an agent's ack moves on: anything owed that is not acked yet. */
const UNACKED: CommandStatus[] = ["queued", "sent"];

/** One result of a `results` frame, as `finishMany` takes it. */
export type BatchResult = { commandId: string; outcome: CommandOutcome };
/** What `finishMany` did: the commands it moved (in seq order), and the results it refused, by index. */
export type BatchFinish = { moved: QueuedCommand[]; refused: { index: number; reason: string }[] };
const OPEN: CommandStatus[] = [...OWED_STATUSES, "awaiting_permission"];

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
    deviceId: row.deviceId,
    seq: row.seq,
    status: asStatus(row.status),
    command: { target: row.target, action: row.action, parameters },
    readOnly: row.readOnly === 1,
    approval: row.approval === null ? null : Approval.parse(JSON.parse(row.approval)),
    requestId: row.requestId,
    deadlineAt: row.deadlineAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    retryOf: row.retryOf,
    result: row.result === null ? undefined : JSON.parse(row.result),
    error: row.errorCode === null ? null : { code: ErrorCode.catch("internal").parse(row.errorCode), message: row.errorMessage ?? "" },
  };
}

/**
 * The durable command queue, over the relay's SQLite. Every write is synchronous SQL inside the Durable
 * Object, so a command is on disk before anyone is told it was accepted, and per-device order is a plain
 * sequence number.
 */
export class CommandStore {
  readonly #db: RelayDb;
  // The queue's hot statements, built once (drizzle builds a query's SQL on every call otherwise): dispatch and
  // every frame of the agent run them (bench/drain.mjs).
  readonly #byId;
  readonly #insertStatement;
  readonly #moveStatement;
  readonly #takeSeqStatement;
  readonly #countOpenStatement;
  readonly #nextDeadlineStatement;
  readonly #ackThroughStatement;
  readonly #ownersStatement;
  readonly #finishManyStatement;

  constructor(db: RelayDb) {
    this.#db = db;
    const c = queuedCommands;
    const p = (name: string) => sql.placeholder(name);
    this.#byId = db.select().from(c).where(eq(c.id, p("id"))).prepare();
    this.#insertStatement = db
      .insert(c)
      .values({
        id: p("id"),
        deviceId: p("deviceId"),
        seq: p("seq"),
        status: p("status"),
        target: p("target"),
        action: p("action"),
        parameters: p("parameters"),
        readOnly: p("readOnly"),
        approval: p("approval"),
        requestId: p("requestId"),
        deadlineAt: p("deadlineAt"),
        createdAt: p("createdAt"),
        updatedAt: p("createdAt"),
        retryOf: p("retryOf"),
      })
      .prepare();
    // A field the move does not carry (null here) keeps its stored value. Placeholders are wrapped in `sql`
    // because an update's `set` takes values or SQL, not a bare placeholder.
    this.#moveStatement = db
      .update(c)
      .set({
        status: sql`${p("status")}`,
        seq: sql`${p("seq")}`,
        updatedAt: sql`${p("updatedAt")}`,
        result: sql`coalesce(${p("result")}, ${c.result})`,
        errorCode: sql`coalesce(${p("errorCode")}, ${c.errorCode})`,
        errorMessage: sql`coalesce(${p("errorMessage")}, ${c.errorMessage})`,
        approval: sql`coalesce(${p("approval")}, ${c.approval})`,
      })
      .where(eq(c.id, p("id")))
      .prepare();
    this.#countOpenStatement = db.select({ n: count() }).from(c).where(and(eq(c.deviceId, p("deviceId")), inArray(c.status, OPEN))).prepare();
    this.#nextDeadlineStatement = db.select({ at: min(c.deadlineAt) }).from(c).where(inArray(c.status, OPEN)).prepare();
    // One write per cumulative ack: every unacked command of the device up to the seq (bench/drain.mjs).
    this.#ackThroughStatement = db
      .update(c)
      .set({ status: "acked", updatedAt: sql`${p("now")}` })
      .where(and(eq(c.deviceId, p("deviceId")), lte(c.seq, p("throughSeq")), inArray(c.status, UNACKED)))
      .returning()
      .prepare();
    // Who each command of a `results` frame belongs to, and where it stands: one read for the whole frame.
    this.#ownersStatement = db
      .select({ id: c.id, deviceId: c.deviceId, status: c.status })
      .from(c)
      .where(sql`${c.id} IN (SELECT value FROM json_each(${p("ids")}))`)
      .prepare();
    // One write per `results` frame: `batch` is a JSON array of {id, status, result, code, message}, where `result`
    // is already JSON text (or null); a field a result does not carry keeps its stored value, as in `move`. The
    // status filter is the state machine's: only an owed command can end (a repeat or a late result changes nothing).
    const field = (name: string) => sql.raw(`json_extract(j.value, '$.${name}')`);
    this.#finishManyStatement = db
      .update(c)
      .set({
        status: sql`${field("status")}`,
        updatedAt: sql`${p("now")}`,
        result: sql`coalesce(${field("result")}, ${c.result})`,
        errorCode: sql`coalesce(${field("code")}, ${c.errorCode})`,
        errorMessage: sql`coalesce(${field("message")}, ${c.errorMessage})`,
      })
      .from(sql`json_each(${p("batch")}) AS j`)
      // The unary `+` keeps SQLite from driving the join by the (device, status, seq) index, which would scan every
      // owed command of the device once per result: the primary key, looked up per result, is the cheap way in.
      .where(and(sql`${c.id} = ${field("id")}`, sql`+${c.deviceId} = ${p("deviceId")}`, sql`+${c.status} IN ${OWED}`))
      .returning()
      .prepare();
    this.#takeSeqStatement = db
      .insert(deviceSeq)
      .values({ deviceId: sql.placeholder("deviceId"), next: 1 })
      .onConflictDoUpdate({ target: deviceSeq.deviceId, set: { next: sql`${deviceSeq.next} + 1` } })
      .returning({ next: deviceSeq.next })
      .prepare();
  }

  get(id: string): QueuedCommand | null {
    const row = this.#byId.get({ id });
    return row ? fromRow(row) : null;
  }

  /** Commands not yet final for a device (awaiting permission included): what the queue bound counts. */
  countOpen(deviceId: string): number {
    return this.#countOpenStatement.get({ deviceId })?.n ?? 0;
  }

  /** What the agent still owes a result for, in the order it must run: up to `limit`, after `afterSeq`. */
  owed(deviceId: string, afterSeq = 0, limit = -1): QueuedCommand[] {
    const c = queuedCommands;
    return this.#db
      .select()
      .from(c)
      .where(and(eq(c.deviceId, deviceId), inArray(c.status, OWED), gt(c.seq, afterSeq)))
      .orderBy(asc(c.seq))
      .limit(limit)
      .all()
      .map(fromRow);
  }

  countOwed(deviceId: string): number {
    const c = queuedCommands;
    return this.#db.select({ n: count() }).from(c).where(and(eq(c.deviceId, deviceId), inArray(c.status, OWED))).get()?.n ?? 0;
  }

  /** Open commands whose deadline has passed. */
  overdue(now: number): QueuedCommand[] {
    const c = queuedCommands;
    return this.#db.select().from(c).where(and(inArray(c.status, OPEN), lte(c.deadlineAt, now))).orderBy(asc(c.deadlineAt)).all().map(fromRow);
  }

  /** The next deadline among open commands, for the alarm. */
  nextDeadline(): number | null {
    return this.#nextDeadlineStatement.get()?.at ?? null;
  }

  /** Open commands of a device, any status: what revoking it ends. */
  openFor(deviceId: string): QueuedCommand[] {
    const c = queuedCommands;
    return this.#db.select().from(c).where(and(eq(c.deviceId, deviceId), inArray(c.status, OPEN))).all().map(fromRow);
  }

  /** Appends a new command. Queued commands take the device's next sequence number now. */
  insert(command: Omit<QueuedCommand, "seq" | "result" | "error" | "updatedAt">): QueuedCommand {
    const seq = command.status === "queued" ? this.#takeSeq(command.deviceId) : null;
    this.#insertStatement.run({
      id: command.id,
      deviceId: command.deviceId,
      seq,
      status: command.status,
      target: command.command.target,
      action: command.command.action,
      parameters: JSON.stringify(command.command.parameters),
      readOnly: command.readOnly ? 1 : 0,
      approval: command.approval ? JSON.stringify(command.approval) : null,
      requestId: command.requestId,
      deadlineAt: command.deadlineAt,
      createdAt: command.createdAt,
      retryOf: command.retryOf,
    });
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
    this.#moveStatement.run({
      id,
      status: to,
      seq,
      updatedAt: now,
      result: extra.result === undefined ? null : JSON.stringify(extra.result),
      errorCode: extra.error?.code ?? null,
      errorMessage: extra.error?.message ?? null,
      approval: extra.approval ? JSON.stringify(extra.approval) : null,
    });
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

  /**
   * An agent's cumulative ack: every command of `deviceId` up to `throughSeq` not yet acked becomes `acked`, in one
   * write. Returns the commands it moved, in seq order (none for a repeated ack).
   */
  ackThrough(deviceId: string, throughSeq: number, now: number): QueuedCommand[] {
    return this.#ackThroughStatement
      .all({ deviceId, throughSeq, now })
      .map(fromRow)
      .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  }

  /**
   * Ends the commands of a `results` frame from `deviceId` in one write. A result for a command the relay does not
   * know, or one of another device, is refused (by index); a repeat, or one for a command already final, changes
   * nothing and is not refused (the agent may forget it, as with a single `result`). The first of two results for
   * the same command in one frame wins, as the first of two frames would.
   */
  finishMany(deviceId: string, results: readonly BatchResult[], now: number): BatchFinish {
    const refused: BatchFinish["refused"] = [];
    const owners = new Map(this.#ownersStatement.all({ ids: JSON.stringify(results.map((r) => r.commandId)) }).map((row) => [row.id, row]));
    const batch: { id: string; status: string; result: string | null; code: string | null; message: string | null }[] = [];
    const taken = new Set<string>();
    results.forEach(({ commandId, outcome }, index) => {
      const owner = owners.get(commandId);
      if (!owner) return refused.push({ index, reason: `There is no command ${commandId} on this server (it may have ended more than a day ago).` });
      if (owner.deviceId !== deviceId) return refused.push({ index, reason: `Command ${commandId} was sent to another device, not this one.` });
      if (taken.has(commandId) || !canMove(asStatus(owner.status), outcome.status)) return;
      taken.add(commandId);
      batch.push(
        outcome.status === "done"
          ? { id: commandId, status: "done", result: JSON.stringify(outcome.data ?? null), code: null, message: null }
          : { id: commandId, status: "failed", result: null, code: outcome.error.code, message: outcome.error.message },
      );
    });
    if (batch.length === 0) return { moved: [], refused };
    const moved = this.#finishManyStatement
      .all({ batch: JSON.stringify(batch), deviceId, now })
      .map(fromRow)
      .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    return { moved, refused };
  }

  /** Forgets final commands older than `before`: D1 keeps their record; the relay needs only open ones. */
  prune(before: number): void {
    const c = queuedCommands;
    this.#db.delete(c).where(and(notInArray(c.status, OPEN), lt(c.updatedAt, before))).run();
  }

  #takeSeq(deviceId: string): number {
    const row = this.#takeSeqStatement.get({ deviceId });
    if (!row) throw new Error("relay storage: device_seq returned no row");
    return row.next;
  }
}
