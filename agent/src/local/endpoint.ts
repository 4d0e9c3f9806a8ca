import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { RawData, WebSocket } from "ws";
import { LOCAL_PROTOCOL_VERSION, LocalClientFrame, MAX_FRAME_BYTES, checkActivityEvent } from "#protocol";
import type { ActivityEvent, ConnectorDescriptor, ErrorCode, LocalAgentFrame, RefusedEvent } from "#protocol";
import { DEFAULT_OPTIONS } from "../defaults.ts";
import { tokensEqual } from "../home/local-token.ts";
import type { Logger } from "../log.ts";
import type { Executor } from "../runtime/executor.ts";

export type LocalEndpointDeps = {
  port: number;
  token: string;
  tokenPath: string;
  executor: Executor;
  recordActivity: (events: ActivityEvent[]) => void;
  describe: () => { device_id: string | null; connected: boolean; connectors: ConnectorDescriptor[]; agent_version: string };
  log: Logger;
  authTimeoutMs?: number;
};

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
/** Browser extensions may connect; web pages may not (their Origin is http(s)://…). */
const EXTENSION_ORIGIN = /^(chrome-extension|moz-extension):\/\/[^/]+\/?$/;
/** Close code for a wrong token (policy violation). */
export const CLOSE_UNAUTHENTICATED = 1008;

/**
 * The seed's local endpoint: a WebSocket on 127.0.0.1 for programs on this computer (the browser extension).
 * Defence in layers: it binds to loopback only and refuses non-loopback peers anyway; it refuses web pages by their
 * Origin and DNS-rebinding tricks by the Host header; and the first frame must carry the token from the 0600
 * `local-token` file. Commands from here go through the same local permission store as the relay's.
 */
export class LocalEndpoint {
  readonly #deps: LocalEndpointDeps;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
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

  #onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refusal = this.#checkPeer(request);
    if (refusal) {
      this.#deps.log.warn("local.refused", `Refused a local connection: ${refusal}`);
      const body = JSON.stringify({ error: { code: "forbidden_origin", message: refusal } });
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#onConnection(ws));
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

  #onConnection(ws: WebSocket): void {
    let authenticated = false;
    let client = "local client";
    const send = (frame: LocalAgentFrame) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    };
    const refuse = (code: ErrorCode, message: string, ref?: string) =>
      send({ v: LOCAL_PROTOCOL_VERSION, type: "error", id: randomUUID(), code, message, ...(ref === undefined ? {} : { ref }) });
    const authTimer = setTimeout(() => {
      if (!authenticated) ws.close(CLOSE_UNAUTHENTICATED, "no local_auth in time");
    }, this.#deps.authTimeoutMs ?? DEFAULT_OPTIONS.localAuthTimeout);
    ws.on("close", () => clearTimeout(authTimer));
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (isBinary) return refuse("bad_request", "Send frames as JSON text, not binary.");
      let json: unknown;
      try {
        json = JSON.parse(rawText(data));
      } catch {
        return refuse("malformed_json", "The frame is not valid JSON. Send one JSON object per message.");
      }
      const parsed = LocalClientFrame.safeParse(json);
      const ref = typeof json === "object" && json !== null && "id" in json && typeof json.id === "string" ? json.id : undefined;
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const code: ErrorCode = issue?.path[0] === "type" ? "unknown_frame" : "validation_failed";
        return refuse(code, `The frame is not valid${issue?.path.length ? ` at ${issue.path.join(".")}` : ""}: ${issue?.message ?? "unknown problem"}. Frames are local_auth, command, activity and ping.`, ref);
      }
      const frame = parsed.data;
      if (frame.type === "local_auth") {
        if (!tokensEqual(this.#deps.token, frame.token)) {
          this.#deps.log.warn("local.bad_token", "A local program sent a wrong token; closed its connection.");
          refuse("unauthenticated", `Wrong token. Use the token in ${this.#deps.tokenPath}.`, frame.id);
          ws.close(CLOSE_UNAUTHENTICATED, "wrong token");
          return;
        }
        authenticated = true;
        client = frame.client ?? client;
        clearTimeout(authTimer);
        this.#deps.log.info("local.connected", `${client} connected to the local endpoint.`);
        return send({ v: LOCAL_PROTOCOL_VERSION, type: "local_welcome", id: randomUUID(), ref: frame.id, ...this.#deps.describe() });
      }
      if (!authenticated) return refuse("unauthenticated", `Send local_auth with the token from ${this.#deps.tokenPath} first.`, frame.id);
      switch (frame.type) {
        case "ping":
          return send({ v: LOCAL_PROTOCOL_VERSION, type: "pong", id: randomUUID(), ref: frame.id });
        case "activity": {
          const events = frame.events.map((event) => ({ ...event, event_id: event.event_id ?? `local-${randomUUID()}` }));
          // The server's own check, before the ack: an ack promises the event will be stored. All or nothing, so
          // the client can fix the refused events and send the frame again without doubling the others.
          const refused = refusedEvents(events);
          if (refused.length > 0) {
            const which = refused.map((r) => `#${r.index}: ${r.reason}`).join("; ");
            return send({ v: LOCAL_PROTOCOL_VERSION, type: "error", id: randomUUID(), code: "validation_failed", message: `${refused.length} of ${events.length} events would be refused by the server, so none was taken (${which}). Fix them and send the frame again.`, ref: frame.id, refused });
          }
          this.#deps.recordActivity(events);
          return send({ v: LOCAL_PROTOCOL_VERSION, type: "ack", id: randomUUID(), ref: frame.id });
        }
        case "command":
          void this.#deps.executor
            .execute({ commandId: `local-${randomUUID()}`, source: "local", target: frame.target, action: frame.action, parameters: frame.parameters, approval: null })
            .then((result) => send({ v: LOCAL_PROTOCOL_VERSION, type: "result", id: randomUUID(), ref: frame.id, outcome: result.outcome }));
          return;
      }
    });
  }
}

/** The events the server would refuse, each with its index and reason. */
export function refusedEvents(events: readonly unknown[]): RefusedEvent[] {
  return events.flatMap((event, index) => {
    const checked = checkActivityEvent(event);
    return checked.ok ? [] : [{ index, reason: checked.reason }];
  });
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}
