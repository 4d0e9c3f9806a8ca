import { env } from "cloudflare:workers";
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { TestClient } from "../../test/client.ts";
import { connectAgent, openAgentResponse, openBrowserSocket, pairDevice, TestSocket, TEST_CONNECTORS, userWithDevice } from "../../test/sockets.ts";
import { MAX_FRAME_BYTES, RelayToBrowserFrame } from "#protocol";
import { DispatchOutcome } from "./rpc.ts";

// Batch frames (feature "batch"): the backlog goes out as `commands` frames, the agent acks cumulatively with `acks`
// and reports with `results`, and the relay answers a `results` frame with one `ack`. Agents that do not ask for
// the feature keep single frames (queue.test.ts covers them in depth; one check here).

type View = { id: string; status: string; seq: number | null; result?: unknown };
type Batch = { id: string; seq: number }[];

async function allowAll(client: TestClient) {
  const response = await client.request("POST", "/api/permissions", { json: { target: "*", action: "*", effect: "allow" } });
  expect(response.status).toBe(201);
}

async function userIdOf(client: TestClient): Promise<string> {
  const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
  return me.user.id;
}

/** Queues `count` commands for the device straight through the relay's RPC (the API's path, without the HTTP). */
async function queue(client: TestClient, deviceId: string, count: number, pad = ""): Promise<string[]> {
  const relay = env.RELAY.getByName(await userIdOf(client));
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const parameters = pad ? { path: `~/${i}`, content: pad } : { path: `~/${i}` };
    const outcome = DispatchOutcome.parse(await relay.dispatch({ deviceId, command: { target: "filesystem", action: "list", parameters } }));
    if (!outcome.ok) throw new Error(outcome.message);
    ids.push(outcome.command.id);
  }
  return ids;
}

