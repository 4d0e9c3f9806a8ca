import { z } from "zod";
import { ConnectorDescriptor } from "#protocol";
import type { DeviceView } from "#protocol";

/** A device row from D1, as the relay and the devices API read it. */
export type DeviceRecord = {
  id: string;
  name: string;
  platform: string;
  agentVersion: string;
  connectors: string;
  createdAt: number;
  lastSeenAt: number | null;
  revokedAt: number | null;
};

const Connectors = z.array(ConnectorDescriptor).catch([]);

/** The public view of a device, with its live status from the relay. */
export function deviceView(device: DeviceRecord, online: boolean): DeviceView {
  return {
    id: device.id,
    name: device.name,
    platform: device.platform,
    agent_version: device.agentVersion,
    status: device.revokedAt !== null ? "revoked" : online ? "online" : "offline",
    created_at: device.createdAt,
    last_seen_at: online ? Date.now() : device.lastSeenAt,
    revoked_at: device.revokedAt,
    connectors: Connectors.parse(JSON.parse(device.connectors)),
  };
}

/** Whether the device advertises an action, and if it is read-only. */
export function findAction(device: DeviceRecord, target: string, action: string): { readOnly: boolean } | null {
  for (const connector of Connectors.parse(JSON.parse(device.connectors))) {
    if (connector.target !== target) continue;
    const found = connector.actions.find((a) => a.action === action);
    if (found) return { readOnly: found.read_only };
  }
  return null;
}
