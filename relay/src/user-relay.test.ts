import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ORIGIN, TestClient } from "../../test/client.ts";

async function openRelay(client: TestClient, headers: Record<string, string> = {}) {
  const response = await exports.default.fetch(
    new Request(`${ORIGIN}/api/relay`, {
      headers: { upgrade: "websocket", origin: ORIGIN, cookie: client.cookie ?? "", ...headers },
    }),
  );
  return response;
}

/** Accepts the socket and returns a function that waits for its next JSON frame. */
function connect(response: Response) {
  const ws = response.webSocket;
  if (!ws) throw new Error(`no socket: ${response.status}`);
  ws.accept();
  const inbox: unknown[] = [];
  const waiters: ((frame: unknown) => void)[] = [];
  ws.addEventListener("message", (event) => {
    const frame: unknown = JSON.parse(String(event.data));
    const waiter = waiters.shift();
    if (waiter) waiter(frame);
    else inbox.push(frame);
  });
  const next = () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise<unknown>((resolve) => waiters.push(resolve)));
  return { ws, next };
}

describe("UserRelay socket", () => {
  it("answers ping with pong", async () => {
    const client = new TestClient();
    await client.register();
    const response = await openRelay(client);
    expect(response.status).toBe(101);
    const { ws, next } = connect(response);
    ws.send(JSON.stringify({ v: 1, type: "ping", id: "p1" }));
    expect(await next()).toEqual({ v: 1, type: "pong", id: "p1" });
    ws.close();
  });

  it("answers a bad frame with an error frame and keeps the socket open", async () => {
    const client = new TestClient();
    await client.register();
    const { ws, next } = connect(await openRelay(client));
    ws.send("{nope");
    expect(await next()).toMatchObject({ type: "error", code: "malformed_json" });
    ws.send(JSON.stringify({ v: 1, type: "launch_missiles", id: "x1" }));
    expect(await next()).toMatchObject({ type: "error", code: "unknown_frame", ref: "x1" });
    ws.send(JSON.stringify({ v: 2, type: "ping", id: "x2" }));
    expect(await next()).toMatchObject({ type: "error", code: "unsupported_version", ref: "x2" });
    ws.send(JSON.stringify({ v: 1, type: "typing", id: "x3", chat_id: 5 }));
    expect(await next()).toMatchObject({ type: "error", code: "validation_failed", ref: "x3" });
    ws.send("x".repeat(1024 * 1024 + 1));
    expect(await next()).toMatchObject({ type: "error", code: "payload_too_large" });
    ws.send(JSON.stringify({ v: 1, type: "ping", id: "still-here" }));
    expect(await next()).toEqual({ v: 1, type: "pong", id: "still-here" });
    ws.close();
  });

  it("refuses a socket without a session, before the upgrade", async () => {
    const response = await openRelay(new TestClient());
    expect(response.status).toBe(401);
    expect(response.webSocket).toBeNull();
  });

  it("refuses a socket opened from another origin", async () => {
    const client = new TestClient();
    await client.register();
    const response = await openRelay(client, { origin: "https://evil.example" });
    expect(response.status).toBe(403);
  });

  it("refuses a plain request with 426", async () => {
    const client = new TestClient();
    await client.register();
    const response = await openRelay(client, { upgrade: "" });
    expect(response.status).toBe(426);
  });
});