/** The command as the API shows it (D1), once the relay's mirror shows `until` (the mirror is a flush behind). */
async function status(client: TestClient, id: string, until?: string): Promise<View> {
  for (let tries = 0; ; tries++) {
    const body: { command: View } = await (await client.request("GET", `/api/commands/${id}`)).json();
    if (until === undefined || body.command.status === until || tries >= 50) return body.command;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An agent socket whose hello names `features`. */
async function connectBatchAgent(token: string, deviceId: string, features: string[] = ["batch"]) {
  const response = await openAgentResponse(token);
  if (!response.webSocket) throw new Error(`agent socket refused: ${response.status}`);
  const socket = new TestSocket(response.webSocket);
  socket.send({ v: 1, type: "hello", id: crypto.randomUUID(), device_id: deviceId, agent_version: "0.2.0", platform: "linux", connectors: TEST_CONNECTORS, features });
  const welcome = await socket.next("welcome");
  return { socket, welcome };
}

/** Reads `commands` frames until `count` commands have come. */
async function receive(socket: TestSocket, count: number): Promise<Batch[]> {
  const frames: Batch[] = [];
  let seen = 0;
  while (seen < count) {
    const frame = await socket.next("commands");
    const commands = frame.commands as Batch;
    frames.push(commands);
    seen += commands.length;
  }
  return frames;
}

const done = (commandId: string, data: unknown = { ok: true }) => ({ command_id: commandId, outcome: { status: "done", data }, started_at: 1, finished_at: 2 });

describe("batch frames", () => {
  it("send a backlog in frames of 100, take one cumulative ack and batched results, and tell the tabs once per batch", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await allowAll(client);
    const ids = await queue(client, deviceId, 250);
    const tab = await openBrowserSocket(client);

    const { socket, welcome } = await connectBatchAgent(token, deviceId);
    expect(welcome).toMatchObject({ pending: 250, features: ["batch"] });
    const frames = await receive(socket, 250);
    expect(frames.map((f) => f.length)).toEqual([100, 100, 50]);
    const all = frames.flat();
    expect(all.map((c) => c.id)).toEqual(ids);
    expect(all.map((c) => c.seq)).toEqual(ids.map((_, i) => i + 1));
    expect(socket.frames.filter((f) => f.type === "command")).toHaveLength(0);

    socket.send({ v: 1, type: "acks", id: "a1", through_seq: 250 });
    // One ack moved 250 commands: the tabs hear of them in frames a browser takes (at most 100 each).
    const acked: View[] = [];
    while (acked.length < 250) {
      const frame = await tab.next("command_updates");
      expect(RelayToBrowserFrame.safeParse(frame).success).toBe(true);
      acked.push(...(frame.commands as View[]));
    }
    expect(acked.every((c) => c.status === "acked")).toBe(true);
    expect(acked.map((c) => c.id)).toEqual(ids);
    expect((await status(client, ids[249] ?? "", "acked")).status).toBe("acked");

    for (let start = 0; start < 250; start += 100) {
      const id = `results-${start}`;
      socket.send({ v: 1, type: "results", id, results: ids.slice(start, start + 100).map((c) => done(c, { n: c })) });
      const ack = await socket.next("ack", (f) => f.ref === id);
      expect(ack.refused).toBeUndefined();
    }
    const finished = [];
    while (finished.length < 250) finished.push(...((await tab.next("command_updates")).commands as View[]));
    expect(finished.every((c) => c.status === "done")).toBe(true);
    expect(await status(client, ids[0] ?? "", "done")).toMatchObject({ status: "done", result: { n: ids[0] } });
    expect(await status(client, ids[249] ?? "", "done")).toMatchObject({ status: "done", result: { n: ids[249] } });
    // One frame per batch: no single `command_update` for any of these 250 commands.
    expect(tab.frames.filter((f) => f.type === "command_update")).toHaveLength(0);
    tab.close();
    socket.close();
  }, 30_000);

  it("cut a backlog of large commands into frames under the agent's frame limit, and refuse a command no frame could carry", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await allowAll(client);
    // 100 commands of 20 KB: 2 MB, which one frame of 100 could not carry (the agent's socket closes at 1 MiB).
    const ids = await queue(client, deviceId, 100, "x".repeat(20_000));
    const { socket } = await connectBatchAgent(token, deviceId);
    const frames: string[] = [];
    let seen = 0;
    while (seen < 100) {
      const frame = await socket.next("commands");
      frames.push(JSON.stringify(frame));
      seen += (frame.commands as Batch).length;
    }
    expect(frames.length).toBeGreaterThan(1);
    for (const text of frames) expect(new TextEncoder().encode(text).byteLength).toBeLessThan(MAX_FRAME_BYTES);
    socket.send({ v: 1, type: "acks", id: "a1", through_seq: 100 });
    expect((await status(client, ids[99] ?? "", "acked")).status).toBe("acked");
    expect((await status(client, ids[0] ?? "", "acked")).status).toBe("acked");

    // A command too large for any frame is refused at dispatch, in words that say what to do.
    const big = await client.request("POST", "/api/commands", {
      json: { device_id: deviceId, command: { target: "filesystem", action: "list", parameters: { path: "~", content: "x".repeat(MAX_FRAME_BYTES - 1000) } } },
    });
    expect(big.status).toBe(413);
    const relay = env.RELAY.getByName(await userIdOf(client));
    const refused = DispatchOutcome.parse(await relay.dispatch({ deviceId, command: { target: "filesystem", action: "list", parameters: { path: "~", content: "é".repeat(MAX_FRAME_BYTES / 2) } } }));
    expect(refused).toMatchObject({ ok: false, code: "payload_too_large", message: expect.stringContaining("Send less at once") });
    socket.close();
  }, 30_000);

  it("tell the tabs of a results frame whose views pass the frame limit in more than one frame, each under it", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await allowAll(client);
    const ids = await queue(client, deviceId, 100);
    const tab = await openBrowserSocket(client);
    const { socket } = await connectBatchAgent(token, deviceId);
    await receive(socket, 100);
    // A results frame just under the limit: its 100 views (each with its result, and more fields) are over it.
    const data = "y".repeat(10_250);
    const frame = { v: 1, type: "results", id: "big", results: ids.map((c) => done(c, data)) };
    expect(JSON.stringify(frame).length).toBeLessThan(MAX_FRAME_BYTES);
    socket.send(frame);
    expect((await socket.next("ack", (f) => f.ref === "big")).refused).toBeUndefined();
    const told: View[] = [];
    const sizes: number[] = [];
    while (told.length < 100) {
      const update = await tab.next("command_updates");
      sizes.push(new TextEncoder().encode(JSON.stringify(update)).byteLength);
      told.push(...(update.commands as View[]));
    }
    expect(sizes.length).toBeGreaterThan(1);
    for (const size of sizes) expect(size).toBeLessThan(MAX_FRAME_BYTES);
    expect(told.map((c) => c.id)).toEqual(ids);
    expect(told.every((c) => c.status === "done" && c.result === data)).toBe(true);
    tab.close();
    socket.close();
  }, 30_000);

  it("take a repeated cumulative ack and repeated results once: one audit line each", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await allowAll(client);
    const ids = await queue(client, deviceId, 3);
    const { socket } = await connectBatchAgent(token, deviceId);
    await receive(socket, 3);
    socket.send({ v: 1, type: "acks", id: "a1", through_seq: 2 });
    socket.send({ v: 1, type: "acks", id: "a2", through_seq: 2 });
    socket.send({ v: 1, type: "results", id: "r1", results: ids.map((c) => done(c, { first: true })) });
    await socket.next("ack", (f) => f.ref === "r1");
    socket.send({ v: 1, type: "results", id: "r2", results: ids.map((c) => done(c, { first: false })) });
    expect((await socket.next("ack", (f) => f.ref === "r2")).refused).toBeUndefined();
    expect(await status(client, ids[2] ?? "", "done")).toMatchObject({ status: "done", result: { first: true } });
    const audit: { entries: { kind: string; command_id: string | null }[] } = await (await client.request("GET", "/api/audit?limit=200")).json();
    const lines = (id: string) => audit.entries.filter((e) => e.command_id === id).map((e) => e.kind).reverse();
    expect(lines(ids[0] ?? "")).toEqual(["command.queued", "command.acked", "command.done"]);
    // The third was never acked: it went from queued straight to done.
    expect(lines(ids[2] ?? "")).toEqual(["command.queued", "command.done"]);
    socket.close();
  });

  it("bring an ack that no result follows to the audit log all the same", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await allowAll(client);
    const ids = await queue(client, deviceId, 2);
    const { socket } = await connectBatchAgent(token, deviceId);
    await receive(socket, 2);
    const logged = async (kind: string) => {
      const audit: { entries: { kind: string; command_id: string | null }[] } = await (await client.request("GET", "/api/audit?limit=200")).json();
      return audit.entries.filter((e) => e.kind === kind).flatMap((e) => (e.command_id ? [e.command_id] : []));
    };
    const until = async (kind: string) => {
      let found = await logged(kind);
      for (let tries = 0; tries < 100 && found.length < 2; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        found = await logged(kind);
      }
      return found.sort();
    };
    // Every earlier flush (the dispatches', the redelivery's) is over, so none of them carries the ack by chance.
    expect(await until("command.queued")).toEqual([...ids].sort());
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.send({ v: 1, type: "acks", id: "a1", through_seq: 2 });
    // No result follows to carry the acked state: it is flushed on its own.
    expect(await until("command.acked")).toEqual([...ids].sort());
    socket.close();
  });

  it("after losing the socket mid-batch, send the unfinished rest again and count nothing twice", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await allowAll(client);
    const ids = await queue(client, deviceId, 4);
    const first = await connectBatchAgent(token, deviceId);
    await receive(first.socket, 4);
    // Stored two, finished one; then the socket goes before anything else is said.
    first.socket.send({ v: 1, type: "acks", id: "a1", through_seq: 2 });
    expect((await status(client, ids[1] ?? "", "acked")).status).toBe("acked");
    first.socket.send({ v: 1, type: "results", id: "r1", results: [done(ids[0] ?? "", { n: 1 })] });
    await first.socket.next("ack", (f) => f.ref === "r1");
    first.socket.close();
    await first.socket.waitClosed();

    const second = await connectBatchAgent(token, deviceId);
    // Everything without a result comes again, in order, acked or not; the finished one does not.
    expect((await receive(second.socket, 3)).flat().map((c) => c.id)).toEqual(ids.slice(1));
    // The agent's outbox replays the result it had no ack for, as a single frame: taken once.
    second.socket.send({ v: 1, type: "result", id: "replay", command_id: ids[0], outcome: { status: "done", data: { n: 2 } }, started_at: 1, finished_at: 2 });
    await second.socket.next("ack", (f) => f.ref === "replay");
    second.socket.send({ v: 1, type: "acks", id: "a2", through_seq: 4 });
    second.socket.send({ v: 1, type: "results", id: "r2", results: ids.slice(1).map((c) => done(c)) });
    expect((await second.socket.next("ack", (f) => f.ref === "r2")).refused).toBeUndefined();
    for (const id of ids) expect((await status(client, id, "done")).status).toBe("done");
    expect((await status(client, ids[0] ?? "")).result).toEqual({ n: 1 });

    const audit: { entries: { kind: string; command_id: string | null }[] } = await (await client.request("GET", "/api/audit?limit=200")).json();
    const lines = (id: string) => audit.entries.filter((e) => e.command_id === id).map((e) => e.kind).reverse();
    expect(lines(ids[0] ?? "")).toEqual(["command.queued", "command.acked", "command.done"]);
    for (const id of ids.slice(1)) expect(lines(id)).toEqual(["command.queued", "command.acked", "command.done"]);
    second.socket.close();
  }, 30_000);

  it("take a results frame again after a relay restart ate its ack, and count it once", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await allowAll(client);
    const ids = await queue(client, deviceId, 3);
    const first = await connectBatchAgent(token, deviceId);
    await receive(first.socket, 3);
    first.socket.send({ v: 1, type: "results", id: "r1", results: ids.map((c) => done(c, { first: true })) });
    await first.socket.next("ack", (f) => f.ref === "r1");
    // The relay restarts; the agent never saw that ack (as far as it knows), so it keeps the results and sends them again.
    await evictDurableObject(env.RELAY.getByName(await userIdOf(client)));
    first.socket.close();
    await first.socket.waitClosed();
    const second = await connectBatchAgent(token, deviceId);
    expect(second.welcome.pending).toBe(0);
    second.socket.send({ v: 1, type: "results", id: "r1", results: ids.map((c) => done(c, { first: false })) });
    expect((await second.socket.next("ack", (f) => f.ref === "r1")).refused).toBeUndefined();
    for (const id of ids) expect(await status(client, id, "done")).toMatchObject({ status: "done", result: { first: true } });
    const audit: { entries: { kind: string; command_id: string | null }[] } = await (await client.request("GET", "/api/audit?limit=200")).json();
    for (const id of ids) expect(audit.entries.filter((e) => e.command_id === id && e.kind === "command.done")).toHaveLength(1);
    second.socket.close();
  }, 30_000);

  it("refuse an ack beyond what was sent, and name refused results by index while storing the rest", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await allowAll(client);
    const other = await pairDevice(client, "Other laptop");
    // Connected once, so its actions are known and commands can be queued for it.
    const once = await connectAgent(other.token, other.deviceId);
    once.socket.close();
    await once.socket.waitClosed();
    const [theirs] = await queue(client, other.deviceId, 1);
    const ids = await queue(client, deviceId, 2);
    const { socket } = await connectBatchAgent(token, deviceId);
    await receive(socket, 2);

    socket.send({ v: 1, type: "acks", id: "too-far", through_seq: 3 });
    expect(await socket.next("error", (f) => f.ref === "too-far")).toMatchObject({ code: "validation_failed", message: expect.stringContaining("highest seq sent on this connection is 2") });
    expect((await status(client, ids[0] ?? "")).status).toBe("queued");
    socket.send({ v: 1, type: "acks", id: "negative", through_seq: -1 });
    expect(await socket.next("error", (f) => f.ref === "negative")).toMatchObject({ code: "validation_failed" });

    socket.send({ v: 1, type: "results", id: "mixed", results: [done(ids[0] ?? ""), done("no-such-command"), done(theirs ?? ""), done(ids[1] ?? "")] });
    const ack = await socket.next("ack", (f) => f.ref === "mixed");
    expect(ack.refused).toEqual([
      { index: 1, reason: expect.stringContaining("There is no command no-such-command") },
      { index: 2, reason: expect.stringContaining("another device") },
    ]);
    expect((await status(client, ids[0] ?? "", "done")).status).toBe("done");
    expect((await status(client, ids[1] ?? "", "done")).status).toBe("done");
    // Another device's command is untouched by this agent's result.
    expect((await status(client, theirs ?? "")).status).toBe("queued");

    const tooMany = Array.from({ length: 101 }, () => done(ids[0] ?? ""));
    socket.send({ v: 1, type: "results", id: "oversize", results: tooMany });
    expect(await socket.next("error", (f) => f.ref === "oversize")).toMatchObject({ code: "validation_failed", message: expect.stringContaining("results") });
    socket.send({ v: 1, type: "results", id: "empty", results: [] });
    expect(await socket.next("error", (f) => f.ref === "empty")).toMatchObject({ code: "validation_failed" });
    socket.close();
  });

  it("send a live command to a batch agent as a commands frame of one, and single frames to an agent that did not ask", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await allowAll(client);
    const { socket } = await connectBatchAgent(token, deviceId);
    const [live] = await queue(client, deviceId, 1);
    expect(((await socket.next("commands")).commands as Batch).map((c) => c.id)).toEqual([live]);
    expect((await status(client, live ?? "")).status).toBe("sent");
    socket.close();
    await socket.waitClosed();

    const old = await connectAgent(token, deviceId);
    expect(old.welcome.features).toEqual([]);
    expect((await old.socket.next("command")).id).toBe(live);
    // Batch frames from an agent that did not ask are still taken.
    old.socket.send({ v: 1, type: "results", id: "r", results: [done(live ?? "")] });
    await old.socket.next("ack", (f) => f.ref === "r");
    expect((await status(client, live ?? "", "done")).status).toBe("done");
    old.socket.close();
  });

  it("tell of a finished batch in one notice, and of a failure in its own", async () => {
    const { client, token, deviceId } = await userWithDevice();
    await allowAll(client);
    const preferences: { rules: { kind: string; enabled: boolean }[] } = await (await client.request("GET", "/api/notifications/preferences")).json();
    const finishedRule = preferences.rules.find((r) => r.kind === "command_finished");
    const saved = await client.request("PUT", "/api/notifications/preferences", { json: { rules: [{ ...finishedRule, enabled: true }] } });
    expect(saved.status).toBe(200);
    const ids = await queue(client, deviceId, 4);
    const tab = await openBrowserSocket(client);
    const { socket } = await connectBatchAgent(token, deviceId);
    await receive(socket, 4);
    const failed = { command_id: ids[3] ?? "", outcome: { status: "failed", error: { code: "not_found", message: "No such folder." } }, started_at: 1, finished_at: 2 };
    socket.send({ v: 1, type: "results", id: "r", results: [...ids.slice(0, 3).map((c) => done(c)), failed] });
    await socket.next("ack", (f) => f.ref === "r");
    const kinds = [];
    for (let i = 0; i < 2; i++) kinds.push((await tab.next("notification")).notification as { kind: string; title: string; body: string });
    expect(kinds.map((n) => n.kind).sort()).toEqual(["command_failed", "command_finished"]);
    expect(kinds.find((n) => n.kind === "command_finished")).toMatchObject({ title: "Done: 3 commands on Test laptop", body: "3 commands finished on Test laptop: filesystem.list ×3." });
    // No third notice: the three successes were told together.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(tab.frames.filter((f) => f.type === "notification")).toHaveLength(0);
    tab.close();
    socket.close();
  });
});
