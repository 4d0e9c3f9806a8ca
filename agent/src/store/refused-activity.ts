import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";

/** Who refused an event: this agent's own check (the server's schema, before sending) or the server. */
export type RefusedBy = "agent" | "server";

/** One refused event as `hearth status` shows it. */
export type RefusedActivityRow = { eventId: string | null; event: string; reason: string; refusedBy: RefusedBy; refusedAt: number };

const Row = z.object({ event_id: z.string().nullable(), event: z.string(), reason: z.string(), refused_by: z.enum(["agent", "server"]), refused_at: z.number() });

/**
 * Activity that was not taken, kept with its reason. An event the server refuses is never dropped quietly: it
 * moves here when the relay's ack names it, and `hearth status` shows it. Retention forgets it like other records.
 */
export class RefusedActivity {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Keeps refused events (the whole event, as JSON) with their reason. */
  add(entries: readonly { event: unknown; reason: string }[], refusedBy: RefusedBy, now: number = Date.now()): void {
    const insert = this.#db.prepare("INSERT INTO refused_activity (event_id, event, reason, refused_by, refused_at) VALUES (?, ?, ?, ?, ?)");
    for (const { event, reason } of entries) insert.run(eventIdOf(event), JSON.stringify(event) ?? "null", reason, refusedBy, now);
  }

  /** The newest refused events first. */
  latest(limit: number): RefusedActivityRow[] {
    return this.#db
      .prepare("SELECT event_id, event, reason, refused_by, refused_at FROM refused_activity ORDER BY seq DESC LIMIT ?")
      .all(limit)
      .map((raw) => Row.parse(raw))
      .map((row) => ({ eventId: row.event_id, event: row.event, reason: row.reason, refusedBy: row.refused_by, refusedAt: row.refused_at }));
  }

  /** How many are kept. */
  count(): number {
    return Number(this.#db.prepare("SELECT COUNT(*) AS n FROM refused_activity").get()?.n ?? 0);
  }

  /** Forgets those refused before `cutoff`; returns how many. */
  prune(cutoff: number): number {
    return Number(this.#db.prepare("DELETE FROM refused_activity WHERE refused_at < ?").run(cutoff).changes);
  }
}

function eventIdOf(event: unknown): string | null {
  if (typeof event !== "object" || event === null || !("event_id" in event)) return null;
  return typeof event.event_id === "string" ? event.event_id : null;
}
