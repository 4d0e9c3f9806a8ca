import { and, eq } from "drizzle-orm";
import { openDb, schema } from "../../../core/src/db/index.ts";
import type { Device } from "../../../core/src/db/schema.ts";
import { relayFor } from "../relay/stub.ts";

/**
 * Revokes one of the user's devices, the one way both doors do it (the user's DELETE /api/devices/:id and the
 * agent's own DELETE /api/agent/device from `hearth uninstall`). Resolves with the revoked row, or null when the
 * user has no such device.
 */
export async function revokeDevice(env: Env, userId: string, deviceId: string): Promise<Device | null> {
  // The token is dead in D1 first, so the agent cannot reconnect; only then does the relay close its live socket
  // (4001), fail what was queued for it and write the audit entry. The other order leaves a window to reconnect.
  const [revoked] = await openDb(env.DB)
    .update(schema.devices)
    .set({ revokedAt: Date.now(), tokenHash: null })
    .where(and(eq(schema.devices.id, deviceId), eq(schema.devices.userId, userId)))
    .returning();
  if (!revoked) return null;
  await relayFor(env, userId).revokeDevice(revoked.id);
  return revoked;
}
