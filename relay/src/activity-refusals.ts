import type { RefusedEvent } from "#protocol";

/** How much of a refused event D1 keeps for the device page; the agent keeps the whole event. */
const KEEP_EVENT_CHARS = 4096;

/**
 * Records the events of an agent's `activity` frame that ingest refused, per device, so the device page shows
 * them with their reason. Refusals come from a schema drift (the agent checks events with the same schema before
 * it takes them), so they are rare; sending the same event again records it once.
 */
export async function recordRefusals(
  db: D1Database,
  userId: string,
  input: { deviceId: string; frameId: string; events: readonly unknown[]; refused: readonly RefusedEvent[] },
): Promise<void> {
  if (input.refused.length === 0) return;
  const now = Date.now();
  const statements = input.refused.map(({ index, reason }) => {
    const event = input.events[index];
    return db
      .prepare(
        `INSERT INTO activity_refusals (id, user_id, device_id, event_id, event, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (user_id, device_id, event_id) DO UPDATE SET reason = excluded.reason, event = excluded.event, created_at = excluded.created_at`,
      )
      .bind(crypto.randomUUID(), userId, input.deviceId, eventIdOf(event) ?? `${input.frameId}#${index}`, (JSON.stringify(event) ?? "null").slice(0, KEEP_EVENT_CHARS), reason, now);
  });
  await db.batch(statements);
}

function eventIdOf(event: unknown): string | null {
  if (typeof event !== "object" || event === null || !("event_id" in event)) return null;
  const id = event.event_id;
  return typeof id === "string" && id.length > 0 && id.length <= 200 ? id : null;
}
