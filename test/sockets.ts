import { exports } from "cloudflare:workers";
import { ORIGIN, TestClient } from "./client.ts";

type Frame = { type: string; [key: string]: unknown };

/** A test-side WebSocket through the real worker, with a queue of parsed frames to await. */
export class TestSocket {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | null = null;
  #waiters: (() => void)[] = [];

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.accept();
    ws.addEventListener("message", (event) => {
      const text = String(event.data);
      this.frames.push(text.startsWith("{") ? JSON.parse(text) : { type: "raw", text });
      this.#wake();
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.#wake();
    });
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Waits for (and removes) the first frame matching `type` and, optionally, `where`. */
  async next(type: string, where: (frame: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex((f) => f.type === type && where(f));
      if (index >= 0) return this.frames.splice(index, 1)[0] as Frame;
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${type}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${type}; have ${JSON.stringify(this.frames.map((f) => f.type))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves once the socket is closed. */
  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error("socket did not close");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closed;
  }

  close(): void {
    try {
      this.ws.close(1000, "test done");
    } catch {
      // already closed
    }
  }
}

export async function openBrowserSocket(client: TestClient): Promise<TestSocket> {
  const response = await exports.default.fetch(new Request(`${ORIGIN}/api/relay`, { headers: { upgrade: "websocket", origin: ORIGIN, cookie: client.cookie ?? "" } }));
  if (!response.webSocket) throw new Error(`browser socket refused: ${response.status} ${await response.text()}`);
  return new TestSocket(response.webSocket);
}

export async function openAgentResponse(token: string): Promise<Response> {
  return exports.default.fetch(new Request(`${ORIGIN}/api/agent`, { headers: { upgrade: "websocket", authorization: `Bearer ${token}` } }));
}

/** The connectors a test agent advertises: a read-only list and a write. */
export const TEST_CONNECTORS = [
  {
    target: "filesystem",
    description: "Files",
    actions: [
      { action: "list", description: "List a folder", read_only: true, parameters: { type: "object" } },
      { action: "read", description: "Read a file", read_only: true, parameters: { type: "object" } },
      { action: "write", description: "Write a file", read_only: false, parameters: { type: "object" } },
    ],
  },
];

/** Pairs a device for the client's user through the real device flow and returns its token and id. */
export async function pairDevice(client: TestClient, name = "Test laptop"): Promise<{ token: string; deviceId: string }> {
  const agentClient = new TestClient();
  const start = await agentClient.request("POST", "/api/pair/start", { json: { name, platform: "linux", agent_version: "0.1.0" } });
  const codes: { device_code: string; user_code: string } = await start.json();
  const approve = await client.request("POST", "/api/pair/approve", { json: { user_code: codes.user_code } });
  if (approve.status !== 200) throw new Error(`approve failed: ${approve.status} ${await approve.text()}`);
  const token = await agentClient.request("POST", "/api/pair/token", { json: { device_code: codes.device_code } });
  const body: { token: string; device_id: string } = await token.json();
  return { token: body.token, deviceId: body.device_id };
}

/** Connects an agent socket and completes the handshake; returns the socket and the welcome frame. */
export async function connectAgent(token: string, deviceId: string, hello: { limits?: unknown; connectors?: unknown[]; mcp_servers?: unknown[] } = {}) {
  const response = await openAgentResponse(token);
  if (!response.webSocket) throw new Error(`agent socket refused: ${response.status} ${await response.text()}`);
  const socket = new TestSocket(response.webSocket);
  socket.send({ v: 1, type: "hello", id: crypto.randomUUID(), device_id: deviceId, agent_version: "0.1.0", platform: "linux", connectors: hello.connectors ?? TEST_CONNECTORS, ...(hello.limits ? { limits: hello.limits } : {}), ...(hello.mcp_servers ? { mcp_servers: hello.mcp_servers } : {}) });
  const welcome = await socket.next("welcome");
  return { socket, welcome };
}

/** A signed-in user with one paired device that has connected once, so its actions are known. */
export async function userWithDevice() {
  const client = new TestClient();
  await client.register();
  const device = await pairDevice(client);
  const { socket } = await connectAgent(device.token, device.deviceId);
  socket.close();
  await socket.waitClosed();
  return { client, ...device };
}
