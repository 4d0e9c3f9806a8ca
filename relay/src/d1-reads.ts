import { and, asc, eq } from "drizzle-orm";
import { openDb, schema } from "../../core/src/db/index.ts";
import type { DeviceRecord } from "./devices.ts";
import type { Rule } from "./permission-rules.ts";

/** The user's devices (or one of them) from D1. */
export async function loadDevices(d1: D1Database, userId: string, deviceId?: string): Promise<DeviceRecord[]> {
  const { devices } = schema;
  const columns = {
    id: devices.id,
    name: devices.name,
    platform: devices.platform,
    agentVersion: devices.agentVersion,
    connectors: devices.connectors,
    limits: devices.limits,
    mcpServers: devices.mcpServers,
    createdAt: devices.createdAt,
    lastSeenAt: devices.lastSeenAt,
    revokedAt: devices.revokedAt,
  };
  const db = openDb(d1);
  return deviceId
    ? db.select(columns).from(devices).where(and(eq(devices.userId, userId), eq(devices.id, deviceId)))
    : db.select(columns).from(devices).where(eq(devices.userId, userId)).orderBy(asc(devices.createdAt));
}

/** The user's permission rules from D1. */
export async function loadRules(d1: D1Database, userId: string): Promise<Rule[]> {
  const { permissions: p } = schema;
  return openDb(d1)
    .select({ id: p.id, deviceId: p.deviceId, target: p.target, action: p.action, scope: p.scope, effect: p.effect, oneTime: p.oneTime, expiresAt: p.expiresAt })
    .from(p)
    .where(eq(p.userId, userId));
}
