import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { errorOf } from "../../test/client.ts";
import type { TestClient } from "../../test/client.ts";
import { connectAgent, openBrowserSocket, userWithDevice } from "../../test/sockets.ts";
import type { TestSocket } from "../../test/sockets.ts";
import { HEARTBEAT_PING, HEARTBEAT_PONG, QUEUE_LIMIT_PER_DEVICE } from "#protocol";
import { DispatchOutcome } from "./rpc.ts";
import type { UserRelay } from "./user-relay.ts";

type View = { id: string; status: string; seq: number | null; error?: { code: string } };

/** Lets every command through the permission gate, so these tests are about the queue. */
async function allowAll(client: TestClient) {
  const response = await client.request("POST", "/api/permissions", { json: { target: "*", action: "*", effect: "allow" } });
  expect(response.status).toBe(201);
}

async function dispatch(client: TestClient, deviceId: string, path: string, extra: Record<string, unknown> = {}): Promise<View> {
  const response = await client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target: "filesystem", action: "list", parameters: { path } }, ...extra } });
  expect(response.status).toBe(202);
  const body: { command: View } = await response.json();
  return body.command;
}

async function commandRecord(client: TestClient, id: string): Promise<View> {
  const body: { command: View } = await (await client.request("GET", `/api/commands/${id}`)).json();
  return body.command;
}

function relayStub(userId: string) {
  return env.RELAY.getByName(userId);
}

async function userIdOf(client: TestClient): Promise<string> {
  const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
  return me.user.id;
}

async function result(agent: TestSocket, commandId: string, data: unknown = { ok: true }) {
  const id = crypto.randomUUID();
  agent.send({ v: 1, type: "result", id, command_id: commandId, outcome: { status: "done", data }, started_at: Date.now(), finished_at: Date.now() });
  await agent.next("ack", (f) => f.ref === id);
}

