// A small Hearth client for the benchmarks: the HTTP API (cookie + Origin, like a browser), the device flow,
// the browser socket (/api/relay) and a protocol-speaking agent (/api/agent) that acks and answers commands.
import http from "node:http";
import { randomUUID } from "node:crypto";
import WebSocket from "ws";

export const PASSWORD = "correct horse battery";

/** One keep-alive pool for every benchmark request, so connection setup is not what is measured. */
const pool = new http.Agent({ keepAlive: true, maxSockets: 512 });

/** A plain HTTP request on loopback. Resolves with status, headers and the parsed JSON body (if any). */
export function request(origin, method, path, { json, headers = {}, body } = {}) {
  const url = new URL(path, origin);
  const payload = json !== undefined ? JSON.stringify(json) : body;
  const allHeaders = { ...headers };
  if (json !== undefined) allHeaders["content-type"] = "application/json";
  if (payload !== undefined) allHeaders["content-length"] = Buffer.byteLength(payload);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers: allHeaders, agent: pool }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, body: parsed });
      });
      res.on("error", reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function expectStatus(response, status, what) {
  if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status} ${response.text.slice(0, 300)}`);
  return response.body;
}

/** What the benchmark agents advertise in `hello`: the filesystem connector's list, read and write. */
export const CONNECTORS = [
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

/** A signed-in user, as a browser would be: a cookie jar of one and the app's own Origin on every request. */
export class User {
  constructor(origin) {
    this.origin = origin;
    this.cookie = undefined;
  }

  async request(method, path, json) {
    const headers = { origin: this.origin };
    if (this.cookie) headers.cookie = this.cookie;
    const response = await request(this.origin, method, path, { json, headers });
    const setCookie = response.headers["set-cookie"]?.[0];
    if (setCookie) this.cookie = setCookie.split(";")[0];
    return response;
  }

  async register(email = `bench-${randomUUID().slice(0, 12)}@example.com`) {
    expectStatus(await this.request("POST", "/api/auth/register", { email, password: PASSWORD }), 201, "register");
    this.email = email;
    return this;
  }

  /** Pairs a device through the real device flow (start → approve → token); returns its token and id. */
  async pairDevice(name = "Bench machine") {
    const start = expectStatus(await request(this.origin, "POST", "/api/pair/start", { json: { name, platform: "linux", agent_version: "0.1.0" } }), 200, "pair/start");
    expectStatus(await this.request("POST", "/api/pair/approve", { user_code: start.user_code }), 200, "pair/approve");
    const token = expectStatus(await request(this.origin, "POST", "/api/pair/token", { json: { device_code: start.device_code } }), 200, "pair/token");
    return { token: token.token, deviceId: token.device_id };
  }

  /** One rule that lets every command through the permission gate, so the benchmarks measure the queue. */
  async allowAll() {
    expectStatus(await this.request("POST", "/api/permissions", { target: "*", action: "*", effect: "allow" }), 201, "allow all");
  }

  /** POST /api/commands; resolves with the accepted command view. */
  async dispatch(deviceId, path = "~/Documents") {
    const response = await this.request("POST", "/api/commands", { device_id: deviceId, command: { target: "filesystem", action: "list", parameters: { path } } });
    return expectStatus(response, 202, "dispatch").command;
  }

  /** Opens the browser socket (cookie + exact Origin). */
  async openBrowser() {
    const socket = new BrowserSocket(this.origin, this.cookie);
    await socket.open();
    return socket;
  }
}

function wsUrl(origin, path) {
  return origin.replace(/^http/, "ws") + path;
}

function opened(ws, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no open in 20 s`)), 20_000);
    ws.once("open", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`${what}: refused with ${res.statusCode}`));
    });
    ws.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** The browser's live socket: remembers when each command was first seen `done`, and lets a caller wait for it. */
export class BrowserSocket {
  constructor(origin, cookie) {
    this.origin = origin;
    this.cookie = cookie;
    this.doneAt = new Map();
    this.waiters = new Map();
    this.frames = 0;
  }

  async open() {
    this.ws = new WebSocket(wsUrl(this.origin, "/api/relay"), { headers: { origin: this.origin, cookie: this.cookie ?? "" } });
    this.closed = null;
    this.ws.on("close", (code, reason) => (this.closed = { code, reason: String(reason), at: new Date().toISOString() }));
    this.ws.on("message", (data) => {
      this.frames++;
      const now = performance.now();
      const frame = JSON.parse(String(data));
      if (frame.type !== "command_update") return;
      const { id, status, error } = frame.command;
      if (status !== "done" && status !== "failed" && status !== "expired") return;
      if (this.doneAt.has(id)) return;
      const outcome = status === "done" ? now : new Error(`command ${id} ended ${status}: ${error?.code} ${error?.message}`);
      this.doneAt.set(id, outcome);
      this.waiters.get(id)?.(outcome);
      this.waiters.delete(id);
    });
    await opened(this.ws, "browser socket");
  }

