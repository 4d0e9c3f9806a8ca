import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import type { WebSocket } from "ws";
import { AgentFrame, HEARTBEAT_PING, HEARTBEAT_PONG, PROTOCOL_VERSION } from "#protocol";
import type { Approval, Json, RefusedEvent, RelayToAgentFrame } from "#protocol";

/**
 * A stand-in for the relay's agent side, on a real loopback socket: it checks the bearer token on the upgrade,
 * answers `hello` with `welcome`, the heartbeat with HEARTBEAT_PONG, and records every frame (parsed with the
 * protocol's schema). The real relay runs in workerd and is tested end to end elsewhere; this keeps only what the
 * agent's unit tests need.
 */
export class FakeRelay {
  readonly token: string;
  /** Every frame the agent sent, in order, across connections. */
  readonly frames: AgentFrame[] = [];
  /** How many times the exact heartbeat text arrived. */
  heartbeats = 0;
  /** How many sockets were accepted. */
  connections = 0;
  /** When false, upgrades get 503 (the server is "down"). */
  online = true;
  /** When false, results, activity and audit entries are not acked (so they stay in the agent's outbox). */
  autoAck = true;
  /** When false, the heartbeat goes unanswered. */
  answerHeartbeat = true;
  heartbeatMs = 30_000;
  /** Features this relay takes when the agent's hello names them (echoed in `welcome.features`). */
  features: string[] = [];
  /** Commands delivered after each `welcome`, like the relay's owed queue. */
  owed: Extract<RelayToAgentFrame, { type: "command" }>[] = [];
  readonly #http: Server;
  readonly #wss = new WebSocketServer({ noServer: true });
  #socket: WebSocket | null = null;
  #waiters: (() => void)[] = [];

  private constructor(token: string) {
    this.token = token;
    this.#http = createServer((_req, res) => res.writeHead(404).end());
    this.#http.on("upgrade", (request, socket, head) => {
      const authorized = request.headers.authorization === `Bearer ${this.token}`;
      if (!this.online || !authorized || request.url !== "/api/agent") {
        const status = !this.online ? "503 Service Unavailable" : "401 Unauthorized";
        const body = JSON.stringify({ error: { code: "agent_token_invalid", message: "no" } });
        socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
        return;
      }
      this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws));
    });
  }

  /** Starts a relay on a free loopback port. */
  static async start(token = "secret-token"): Promise<FakeRelay> {
    const relay = new FakeRelay(token);
    await new Promise<void>((resolve) => relay.#http.listen(0, "127.0.0.1", resolve));
    return relay;
  }

  /** The server URL the agent is paired with. */
  get url(): string {
    const address: AddressInfo | string | null = this.#http.address();
    if (typeof address !== "object" || address === null) throw new Error("not listening");
    return `http://127.0.0.1:${address.port}`;
  }

  /** Sends a frame (or raw text) to the connected agent. */
  send(frame: RelayToAgentFrame | string): void {
    this.#socket?.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** A command frame for `{target, action, parameters}`, approved once, due in a minute. */
  command(id: string, seq: number, target: string, action: string, parameters: Record<string, Json>, readOnly = false): Extract<RelayToAgentFrame, { type: "command" }> {
    const approval: Approval = { permission_id: null, kind: "once", expires_at: null };
    return { v: PROTOCOL_VERSION, type: "command", id, seq, command: { target, action, parameters }, read_only: readOnly, deadline_at: Date.now() + 60_000, approval };
  }

  /** Acks a frame the agent sent; `refused` names events of an activity frame the server would not store. */
  ack(ref: string, refused?: RefusedEvent[]): void {
    this.send({ v: PROTOCOL_VERSION, type: "ack", id: `relay-ack-${ref}`, ref, ...(refused ? { refused } : {}) });
  }

  /** Closes the agent's socket with a code (4001: revoked), or cuts it without a close frame. */
  drop(code?: number): void {
    if (code === undefined) this.#socket?.terminate();
    else this.#socket?.close(code, "test");
  }

  /** Waits until a frame matching `predicate` has arrived (including earlier ones). */
  async waitFor<T extends AgentFrame>(predicate: (frame: AgentFrame) => frame is T, timeoutMs?: number): Promise<T>;
  async waitFor(predicate: (frame: AgentFrame) => boolean, timeoutMs?: number): Promise<AgentFrame>;
  async waitFor(predicate: (frame: AgentFrame) => boolean, timeoutMs = 5_000): Promise<AgentFrame> {
    await this.until(() => this.frames.some(predicate), timeoutMs);
    const found = this.frames.find(predicate);
    if (!found) throw new Error("unreachable");
    return found;
  }

  /** Waits until `condition` holds, checking after every frame and every 20 ms. */
  async until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; frames: ${this.frames.map((f) => f.type).join(", ")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 20);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    this.#wss.close();
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  #accept(ws: WebSocket): void {
    this.connections++;
    this.#socket = ws;
    ws.on("message", (data) => {
      const text = data.toString();
      if (text === HEARTBEAT_PING) {
        this.heartbeats++;
        if (this.answerHeartbeat) ws.send(HEARTBEAT_PONG);
        return this.#wake();
      }
      const frame = AgentFrame.parse(JSON.parse(text));
      this.frames.push(frame);
      if (frame.type === "hello") {
        ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: "welcome", id: "w", device_id: frame.device_id, server_time: Date.now(), heartbeat_ms: this.heartbeatMs, pending: this.owed.length, features: this.features.filter((f) => frame.features?.includes(f)) }));
        for (const command of this.owed) ws.send(JSON.stringify(command));
      }
      if (this.autoAck && (frame.type === "result" || frame.type === "results" || frame.type === "activity" || frame.type === "audit")) this.ack(frame.id);
      if (frame.type === "result") this.owed = this.owed.filter((command) => command.id !== frame.command_id);
      if (frame.type === "results") this.owed = this.owed.filter((command) => !frame.results.some((r) => r.command_id === command.id));
      this.#wake();
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