describe("the durable command queue", () => {
  it("delivers commands queued while the agent was offline, in order, with sequence numbers", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await allowAll(client);

    const queued = [];
    for (let i = 0; i < 5; i++) queued.push(await dispatch(client, deviceId, `~/folder-${i}`));
    expect(queued.map((c) => c.status)).toEqual(["queued", "queued", "queued", "queued", "queued"]);

    const { socket, welcome } = await connectAgent(token, deviceId);
    expect(welcome.pending).toBe(5);
    const delivered = [];
    for (let i = 0; i < 5; i++) delivered.push(await socket.next("command"));
    expect(delivered.map((f) => f.id)).toEqual(queued.map((c) => c.id));
    expect(delivered.map((f) => f.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(delivered[0]).toMatchObject({ read_only: true, command: { target: "filesystem", action: "list", parameters: { path: "~/folder-0" } }, approval: { kind: "always" } });
    expect((await commandRecord(client, queued[0]!.id)).status).toBe("sent");
    socket.close();
  });

  it("sends a backlog longer than one chunk in order, and a command dispatched meanwhile after it", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await allowAll(client);
    const backlog = 250;
    const userId = await userIdOf(client);
    // Queue the backlog straight through the relay's RPC: the same path as the API, without 250 HTTP round trips.
    const relay = env.RELAY.getByName(userId);
    const ids: string[] = [];
    for (let i = 0; i < backlog; i++) {
      const answer = await relay.dispatch({ deviceId, command: { target: "filesystem", action: "list", parameters: { path: `~/${i}` } } });
      const outcome = DispatchOutcome.parse(answer);
      if (!outcome.ok) throw new Error(outcome.message);
      ids.push(outcome.command.id);
    }

    const { socket, welcome } = await connectAgent(token, deviceId);
    expect(welcome.pending).toBe(backlog);
    const late = await dispatch(client, deviceId, "~/late");
    const seen = [];
    for (let i = 0; i <= backlog; i++) seen.push(await socket.next("command"));
    expect(seen.map((f) => f.id)).toEqual([...ids, late.id]);
    expect(seen.map((f) => f.seq)).toEqual(Array.from({ length: backlog + 1 }, (_, i) => i + 1));
    socket.close();
    // 250 dispatches and deliveries: about 2 s on a quiet machine, more on a busy one. The test is about order.
  }, 30_000);

  it("redelivers everything without a result after a reconnect, and never a finished command", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await allowAll(client);
    const { socket } = await connectAgent(token, deviceId);
    const a = await dispatch(client, deviceId, "~/a");
    const b = await dispatch(client, deviceId, "~/b");
    const c = await dispatch(client, deviceId, "~/c");
    for (const id of [a.id, b.id, c.id]) {
      await socket.next("command", (f) => f.id === id);
      socket.send({ v: 1, type: "ack", id: crypto.randomUUID(), ref: id });
    }
    await result(socket, a.id);
    socket.close();
    await socket.waitClosed();

    const again = await connectAgent(token, deviceId);
    expect(again.welcome.pending).toBe(2);
    const redelivered = [await again.socket.next("command"), await again.socket.next("command")];
    expect(redelivered.map((f) => [f.id, f.seq])).toEqual([
      [b.id, 2],
      [c.id, 3],
    ]);
    expect((await commandRecord(client, a.id)).status).toBe("done");
    expect((await commandRecord(client, b.id)).status).toBe("acked");
    again.socket.close();
  });

  it("takes a repeated result once: one state change, one audit line", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await allowAll(client);
    const { socket } = await connectAgent(token, deviceId);
    const browser = await openBrowserSocket(client);
    const cmd = await dispatch(client, deviceId, "~/once");
    await socket.next("command");
    await result(socket, cmd.id, { entries: ["a.txt"] });
    await result(socket, cmd.id, { entries: ["DIFFERENT"] }); // a redelivered result after a lost ack
    const record = await commandRecord(client, cmd.id);
    expect(record).toMatchObject({ status: "done", result: { entries: ["a.txt"] } });

    await browser.next("command_update", (f) => (f.command as View).status === "done");
    const audit: { entries: { kind: string; command_id: string | null }[] } = await (await client.request("GET", "/api/audit?limit=200")).json();
    expect(audit.entries.filter((e) => e.command_id === cmd.id && e.kind === "command.done")).toHaveLength(1);
    expect(audit.entries.filter((e) => e.command_id === cmd.id).map((e) => e.kind).reverse()).toEqual(["command.queued", "command.sent", "command.done"]);
    browser.close();
    socket.close();
  });

  it("expires a command that misses its deadline, and tells the browsers", async () => {
    const { client, deviceId, token } = await userWithDevice();
    await allowAll(client);
    const browser = await openBrowserSocket(client);
    const cmd = await dispatch(client, deviceId, "~/late", { deadline_ms: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // The alarm may already have fired on its own; if not, run it now.
    await runDurableObjectAlarm(relayStub(await userIdOf(client)));
    expect(await commandRecord(client, cmd.id)).toMatchObject({ status: "expired", error: { code: "expired" } });
    await browser.next("command_update", (f) => (f.command as View).status === "expired");

    // It is not delivered when the agent comes back, and a late result changes nothing.
    const { socket, welcome } = await connectAgent(token, deviceId);
    expect(welcome.pending).toBe(0);
    await result(socket, cmd.id);
    expect((await commandRecord(client, cmd.id)).status).toBe("expired");
    browser.close();
    socket.close();
  });

  it("refuses dispatch past the bound with a clear error, and keeps what it accepted", async () => {
    const { client, deviceId } = await userWithDevice();
    await allowAll(client);
    const userId = await userIdOf(client);
    // Fill the queue directly; dispatching 1,000 commands one by one would only make this test slow.
    await runInDurableObject(relayStub(userId), (relay: UserRelay) => {
      const now = Date.now();
      for (let i = 0; i < QUEUE_LIMIT_PER_DEVICE; i++) {
        relay.commands.insert({
          id: `filler-${i}`,
          deviceId,
          status: "queued",
          command: { target: "filesystem", action: "list", parameters: { path: `~/${i}` } },
          readOnly: true,
          approval: { permission_id: null, kind: "always", expires_at: null },
          requestId: null,
          deadlineAt: now + 600_000,
          createdAt: now,
          retryOf: null,
        });
      }
    });
    const refused = await client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target: "filesystem", action: "list", parameters: {} } } });
    expect(refused.status).toBe(429);
    expect(await errorOf(refused)).toMatchObject({ code: "queue_full", message: expect.stringContaining("1000 commands waiting") });
    const open = await runInDurableObject(relayStub(userId), (relay: UserRelay) => relay.commands.countOpen(deviceId));
    expect(open).toBe(QUEUE_LIMIT_PER_DEVICE);
  });

  it("keeps the queue through a relay restart", async () => {
    const { client, deviceId, token } = await userWithDevice();
    await allowAll(client);
    const cmd = await dispatch(client, deviceId, "~/survives");
    await evictDurableObject(relayStub(await userIdOf(client)));
    const { socket, welcome } = await connectAgent(token, deviceId);
    expect(welcome.pending).toBe(1);
    expect((await socket.next("command")).id).toBe(cmd.id);
    socket.close();
  });
});

