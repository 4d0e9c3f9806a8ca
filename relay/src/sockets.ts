import type { Connection } from "partyserver";
import { compareVersions, toBrowser } from "#protocol";
import type { ErrorCode, RelayFrame } from "#protocol";
import { loadDevices } from "./d1-reads.ts";
import { deviceView } from "./devices.ts";
import type { DeviceRecord } from "./devices.ts";
import { encodeFrame, errorFrame, frameId } from "./frames.ts";

/** Headers the worker sets after it has authenticated a socket. The worker builds them itself; clients cannot. */
export const RELAY_USER_HEADER = "x-hearth-user";
export const RELAY_ROLE_HEADER = "x-hearth-role";
export const RELAY_DEVICE_HEADER = "x-hearth-device";
/**
 * On a browser's socket: the agent version the server offers (empty: no build), which only the worker can read
 * (from its assets). The relay keeps it on the socket, so the device status it sends says "update available" too.
 */
export const RELAY_LATEST_AGENT_HEADER = "x-hearth-latest-agent";

/** Close codes the agent acts on. */
export const CLOSE_REVOKED = 4001;
export const CLOSE_REPLACED = 4000;
/** Close code for every socket when the account is deleted: the agent stops and says to pair again. */
export const CLOSE_ACCOUNT_DELETED = 4002;

/** How often agents send the heartbeat; the relay answers without waking. */
export const HEARTBEAT_MS = 30_000;

export type ConnectionRole = "browser" | "agent";
/**
 * Kept in the socket's attachment, so it survives hibernation. A browser's `viewing` is its visible page, if any. An
 * agent's `batch` says it speaks batch frames (its hello named the feature); `sentThrough` is the highest seq sent on
 * this socket, which a cumulative `acks` may not go beyond.
 */
export type SocketState =
  | { role: "browser"; viewing?: string | null; latestAgent?: string | null }
  | { role: "agent"; deviceId: string; ready: boolean; batch?: boolean; sentThrough?: number };

/** The tags a new socket gets (partyserver keeps them across hibernation): every agent by device, every browser. */
export function connectionTags(request: Request): string[] {
  const device = request.headers.get(RELAY_DEVICE_HEADER);
  return request.headers.get(RELAY_ROLE_HEADER) === "agent" && device ? ["agent", `device:${device}`] : ["browser"];
}

/** What the socket registry needs from the Durable Object: partyserver's tagged connections, and whose they are. */
export interface SocketsHost {
  getConnections<TState = unknown>(tag?: string): Iterable<Connection<TState>>;
  readonly db: D1Database;
  userId(): string;
}

/**
 * The relay's socket registry: tags that find a device's socket or every browser, sending that never throws on a
 * closing socket, and live device status. It holds no state of its own; the sockets and their attachments are
 * the runtime's, so they survive hibernation.
 */
export class Sockets {
  readonly #host: SocketsHost;

  constructor(host: SocketsHost) {
    this.#host = host;
  }

  /** The sockets of one device's agent (normally one: a reconnect replaces the old one). */
  ofDevice(deviceId: string): Iterable<Connection<SocketState>> {
    return this.#host.getConnections<SocketState>(`device:${deviceId}`);
  }

  /** Every socket, agent or browser. */
  all(): Iterable<Connection> {
    return this.#host.getConnections();
  }

  /** The ids of devices with a live, greeted socket. */
  onlineDevices(): string[] {
    const online = new Set<string>();
    for (const socket of this.#host.getConnections<SocketState>("agent")) if (socket.state?.role === "agent" && socket.state.ready) online.add(socket.state.deviceId);
    return [...online];
  }

  isOnline(deviceId: string, exceptConnection?: string): boolean {
    for (const socket of this.ofDevice(deviceId)) {
      if (socket.id !== exceptConnection && socket.state?.role === "agent" && socket.state.ready) return true;
    }
    return false;
  }

  /** True when an open tab shows one of these pages while visible; `"*"` means any page of the app. */
  isViewing(pagesOf: () => readonly string[]): boolean {
    // The pages are worked out only when some tab is looking at all (finding a command's chat reads SQLite).
    let pages: readonly string[] | null = null;
    for (const socket of this.#host.getConnections<SocketState>("browser")) {
      const viewing = socket.state?.role === "browser" ? socket.state.viewing : null;
      if (!viewing) continue;
      pages ??= pagesOf();
      if (pages.includes("*") || pages.includes(viewing)) return true;
    }
    return false;
  }

  /** The user's devices (or one) from D1. */
  loadDevices(deviceId?: string): Promise<DeviceRecord[]> {
    return loadDevices(this.#host.db, this.#host.userId(), deviceId);
  }

  /** The newest agent version any open tab was told the server offers (see RELAY_LATEST_AGENT_HEADER), or null. */
  latestAgentVersion(): string | null {
    let latest: string | null = null;
    for (const socket of this.#host.getConnections<SocketState>("browser")) {
      const offered = socket.state?.role === "browser" ? socket.state.latestAgent : null;
      if (offered && (latest === null || compareVersions(offered, latest) > 0)) latest = offered;
    }
    return latest;
  }

  /** Tells every tab a device's status (online, offline, revoked, whether it runs the offered agent) as it is now. */
  async broadcastDevice(deviceId: string): Promise<void> {
    const [device] = await this.loadDevices(deviceId);
    if (device) this.toBrowsers(toBrowser("agent_status", frameId(), { device: deviceView(device, this.isOnline(device.id), this.latestAgentVersion()) }));
  }

  send(socket: Connection, frame: RelayFrame): void {
    sendQuietly(socket, encodeFrame(frame));
  }

  toBrowsers(frame: RelayFrame, without: string[] = []): void {
    const text = encodeFrame(frame);
    for (const socket of this.#host.getConnections("browser")) if (!without.includes(socket.id)) sendQuietly(socket, text);
  }

  refuse(connection: Connection, refusal: { code: ErrorCode; message: string; ref?: string }): void {
    this.send(connection, errorFrame(refusal));
  }
}

function sendQuietly(socket: Connection, text: string): void {
  try {
    socket.send(text);
  } catch {
    // The socket closed under us; its close handler does the bookkeeping.
  }
}
