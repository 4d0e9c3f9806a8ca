import type { DeviceRecord } from "./devices.ts";
import type { Rule } from "./permission-rules.ts";

const DEVICE_SELECT = `SELECT id, name, platform, agent_version AS agentVersion, connectors, limits, created_at AS createdAt,
  last_seen_at AS lastSeenAt, revoked_at AS revokedAt FROM devices`;

/** The user's devices (or one of them) from D1. */
export async function loadDevices(db: D1Database, userId: string, deviceId?: string): Promise<DeviceRecord[]> {
  const query = deviceId
    ? db.prepare(`${DEVICE_SELECT} WHERE user_id = ? AND id = ?`).bind(userId, deviceId)
    : db.prepare(`${DEVICE_SELECT} WHERE user_id = ? ORDER BY created_at`).bind(userId);
  return (await query.all<DeviceRecord>()).results;
}

/** The user's permission rules from D1. */
export async function loadRules(db: D1Database, userId: string): Promise<Rule[]> {
  const { results } = await db
    .prepare(
      `SELECT id, device_id AS deviceId, target, action, scope, effect, one_time AS oneTime, expires_at AS expiresAt
       FROM permissions WHERE user_id = ?`,
    )
    .bind(userId)
    .all<Omit<Rule, "oneTime"> & { oneTime: number }>();
  return results.map((r) => ({ ...r, oneTime: r.oneTime === 1 }));
}
