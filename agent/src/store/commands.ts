import { randomUUID } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { CommandFrame, MAX_FRAME_BYTES, ResultFrame, fromAgent } from "#protocol";
import type { CommandOutcome } from "#protocol";
import type { InboundCommand, OutboundResult } from "../link/frames.ts";
import { durably, inTransaction } from "./db.ts";
import type { Outbox } from "./outbox.ts";

/** `received`: stored and acked, not started. `running`: may have side effects. `done`: the result is stored. */
export type CommandState = "received" | "running" | "done";

/** A relay command as the agent remembers it. */
export type StoredCommand = {
  id: string;
  seq: number;
  status: CommandState;
  readOnly: boolean;
  frame: InboundCommand;
  result: OutboundResult | null;
  startedAt: number | null;
};

const CommandRow = z.object({
  id: z.string(),
  seq: z.number(),
  status: z.enum(["received", "running", "done"]),
  read_only: z.number(),
  frame: z.string(),
  result: z.string().nullable(),
  started_at: z.number().nullable(),
});

/** What startup recovery did with commands a dead process left running. */
export type RecoveryReport = { interrupted: string[]; reset: string[] };

export const INTERRUPTED_MESSAGE =
  "The agent stopped while this command was running, so it may or may not have happened. Check, and retry it if it did not.";

/**
 * The durable side of the command path. The rules that must stay true:
 * a command is stored before it is acked; it is `running` before any side effect; its result is stored before it
 * is sent; and a command that was `running` when the process died is never run again unless it is read-only.
 */
export class CommandStore {
  readonly #db: DatabaseSync;
  readonly #outbox: Outbox;

  constructor(db: DatabaseSync, outbox: Outbox) {
    this.#db = db;
    this.#outbox = outbox;
  }

  /** The stored command with this id, or null if it was never received. */
  get(id: string): StoredCommand | null {
    const row = this.#db.prepare("SELECT id, seq, status, read_only, frame, result, started_at FROM commands WHERE id = ?").get(id);
    return row ? toStored(CommandRow.parse(row)) : null;
  }

  /** Stores a newly received command (status `received`). Call before acking it. */
  receive(frame: InboundCommand, now: number = Date.now()): void {
    this.#db
      .prepare("INSERT INTO commands (id, seq, target, action, read_only, frame, status, received_at) VALUES (?, ?, ?, ?, ?, ?, 'received', ?)")
      .run(frame.id, frame.seq, frame.command.target, frame.command.action, frame.read_only ? 1 : 0, JSON.stringify(frame), now);
  }

  /** Marks a command `running`, synced to disk. Call before the action can have any effect. */
  markRunning(id: string, now: number = Date.now()): void {
    durably(this.#db, () => this.#db.prepare("UPDATE commands SET status = 'running', started_at = ? WHERE id = ? AND status = 'received'").run(now, id));
  }

  /** Stores the outcome and queues the result frame in the outbox, in one transaction. Returns the frame to send. */
  finish(id: string, outcome: CommandOutcome, startedAt: number | null, now: number = Date.now()): OutboundResult {
    const frame = (outcome: CommandOutcome): OutboundResult => fromAgent("result", `result-${randomUUID()}`, { command_id: id, outcome, started_at: startedAt, finished_at: now });
    let result = frame(outcome);
    // The relay refuses frames over the limit, so an oversized result would wait in the outbox forever.
    const size = Buffer.byteLength(JSON.stringify(result));
    if (size > MAX_FRAME_BYTES) {
      result = frame({ status: "failed", error: { code: "payload_too_large", message: `The result was ${size} bytes, more than the ${MAX_FRAME_BYTES} a frame may carry. Ask for less (a smaller max_bytes, limit or max_results).` } });
    }
    inTransaction(this.#db, () => {
      this.#db.prepare("UPDATE commands SET status = 'done', finished_at = ?, result = ? WHERE id = ?").run(now, JSON.stringify(result), id);
      this.#outbox.put(result, now);
    });
    return result;
  }

  /**
   * Startup recovery, before any new frame is handled: a read-only command left `running` goes back to `received`
   * (running it again is harmless); any other is finished as `interrupted`, because it may already have acted.
   */
  recover(now: number = Date.now()): RecoveryReport {
    const report: RecoveryReport = { interrupted: [], reset: [] };
    const rows = this.#db
      .prepare("SELECT id, seq, status, read_only, frame, result, started_at FROM commands WHERE status = 'running' ORDER BY seq")
      .all()
      .map((row) => toStored(CommandRow.parse(row)));
    for (const command of rows) {
      if (command.readOnly) {
        this.#db.prepare("UPDATE commands SET status = 'received', started_at = NULL WHERE id = ?").run(command.id);
        report.reset.push(command.id);
      } else {
        this.finish(command.id, { status: "failed", error: { code: "interrupted", message: INTERRUPTED_MESSAGE } }, command.startedAt, now);
        report.interrupted.push(command.id);
      }
    }
    return report;
  }

  /** Forgets finished commands older than `before` whose result the relay has acked. */
  prune(before: number): number {
    const { changes } = this.#db
      .prepare(
        "DELETE FROM commands WHERE status = 'done' AND finished_at < ? AND NOT EXISTS (SELECT 1 FROM outbox WHERE outbox.frame_id = json_extract(commands.result, '$.id'))",
      )
      .run(before);
    return Number(changes);
  }
}

function toStored(row: z.infer<typeof CommandRow>): StoredCommand {
  return {
    id: row.id,
    seq: row.seq,
    status: row.status,
    readOnly: row.read_only === 1,
    frame: CommandFrame.parse(JSON.parse(row.frame)),
    result: row.result === null ? null : ResultFrame.parse(JSON.parse(row.result)),
    startedAt: row.started_at,
  };
}
