import { createServer } from "node:http";
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { WebSocket } from "ws";
import { MAX_FRAME_BYTES, checkActivityEvent } from "#protocol";
import type { ActivityEvent } from "#protocol";
import { DEFAULT_OPTIONS } from "../defaults.ts";
import { tokensEqual } from "../home/local-token.ts";
import { CLOSE_UNAUTHENTICATED, LocalSession } from "./session.ts";
import type { SessionDeps } from "./session.ts";

export { CLOSE_UNAUTHENTICATED };

export type LocalEndpointDeps = SessionDeps & { port: number; authTimeoutMs?: number };

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
/** Browser extensions may connect; web pages may not (their Origin is http(s)://…). */
const EXTENSION_ORIGIN = /^(chrome-extension|moz-extension):\/\/[^/]+\/?$/;

/**
 * The seed's local endpoint: a WebSocket on 127.0.0.1 for programs on this computer (the browser extension).
 * Defence in layers: it binds to loopback only and refuses non-loopback peers anyway; it refuses web pages by their
 * Origin and DNS-rebinding tricks by the Host header; and the token from the 0600 `local-token` file must come
 * first (as `Authorization: Bearer` on the upgrade, or a `local_auth` frame). Commands from here go through the
 * same local permission store as the relay's. Each connection is a `LocalSession` (v1 and the design's dialect).
 */
export class LocalEndpoint {
  readonly #deps: LocalEndpointDeps;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Set<LocalSession>();
  #port = 0;

  constructor(deps: LocalEndpointDeps) {
    this.#deps = deps;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
    this.#http = createServer((_request, response) => {
      response.writeHead(426, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { code: "bad_request", message: "This is the Hearth agent's local WebSocket endpoint. Connect with a WebSocket client." } }));
    });
    this.#http.on("upgrade", (request, socket, head) => this.#onUpgrade(request, socket, head));
  }

  /** Starts listening on 127.0.0.1; resolves with the port (useful when configured as 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#http.once("error", reject);
      this.#http.listen(this.#deps.port, "127.0.0.1", () => {
        this.#http.off("error", reject);
        const address: AddressInfo | string | null = this.#http.address();
        this.#port = typeof address === "object" && address !== null ? address.port : this.#deps.port;
        resolve(this.#port);
      });
    });
  }

  /** Closes every local connection and stops listening. */
  close(): Promise<void> {
    for (const client of this.#wss.clients) client.close(1001, "agent stopping");
    return new Promise((resolve) => {
      this.#wss.close();
      this.#http.close(() => resolve());
      this.#http.closeAllConnections();
    });
  }

  /** Sends taken activity to every client that registered a listener for its type. */
  publishActivity(events: readonly ActivityEvent[]): void {
    if (this.#sessions.size === 0) return;
    for (const event of events) {
      // Only what will reach the server is published; the rest was refused (and kept) elsewhere.
      if (!checkActivityEvent(event).ok) continue;
      for (const session of this.#sessions) session.publish(event);
    }
  }

  #onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refusal = this.#checkPeer(request);
    if (refusal) {
      this.#deps.log.warn("local.refused", `Refused a local connection: ${refusal}`);
      return endUpgrade(socket, "403 Forbidden", "forbidden_origin", refusal);
    }
    // The design's "local token exchange": the token file's content as a bearer token authenticates at once.
    const authorization = request.headers.authorization;
    const bearer = authorization?.startsWith("Bearer ") ? authorization.slice("Bearer ".length).trim() : null;
    if (authorization !== undefined && (bearer === null || !tokensEqual(this.#deps.token, bearer))) {
      this.#deps.log.warn("local.bad_token", "A local program sent a wrong token; refused its connection.");
      return endUpgrade(socket, "401 Unauthorized", "unauthenticated", `Wrong token. Send "Authorization: Bearer <token>" with the content of ${this.#deps.tokenPath}.`);
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#onConnection(ws, bearer !== null));
  }

  /** Why a peer may not connect, or null when it may. */
  #checkPeer(request: IncomingMessage): string | null {
    if (!LOOPBACK.test(request.socket.remoteAddress ?? "")) return "Only programs on this computer may connect.";
    const origin = request.headers.origin;
    if (origin !== undefined && !EXTENSION_ORIGIN.test(origin)) {
      return `Web pages may not connect to the Hearth agent (Origin ${origin}). Only browser extensions and local programs may.`;
    }
    const host = request.headers.host ?? "";
    const allowedHosts = [`127.0.0.1:${this.#port}`, `localhost:${this.#port}`, `[::1]:${this.#port}`];
    if (!allowedHosts.includes(host.toLowerCase())) return `Unexpected Host header ${JSON.stringify(host)}; connect to 127.0.0.1:${this.#port}.`;
    return null;
  }

  #onConnection(ws: WebSocket, authenticated: boolean): void {
    const session = new LocalSession(ws, this.#deps, authenticated);
    this.#sessions.add(session);
    if (authenticated) this.#deps.log.info("local.connected", "A local client connected to the local endpoint (bearer token).");
    const authTimer = authenticated
      ? undefined
      : setTimeout(() => {
          if (!session.authenticated) ws.close(CLOSE_UNAUTHENTICATED, "no local_auth in time");
        }, this.#deps.authTimeoutMs ?? DEFAULT_OPTIONS.localAuthTimeout);
    ws.on("close", () => {
      clearTimeout(authTimer);
      this.#sessions.delete(session);
    });
    ws.on("message", (data, isBinary) => session.onMessage(data, isBinary));
  }
}

/** Refuses an upgrade with an HTTP status and the API's error body. */
function endUpgrade(socket: Duplex, status: string, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
