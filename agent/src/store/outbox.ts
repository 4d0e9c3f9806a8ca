import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import type { DurableFrame } from "../link/frames.ts";

const OutboxRow = z.object({ frame_id: z.string(), frame: z.string() });

/** One frame waiting for the relay's ack, as it goes on the wire. */
export type OutboxEntry = { frameId: string; text: string };

/**
 * Frames the relay has not acked yet (results and activity), in the order they were made. A frame leaves only
 * when the relay's `ack` names it, so nothing is lost to a dropped socket or a crash.
 */
export class Outbox {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Stores a frame (again storing the same frame id is a no-op). Returns whether it was new. */
  put(frame: DurableFrame, now: number = Date.now()): boolean {
    const { changes } = this.#db
      .prepare("INSERT OR IGNORE INTO outbox (frame_id, kind, frame, created_at) VALUES (?, ?, ?, ?)")
      .run(frame.id, frame.type, JSON.stringify(frame), now);
    return Number(changes) > 0;
  }

  /** Every waiting frame, oldest first. */
  list(): OutboxEntry[] {
    return this.#db
      .prepare("SELECT frame_id, frame FROM outbox ORDER BY seq")
      .all()
      .map((row) => OutboxRow.parse(row))
      .map((row) => ({ frameId: row.frame_id, text: row.frame }));
  }

  /** The waiting frame with this id, if any. */
  get(frameId: string): OutboxEntry | null {
    const row = this.#db.prepare("SELECT frame_id, frame FROM outbox WHERE frame_id = ?").get(frameId);
    if (!row) return null;
    const parsed = OutboxRow.parse(row);
    return { frameId: parsed.frame_id, text: parsed.frame };
  }

  /** Forgets a frame the relay acked. Returns whether it was waiting. */
  remove(frameId: string): boolean {
    return Number(this.#db.prepare("DELETE FROM outbox WHERE frame_id = ?").run(frameId).changes) > 0;
  }

  /** How many frames wait. */
  size(): number {
    return Number(this.#db.prepare("SELECT COUNT(*) AS n FROM outbox").get()?.n ?? 0);
  }
}
