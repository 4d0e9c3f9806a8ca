import { z } from "zod";
import { AgentLimits, ConnectorDescriptor, McpServerStatus, checkAgentLimits, updateAvailable } from "#protocol";
import type { DeviceView, Failure } from "#protocol";

/** A device row from D1, as the relay and the devices API read it. */
export type DeviceRecord = {
  id: string;
  name: string;
  platform: string;
  agentVersion: string;
  connectors: string;
  /** The agent's advertised local limits (JSON `AgentLimits`), or null before an agent that sends them said hello. */
  limits: string | null;
  /** The agent's MCP servers as it last reported them (JSON `McpServerStatus[]`; "[]" for agents without the bridge). */
  mcpServers: string;
  createdAt: number;
  lastSeenAt: number | null;
  revokedAt: number | null;
};

const Connectors = z.array(ConnectorDescriptor).catch([]);

/** A device's advertised connectors, from the JSON D1 keeps; unreadable JSON reads as none. */
export function parseConnectors(json: string): z.infer<typeof Connectors> {
  try {
    return Connectors.parse(JSON.parse(json));
  } catch {
    return [];
  }
}

const McpServers = z.array(McpServerStatus);

/** A device's MCP servers, from the JSON D1 keeps; unreadable JSON (an older shape, a cut write) reads as none. */
export function parseMcpServers(json: string): McpServerStatus[] {
  try {
    const parsed = McpServers.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/**
 * The public view of a device, with its live status from the relay and whether it runs an older agent than the
 * `latest` the server offers (null: no agent build; the worker reads it from its assets and passes it in).
 */
export function deviceView(device: DeviceRecord, online: boolean, latest: string | null): DeviceView {
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
    mcp_servers: parseMcpServers(device.mcpServers),
    folders: parseLimits(device.limits)?.folders?.shown ?? null,
    latest_agent_version: latest,
    // A revoked device runs nothing the server could update.
    update_available: device.revokedAt === null && updateAvailable(device.agentVersion, latest),
  };
}

/** A device's advertised limits; unreadable JSON (or none) reads as unknown, and the agent alone decides. */
export function parseLimits(json: string | null): AgentLimits | null {
  if (json === null) return null;
  try {
    const parsed = AgentLimits.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * What the agent would answer to this command for its own local limits (its folders, its shell allowlist, its
 * apps), so the server refuses at once, in the agent's words, rather than prompting for a command that will fail.
 */
export function checkLimits(device: DeviceRecord | null, command: { target: string; action: string; parameters: Record<string, unknown> }): Failure | null {
  const limits = device ? parseLimits(device.limits) : null;
  return limits ? checkAgentLimits(command, limits) : null;
}

type Refusal = { ok: false; code: Failure["code"]; message: string; field: string };

/**
 * Whether a command can go to this device at all: it exists, is not revoked, advertises the action, and the agent
 * would not refuse it for its local limits (see `checkLimits`), so nothing is prompted for that will fail anyway.
 */
export function checkAction(device: DeviceRecord | null, command: { target: string; action: string; parameters: Record<string, unknown> }): { ok: true; readOnly: boolean } | Refusal {
  if (!device) return { ok: false, code: "not_found", message: "There is no such device. Pick one from Settings → Devices.", field: "device_id" };
  if (device.revokedAt !== null) return { ok: false, code: "device_revoked", message: "This device was revoked. Pair it again with `hearth pair`.", field: "device_id" };
  if (device.connectors === "[]") {
    return { ok: false, code: "not_ready", message: `${device.name} has not connected yet, so its actions are unknown. Run \`hearth start\` on it.`, field: "device_id" };
  }
  const action = findAction(device, command.target, command.action);
  if (!action) {
    // A connector the agent turned off comes with its own word on how to turn it on.
    const off = parseLimits(device.limits)?.off;
    const why = off && Object.hasOwn(off, command.target) ? off[command.target] : undefined;
    if (why !== undefined) return { ok: false, code: "unknown_action", message: `${device.name}: ${why}`, field: "command.target" };
    return {
      ok: false,
      code: "unknown_action",
      message: `${device.name} does not offer ${command.target}.${command.action}. See its actions in Settings → Devices.`,
      field: "command.action",
    };
  }
  const beyond = checkLimits(device, command);
  if (beyond) return { ok: false, ...beyond, field: "command.parameters" };
  return { ok: true, readOnly: action.readOnly };
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
