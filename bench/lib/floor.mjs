// Clients for the platform floor (bench/floor/worker.ts) and the raw `ws` loopback echo.
import { WebSocket, WebSocketServer } from "ws";
import { request } from "./hearth.mjs";

/** A bare `ws` client on the floor DO's socket: it echoes `echo` frames and answers `drain` commands like an agent. */
export class FloorClient {
  /** `window`: at most this many commands answered (ack + result) and awaiting the DO's ack, like ProtocolAgent. */
  constructor(origin, room, { window = Infinity } = {}) {
    this.origin = origin;
    this.room = room;
    this.window = window;
    this.acks = 0;
    this.commands = [];
    this.waiting = [];
    this.unacked = 0;
    this.onProgress = null;
  }

  #pump() {
    while (this.unacked < this.window && this.waiting.length > 0) {
      const frame = this.waiting.shift();
      this.unacked++;
      this.ws.send(JSON.stringify({ type: "ack", ref: frame.id }));
      this.ws.send(JSON.stringify({ type: "result", id: `r${frame.seq}`, command_id: frame.id, outcome: { status: "done", data: { entries: [] } } }));
    }
  }

  async open() {
    this.ws = new WebSocket(`${this.origin.replace(/^http/, "ws")}/ws?room=${this.room}`);
    this.ws.on("message", (data) => {
      const text = String(data);
      const frame = JSON.parse(text);
      if (frame.type === "echo") this.ws.send(text);
      else if (frame.type === "command") {
        this.commands.push(frame.seq);
        this.waiting.push(frame);
        this.#pump();
      } else if (frame.type === "ack") {
        this.acks++;
        this.unacked--;
        this.#pump();
        this.onProgress?.();
      }
    });
    await new Promise((resolve, reject) => {
      this.ws.once("open", resolve);
      this.ws.once("error", reject);
    });
  }

  /** One HTTP → worker → DO → this socket → DO → HTTP trip; resolves with its duration in ms. */
  async echo(body) {
    const started = performance.now();
    const response = await request(this.origin, "POST", `/echo?room=${this.room}`, { body });
    if (response.status !== 200) throw new Error(`floor echo: ${response.status} ${response.text}`);
    return performance.now() - started;
  }

  /** Asks the DO to send `n` command frames and waits until every result is acked; resolves with ms taken. */
  async drain(n, { durable = false, timeoutMs = 120_000 } = {}) {
    this.acks = 0;
    this.commands = [];
    const started = performance.now();
    const done = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`floor drain: ${this.acks}/${n} acked after ${timeoutMs} ms`)), timeoutMs);
      this.onProgress = () => {
        if (this.acks === n) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    this.ws.send(JSON.stringify({ type: "drain", n, durable }));
    await done;
    this.onProgress = null;
    return performance.now() - started;
  }

  close() {
    this.ws?.terminate();
  }
}

/**
 * The floor's client for batch frames (the drain with `batch`): each `commands` frame is answered with one `acks` and
 * its results in `results` frames of up to `batch`, at most `window` results frames awaiting the DO's ack, as the
 * drain bench's BatchProtocolAgent does. `acks` counts results acked.
 */
export class BatchFloorClient extends FloorClient {
  constructor(origin, room, { window = 2, batch = 100 } = {}) {
    super(origin, room);
    this.batchWindow = window;
    this.batch = batch;
    this.resultFrames = new Map();
  }

  #pump() {
    while (this.resultFrames.size < this.batchWindow && this.waiting.length > 0) {
      const ids = this.waiting.splice(0, this.batch);
      const id = `r${ids[0]}-${ids.length}`;
      this.resultFrames.set(id, ids.length);
      this.ws.send(JSON.stringify({ type: "results", id, results: ids.map((command_id) => ({ command_id, outcome: { status: "done", data: { entries: [] } } })) }));
    }
  }

  async open() {
    this.ws = new WebSocket(`${this.origin.replace(/^http/, "ws")}/ws?room=${this.room}`);
    this.ws.on("message", (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === "commands") {
        for (const command of frame.commands) {
          this.commands.push(command.seq);
          this.waiting.push(command.id);
        }
        this.ws.send(JSON.stringify({ type: "acks", through_seq: frame.commands.at(-1).seq }));
        this.#pump();
      } else if (frame.type === "ack") {
        const count = this.resultFrames.get(frame.ref) ?? 0;
        this.resultFrames.delete(frame.ref);
        this.acks += count;
        this.#pump();
        this.onProgress?.();
      }
    });
    await new Promise((resolve, reject) => {
      this.ws.once("open", resolve);
      this.ws.once("error", reject);
    });
  }

  /** As FloorClient.drain, in batch frames of `batch`. */
  async drain(n, { durable = false, timeoutMs = 120_000 } = {}) {
    this.acks = 0;
    this.commands = [];
    const started = performance.now();
    const done = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`floor batch drain: ${this.acks}/${n} acked after ${timeoutMs} ms`)), timeoutMs);
      this.onProgress = () => {
        if (this.acks === n) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    this.ws.send(JSON.stringify({ type: "drain", n, durable, batch: this.batch }));
    await done;
    this.onProgress = null;
    return performance.now() - started;
  }
}

/** A durable write with nothing else: HTTP → worker → DO SQLite insert → response. Resolves with ms. */
export async function floorStore(origin, room, body) {
  const started = performance.now();
  const response = await request(origin, "POST", `/store?room=${room}`, { body });
  if (response.status !== 202) throw new Error(`floor store: ${response.status} ${response.text}`);
  return performance.now() - started;
}

/** A raw `ws` echo on loopback (server and client in this process): the network's own floor. */
export async function wsEcho({ warmup = 200, count = 2000, body = "x".repeat(200) } = {}) {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => server.once("listening", resolve));
  server.on("connection", (socket) => socket.on("message", (data) => socket.send(data)));
  const client = new WebSocket(`ws://127.0.0.1:${server.address().port}`);
  await new Promise((resolve, reject) => {
    client.once("open", resolve);
    client.once("error", reject);
  });
  let wake;
  client.on("message", () => wake());
  const samples = [];
  for (let i = 0; i < warmup + count; i++) {
    const started = performance.now();
    await new Promise((resolve) => {
      wake = resolve;
      client.send(body);
    });
    if (i >= warmup) samples.push(performance.now() - started);
  }
  client.terminate();
  await new Promise((resolve) => server.close(resolve));
  return samples;
}
