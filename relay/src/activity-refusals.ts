import { sql } from "drizzle-orm";
import type { RefusedEvent } from "#protocol";
import { openDb, schema } from "../../core/src/db/index.ts";

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
  const { activityRefusals: t } = schema;
  const [first, ...rest] = input.refused.map(({ index, reason }) => {
    const event = input.events[index];
    return openDb(db)
      .insert(t)
      .values({ id: crypto.randomUUID(), userId, deviceId: input.deviceId, eventId: eventIdOf(event) ?? `${input.frameId}#${index}`, event: (JSON.stringify(event) ?? "null").slice(0, KEEP_EVENT_CHARS), reason, createdAt: now })
      .onConflictDoUpdate({
        target: [t.userId, t.deviceId, t.eventId],
        // SQLite's `excluded.` row (the values this insert carried), which drizzle's builder does not name.
        set: { reason: sql.raw("excluded.reason"), event: sql.raw("excluded.event"), createdAt: sql.raw("excluded.created_at") },
      });
  });
  if (first) await openDb(db).batch([first, ...rest]);
}

function eventIdOf(event: unknown): string | null {
  if (typeof event !== "object" || event === null || !("event_id" in event)) return null;
  const id = event.event_id;
  return typeof id === "string" && id.length > 0 && id.length <= 200 ? id : null;
}