describe("agent sockets", () => {
  it("answer the heartbeat, refuse frames before hello, and survive bad frames", async () => {
    const { token, deviceId } = await userWithDevice();
    const { socket } = await connectAgent(token, deviceId);
    socket.send(HEARTBEAT_PING);
    await socket.next("pong", (f) => f.id === "hb");
    expect(HEARTBEAT_PONG).toContain('"pong"');
    socket.send("{broken");
    expect(await socket.next("error")).toMatchObject({ code: "malformed_json" });
    socket.send({ v: 1, type: "result", id: "r1", command_id: "x", outcome: { status: "maybe" }, finished_at: 1 });
    expect(await socket.next("error")).toMatchObject({ code: "validation_failed", ref: "r1" });
    socket.send({ v: 1, type: "ping", id: "alive" });
    await socket.next("pong", (f) => f.id === "alive");
    socket.close();
  });

  it("needs hello before anything else", async () => {
    const { client, token } = await userWithDevice();
    const { openAgentResponse, TestSocket } = await import("../../test/sockets.ts");
    const response = await openAgentResponse(token);
    if (!response.webSocket) throw new Error("refused");
    const socket = new TestSocket(response.webSocket);
    socket.send({ v: 1, type: "ack", id: "a1", ref: "whatever" });
    expect(await socket.next("error")).toMatchObject({ code: "not_ready", ref: "a1" });
    socket.send({ v: 1, type: "hello", id: "h", device_id: "someone-else", agent_version: "1", platform: "linux", connectors: [] });
    expect(await socket.next("error")).toMatchObject({ code: "validation_failed", ref: "h" });
    socket.close();
    expect(client.cookie).toBeDefined();
  });

  it("show devices online and offline to the user's browsers", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const browser = await openBrowserSocket(client);
    expect(await browser.next("agent_status")).toMatchObject({ device: { id: deviceId, status: "offline" } });
    const { socket } = await connectAgent(token, deviceId);
    await browser.next("agent_status", (f) => (f.device as { status: string }).status === "online");
    const devices: { devices: { status: string }[] } = await (await client.request("GET", "/api/devices")).json();
    expect(devices.devices[0]?.status).toBe("online");
    socket.close();
    await browser.next("agent_status", (f) => (f.device as { status: string; last_seen_at: number }).status === "offline");
    browser.close();
  });

  it("close at once when the device is revoked, and fail what it still owed", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await allowAll(client);
    const { socket } = await connectAgent(token, deviceId);
    const cmd = await dispatch(client, deviceId, "~/pending");
    await socket.next("command");
    expect((await client.request("DELETE", `/api/devices/${deviceId}`)).status).toBe(200);
    expect((await socket.waitClosed()).code).toBe(4001);
    expect(await commandRecord(client, cmd.id)).toMatchObject({ status: "failed", error: { code: "device_revoked" } });
    const devices: { devices: { status: string }[] } = await (await client.request("GET", "/api/devices")).json();
    expect(devices.devices[0]?.status).toBe("revoked");
    // The relay knew the device before; after the revoke it refuses new commands for it.
    const refused = await client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target: "filesystem", action: "list", parameters: { path: "~" } } } });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: "device_revoked", field: "device_id" } });
  });
});
