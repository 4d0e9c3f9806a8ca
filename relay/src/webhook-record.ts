import { eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { z } from "zod";
import type { Priority } from "#protocol";
import { DISABLE_AFTER_FAILED_DELIVERIES, nextAttemptAt } from "../../core/src/notifications/webhooks/index.ts";
import type { AttemptResult } from "../../core/src/notifications/webhooks/index.ts";
import { schema } from "../../core/src/db/index.ts";
import type { Db } from "../../core/src/db/index.ts";

// What a send run writes once its POSTs are answered (relay/src/webhook-sender.ts): each attempt, each
// delivery's new state, and each endpoint's count of failed deliveries, in one D1 batch.

/** A due delivery, with what a run needs of its endpoint. */
export type Due = { id: string; endpointId: string; payload: string; priority: Priority; attempts: number; createdAt: number; url: string; secret: string; consecutiveFailures: number };
/** One attempt a run made. */
export type Sent = { due: Due; at: number; result: AttemptResult };

const { webhookAttempts, webhookDeliveries: deliveries, webhookEndpoints: endpoints } = schema;
/** An endpoint's count of failed deliveries, as the batch's UPDATE … RETURNING gives it back. */
const Counted = z.array(z.object({ n: z.number() }));

/**
 * Writes one run's attempts in one batch; returns the endpoints that kept failing (to turn off, and tell).
 * An endpoint's count of failed deliveries is changed in SQL, relative to what D1 holds (runs overlap, so the
 * count a run read may be stale), and read back to decide.
 */
export async function recordAttempts(db: Db, runs: Sent[][]): Promise<{ due: Due; why: string }[]> {
  const writes: BatchItem<"sqlite">[] = [];
  const counters: { at: number; due: Due; gaveUp: number; why: string | null; refused: boolean }[] = [];
  for (const run of runs) {
    const first = run[0];
    if (!first) continue;
    let delivered = false;
    let gaveUp = 0; // deliveries given up since the run's last delivered one
    let why: string | null = null;
    let refused = false;
    for (const { due, at, result } of run) {
      const attempts = due.attempts + 1;
      writes.push(
        db.insert(webhookAttempts).values({
          id: crypto.randomUUID(),
          deliveryId: due.id,
          attemptedAt: at,
          statusCode: result.statusCode,
          latencyMs: Math.round(result.latencyMs),
          responseSnippet: result.responseSnippet,
          error: result.error,
        }),
      );
      if (result.ok) {
        writes.push(db.update(deliveries).set({ status: "delivered", attempts, deliveredAt: at, nextAttemptAt: null }).where(eq(deliveries.id, due.id)));
        delivered = true;
        gaveUp = 0;
        continue;
      }
      // A target the rules refuse fails the same way every time: no point retrying it for a day.
      const next = result.outcome === "refused" ? null : nextAttemptAt(attempts, due.createdAt, at);
      if (next !== null) {
        writes.push(db.update(deliveries).set({ attempts, nextAttemptAt: next }).where(eq(deliveries.id, due.id)));
        continue;
      }
      writes.push(db.update(deliveries).set({ status: "failed", attempts, nextAttemptAt: null }).where(eq(deliveries.id, due.id)));
      gaveUp += 1;
      if (result.outcome === "refused") refused = true;
      why ??= result.error ?? "it kept failing";
    }
    // Nothing to change: delivered, and the count (as this run read it) is 0 already.
    if (gaveUp === 0 && (!delivered || first.due.consecutiveFailures === 0)) continue;
    counters.push({ at: writes.length, due: first.due, gaveUp, why, refused });
    writes.push(
      db
        .update(endpoints)
        .set({ consecutiveFailures: delivered ? gaveUp : sql`${endpoints.consecutiveFailures} + ${gaveUp}` })
        .where(eq(endpoints.id, first.due.endpointId))
        .returning({ n: endpoints.consecutiveFailures }),
    );
  }
  // One D1 batch: a run's attempts, delivery states and endpoint counts land together.
  const [head, ...rest] = writes;
  if (!head) return [];
  const results = await db.batch([head, ...rest]);
  const disable: { due: Due; why: string }[] = [];
  for (const { at, due, gaveUp, why, refused } of counters) {
    const count = Counted.safeParse(results[at]);
    const n = count.success ? (count.data[0]?.n ?? 0) : 0;
    if (gaveUp > 0 && (refused || n >= DISABLE_AFTER_FAILED_DELIVERIES)) disable.push({ due, why: why ?? "it kept failing" });
  }
  return disable;
}
