import { Server } from "partyserver";
import type { Connection, ConnectionContext } from "partyserver";
import { toBrowser } from "#protocol";
import type { ErrorCode, RelayFrame } from "#protocol";
import { loadDevices } from "./d1-reads.ts";
import { deviceView } from "./devices.ts";
import type { DeviceRecord } from "./devices.ts";
import { encodeFrame, errorFrame, frameId } from "./frames.ts";

export const RELAY_ROLE_HEADER = "x-hearth-role";
export const RELAY_DEVICE_HEADER = "x-hearth-device";

export type ConnectionRole = "browser" | "agent";
/** Kept in the socket's attachment, so it survives hibernation. A browser's `viewing` is its visible page, if any. */
export type SocketState = { role: "browser"; viewing?: string | null } | { role: "agent"; deviceId: string; ready: boolean };

/**
 * The relay's socket plumbing: tags that find a device's socket or every browser, sending that never throws on
 * a closing socket, and live device status. `UserRelay` adds the queue on top.
 */
export class RelaySockets extends Server<Env> {
  static override options = { hibernate: true };

  get userId(): string {
    return this.name;
  }

  override getConnectionTags(_connection: Connection, { request }: ConnectionContext): string[] {
    const device = request.headers.get(RELAY_DEVICE_HEADER);
    return request.headers.get(RELAY_ROLE_HEADER) === "agent" && device ? ["agent", `device:${device}`] : ["browser"];
  }

  /** The ids of devices with a live, greeted socket. */
  async onlineDevices(): Promise<string[]> {
    const online = new Set<string>();
    for (const socket of this.getConnections<SocketState>("agent")) if (socket.state?.role === "agent" && socket.state.ready) online.add(socket.state.deviceId);
    return [...online];
  }

  protected isOnline(deviceId: string, exceptConnection?: string): boolean {
    for (const socket of this.getConnections<SocketState>(`device:${deviceId}`)) {
      if (socket.id !== exceptConnection && socket.state?.role === "agent" && socket.state.ready) return true;
    }
    return false;
  }

  /** True when an open tab shows one of these pages while visible; `"*"` means any page of the app. */
  protected isViewing(pagesOf: () => readonly string[]): boolean {
    // The pages are worked out only when some tab is looking at all (finding a command's chat reads SQLite).
    let pages: readonly string[] | null = null;
    for (const socket of this.getConnections<SocketState>("browser")) {
      const viewing = socket.state?.role === "browser" ? socket.state.viewing : null;
      if (!viewing) continue;
      pages ??= pagesOf();
      if (pages.includes("*") || pages.includes(viewing)) return true;
    }
    return false;
  }

  protected loadDevices(deviceId?: string): Promise<DeviceRecord[]> {
    return loadDevices(this.env.DB, this.userId, deviceId);
  }

  protected async broadcastDevice(deviceId: string): Promise<void> {
    const [device] = await this.loadDevices(deviceId);
    if (device) this.toBrowsers(toBrowser("agent_status", frameId(), { device: deviceView(device, this.isOnline(device.id)) }));
  }

  protected send(socket: Connection, frame: RelayFrame): void {
    sendQuietly(socket, encodeFrame(frame));
  }

  protected toBrowsers(frame: RelayFrame, without: string[] = []): void {
    const text = encodeFrame(frame);
    for (const socket of this.getConnections("browser")) if (!without.includes(socket.id)) sendQuietly(socket, text);
  }

  protected refuse(connection: Connection, refusal: { code: ErrorCode; message: string; ref?: string }): void {
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
