import { Server } from "partyserver";
import type { Connection, ConnectionContext, WSMessage } from "partyserver";
import { PROTOCOL_VERSION } from "#protocol";
import { encodeFrame, readClientFrame } from "./frames.ts";

/** Headers the worker sets after it has authenticated a socket. The worker strips them from inbound requests. */
export const RELAY_USER_HEADER = "x-hearth-user";
export const RELAY_ROLE_HEADER = "x-hearth-role";

export type ConnectionRole = "browser" | "agent";
type ConnectionState = { userId: string; role: ConnectionRole };

/**
 * One per user: holds that user's agent and browser sockets. For now it accepts sockets and answers `ping`;
 * the machine link adds the durable command queue. Hibernation is on, so per-socket facts live in the
 * socket attachment (partyserver's connection state), never in fields.
 */
export class UserRelay extends Server<Env> {
  static override options = { hibernate: true };

  override onConnect(connection: Connection<ConnectionState>, { request }: ConnectionContext): void {
    const userId = request.headers.get(RELAY_USER_HEADER);
    const role = request.headers.get(RELAY_ROLE_HEADER);
    // The worker authenticates before forwarding; a socket without identity never came through it.
    if (!userId || (role !== "browser" && role !== "agent")) {
      connection.close(1008, "unauthenticated");
      return;
    }
    connection.setState({ userId, role });
  }

  override onMessage(connection: Connection<ConnectionState>, message: WSMessage): void {
    const read = readClientFrame(message);
    if (!read.ok) {
      const { ok: _, ...refusal } = read;
      connection.send(encodeFrame({ v: PROTOCOL_VERSION, type: "error", id: crypto.randomUUID(), ...refusal }));
      return;
    }
    const { frame } = read;
    switch (frame.type) {
      case "ping":
        connection.send(encodeFrame({ v: PROTOCOL_VERSION, type: "pong", id: frame.id }));
        return;
    }
  }
}
