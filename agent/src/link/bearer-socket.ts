import WebSocket from "ws";
import { MAX_FRAME_BYTES } from "#protocol";

/**
 * A `ws` WebSocket class that sends `Authorization: Bearer <token>` with the upgrade, for partysocket's `WebSocket`
 * option: Node's global WebSocket cannot send headers, and a token in the URL would end up in logs.
 * `onRejected` hears the HTTP status when the server refuses the upgrade (401: the token is no good).
 */
export function bearerWebSocket(token: string, onRejected: (status: number) => void): new (address: string | URL, protocols?: string | string[]) => WebSocket {
  return class BearerWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      // No per-message compression: frames are small JSON, and inflating and deflating each one cost more CPU on
      // both ends (the relay's above all) than the bytes it saved.
      super(address, protocols, { headers: { Authorization: `Bearer ${token}` }, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
      // With this listener ws leaves the failed handshake to us; terminate() reports it as an error and a close.
      this.on("unexpected-response", (_request, response) => {
        response.resume();
        this.terminate();
        onRejected(response.statusCode ?? 0);
      });
    }
  };
}