  /** Resolves with the performance.now() at which command `id` was seen done (maybe already); rejects if it failed. */
  waitDone(id, timeoutMs = 30_000) {
    const seen = this.doneAt.get(id);
    if (seen !== undefined) return seen instanceof Error ? Promise.reject(seen) : Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`command ${id} not seen done within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, (outcome) => {
        clearTimeout(timer);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      });
    });
  }

  close() {
    this.closed ??= { code: 0, reason: "closed by the bench", at: new Date().toISOString() };
    this.ws?.terminate();
  }
}

/**
 * A minimal agent that speaks the Machine Context Protocol: `hello`, then for each `command` an `ack` and a
 * `result` (status done), at once. With `window`, at most that many answered commands wait for the relay's ack
 * of their result; the rest wait their turn (flow control, as an agent running a bounded number of commands).
 * It records every command it is sent, in order, and counts the relay's acks of its results.
 */
export class ProtocolAgent {
  constructor(origin, token, deviceId, { respond = true, window = Infinity } = {}) {
    this.origin = origin;
    this.token = token;
    this.deviceId = deviceId;
    this.respond = respond;
    this.window = window;
    this.waiting = [];
    this.commands = [];
    this.resultsAcked = 0;
    this.onProgress = null;
    this.errors = [];
    this.resultIds = new Set();
  }

  async connect() {
    this.ws = new WebSocket(wsUrl(this.origin, "/api/agent"), { headers: { authorization: `Bearer ${this.token}` } });
    this.closed = null;
    this.ws.on("close", (code, reason) => (this.closed = { code, reason: String(reason), at: new Date().toISOString() }));
    let welcomed;
    const welcome = new Promise((resolve, reject) => {
      welcomed = resolve;
      this.ws.once("close", (code, reason) => reject(new Error(`agent socket closed before welcome: ${code} ${reason}`)));
    });
    this.ws.on("message", (data) => {
      const frame = JSON.parse(String(data));
      switch (frame.type) {
        case "welcome":
          welcomed(frame);
          return;
        case "command":
          this.commands.push({ id: frame.id, seq: frame.seq });
          if (this.respond) {
            this.waiting.push(frame.id);
            this.#pump();
          }
          return;
        case "ack":
          if (this.resultIds.delete(frame.ref)) {
            this.resultsAcked++;
            this.#pump();
            this.onProgress?.();
          }
          return;
        case "error":
          this.errors.push(frame);
          return;
      }
    });
    await opened(this.ws, "agent socket");
    this.ws.send(JSON.stringify({ v: 1, type: "hello", id: randomUUID(), device_id: this.deviceId, agent_version: "0.1.0", platform: "linux", connectors: CONNECTORS }));
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("no welcome within 30 s")), 30_000).unref());
    this.welcome = await Promise.race([welcome, timeout]);
    return this.welcome;
  }

  #pump() {
    while (this.resultIds.size < this.window && this.waiting.length > 0) this.answer(this.waiting.shift());
  }

  /** Acks a command and reports it done, as an agent that ran `filesystem.list` would. */
  answer(commandId) {
    const now = Date.now();
    this.ws.send(JSON.stringify({ v: 1, type: "ack", id: randomUUID(), ref: commandId }));
    const id = randomUUID();
    this.resultIds.add(id);
    this.ws.send(
      JSON.stringify({
        v: 1,
        type: "result",
        id,
        command_id: commandId,
        outcome: { status: "done", data: { entries: [{ name: "notes.txt", kind: "file", size: 1204 }, { name: "photos", kind: "folder", size: null }] } },
        started_at: now,
        finished_at: now,
      }),
    );
  }

  close() {
    this.closed ??= { code: 0, reason: "closed by the bench", at: new Date().toISOString() };
    this.ws?.terminate();
  }
}

/** How a socket ended, for diagnostics. */
export function closeText(socket) {
  if (!socket) return "none";
  if (!socket.closed) return ["connecting", "open", "closing", "closed"][socket.ws?.readyState] ?? "unknown";
  return `closed ${socket.closed.code}${socket.closed.reason ? ` "${socket.closed.reason}"` : ""} at ${socket.closed.at}`;
}

/** Registers a user, pairs one device, connects it once (so its actions are known), and allows all commands. */
export async function userWithDevice(origin, { devices = 1, stayConnected = false } = {}) {
  const user = await new User(origin).register();
  const paired = [];
  for (let i = 0; i < devices; i++) {
    const device = await user.pairDevice(`Bench machine ${i + 1}`);
    const agent = new ProtocolAgent(origin, device.token, device.deviceId);
    await agent.connect();
    if (!stayConnected) agent.close();
    paired.push({ ...device, agent: stayConnected ? agent : null });
  }
  await user.allowAll();
  return { user, devices: paired };
}
