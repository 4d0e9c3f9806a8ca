import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { AgentFrame, HEARTBEAT_PING, LocalAgentFrame, PROTOCOL_VERSION } from "#protocol";
import { agentHome } from "../../test/agent-home.ts";
import { FakeRelay } from "../../test/fake-relay.ts";
import { loadConfig } from "../home/config.ts";
import { loadCredentials } from "../home/credentials.ts";
import { silentLogger } from "../log.ts";
import { startAgent } from "../runtime/agent.ts";
import type { RunningAgent } from "../runtime/agent.ts";

const FAST = { minReconnectionDelay: 50, maxReconnectionDelay: 200, reconnectionJitter: 0.1, welcomeTimeout: 2_000, shutdownGrace: 1_000 };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: { token?: string; debugActionDelayMs?: number; relayToken?: string } = {}) {
  const relay = await FakeRelay.start(options.relayToken);
  cleanups.push(() => relay.close());
  const fixture = await agentHome(relay.url, options.token);
  const credentials = loadCredentials(fixture.paths.credentials);
  if (!credentials) throw new Error("no credentials");
  const start = async (): Promise<RunningAgent> => {
    const agent = await startAgent({
      paths: fixture.paths,
      credentials,
      config: loadConfig(fixture.paths.config).config,
      log: silentLogger,
      options: FAST,
      home: fixture.home,
      trash: { dataHome: join(fixture.home, ".local", "share") },
      ...(options.debugActionDelayMs ? { debugActionDelayMs: options.debugActionDelayMs } : {}),
    });
    cleanups.push(() => agent.stop());
    return agent;
  };
  return { relay, ...fixture, start };
}

const isResult = (frame: AgentFrame): frame is Extract<AgentFrame, { type: "result" }> => frame.type === "result";

describe("the relay link", () => {
  it("says hello with its connectors, then keeps the exact heartbeat", async () => {
    const { relay, start } = await setup();
    relay.heartbeatMs = 50;
    await start();
    const hello = await relay.waitFor((frame) => frame.type === "hello");
    expect(hello).toMatchObject({ device_id: "device-1", agent_version: expect.any(String) });
    expect(hello.type === "hello" && hello.connectors.map((c) => c.target)).toEqual(["filesystem", "browser", "system", "mcp"]);
    await relay.until(() => relay.heartbeats >= 3);
    expect(HEARTBEAT_PING).toBe('{"v":1,"type":"ping","id":"hb"}');
  });

  it("flushes results made while offline after reconnecting, in order, and drops them only on ack", async () => {
    const { relay, start, root } = await setup({ debugActionDelayMs: 300 });
    relay.autoAck = false;
    const agent = await start();
    await relay.waitFor((frame) => frame.type === "hello");
    for (const [i, id] of ["c1", "c2", "c3"].entries()) relay.send(relay.command(id, i + 1, "filesystem", "write", { path: `Documents/${id}.txt`, content: id }));
    await relay.until(() => relay.frames.filter((frame) => frame.type === "ack").length === 3);
    // The server goes away while the three commands are still running.
    relay.online = false;
    relay.drop();
    // Each command finishes while the server is away: its result waits in the outbox, and none was delivered.
    await relay.until(() => agent.outbox.size() === 3, 3_000);
    expect(relay.frames.filter(isResult)).toEqual([]);
    expect(["c1", "c2", "c3"].every((id) => existsSync(join(root, `${id}.txt`)))).toBe(true);

    relay.online = true;
    await relay.until(() => relay.frames.filter(isResult).length === 3, 5_000);
    const results = relay.frames.filter(isResult);
    const stored = agent.outbox.list().map((entry) => AgentFrame.parse(JSON.parse(entry.text)));
    expect(results).toEqual(stored);
    expect(results.map((r) => r.command_id).sort()).toEqual(["c1", "c2", "c3"]);
    expect(relay.connections).toBe(2);
    relay.ack(results[0]?.id ?? "");
    relay.ack(results[1]?.id ?? "");
    await relay.until(() => agent.outbox.size() === 1);
    expect(agent.outbox.list()[0]?.frameId).toBe(results[2]?.id);
    relay.ack(results[2]?.id ?? "");
    await relay.until(() => agent.outbox.size() === 0);
  });

  it("speaks batch frames: names the feature, stores a commands frame, then acks it once, cumulatively", async () => {
    const { relay, start } = await setup();
    await start();
    const hello = await relay.waitFor((frame) => frame.type === "hello");
    expect(hello.type === "hello" && hello.features).toEqual(["batch"]);
    const bodies = ["b1", "b2", "b3"].map((id, i) => {
      const { v: _v, type: _type, ...body } = relay.command(id, i + 1, "system", "info", {}, true);
      return body;
    });
    relay.send({ v: 1, type: "commands", id: "batch-1", commands: bodies });
    const acks = await relay.waitFor((frame) => frame.type === "acks");
    expect(acks).toMatchObject({ through_seq: 3 });
    await relay.until(() => relay.frames.filter(isResult).length === 3);
    expect(relay.frames.filter((frame) => frame.type === "ack")).toEqual([]);
    const first = relay.frames.filter(isResult);
    expect(first.map((r) => r.command_id).sort()).toEqual(["b1", "b2", "b3"]);
    for (const result of first) relay.ack(result.id);

    // Sent again (a lost ack): acked again, and answered from the store with the same results, not run again.
    relay.send({ v: 1, type: "commands", id: "batch-2", commands: bodies });
    await relay.until(() => relay.frames.filter((frame) => frame.type === "acks").length === 2);
    await relay.until(() => relay.frames.filter(isResult).length === 6);
    const again = relay.frames.filter(isResult).slice(3);
    expect(again.map((r) => r.id).sort()).toEqual(first.map((r) => r.id).sort());
  });

  it("sends results that finish together in one results frame to a relay that takes batches, and forgets them on its ack", async () => {
    const { relay, start } = await setup();
    relay.features = ["batch"];
    relay.autoAck = false;
    const agent = await start();
    await relay.waitFor((frame) => frame.type === "hello");
    const bodies = Array.from({ length: 5 }, (_, i) => {
      const { v: _v, type: _type, ...body } = relay.command(`r${i}`, i + 1, "system", "info", {}, true);
      return body;
    });
    relay.send({ v: 1, type: "commands", id: "batch-1", commands: bodies });
    await relay.until(() => agent.outbox.size() === 5);
    const reported = () => [
      ...relay.frames.filter(isResult).map((r) => r.command_id),
      ...relay.frames.flatMap((frame) => (frame.type === "results" ? frame.results.map((r) => r.command_id) : [])),
    ];
    await relay.until(() => reported().length === 5);
    // Five read-only commands that ran at once: each reported once, and results that finished together went together.
    expect(reported().sort()).toEqual(["r0", "r1", "r2", "r3", "r4"]);
    const batches = relay.frames.filter((frame) => frame.type === "results");
    expect(batches.some((frame) => frame.type === "results" && frame.results.length > 1)).toBe(true);
    // Nothing leaves the outbox before its ack: then every result, batched or single, is forgotten.
    expect(agent.outbox.size()).toBe(5);
    for (const frame of relay.frames) if (frame.type === "results" || frame.type === "result") relay.ack(frame.id);
    await relay.until(() => agent.outbox.size() === 0);
  });

  it("ignores malformed frames and keeps working", async () => {
    const { relay, start } = await setup();
    await start();
    await relay.waitFor((frame) => frame.type === "hello");
    relay.send("not json at all");
    relay.send(JSON.stringify({ v: 1, type: "command", id: "x" }));
    relay.send(JSON.stringify({ v: 2, type: "welcome" }));
    relay.send(relay.command("ok", 1, "system", "info", {}, true));
    const result = await relay.waitFor(isResult);
    expect(result).toMatchObject({ command_id: "ok", outcome: { status: "done" } });
    expect(relay.connections).toBe(1);
  });

  it("reconnects when the heartbeat goes unanswered", async () => {
    const { relay, start } = await setup();
    relay.heartbeatMs = 50;
    relay.answerHeartbeat = false;
    await start();
    await relay.until(() => relay.connections >= 2, 3_000);
  });

  it("stops and asks to pair again when the token is refused (401)", async () => {
    const { start } = await setup({ token: "stale-token" });
    const agent = await start();
    const message = await agent.fatal;
    expect(message).toContain("HTTP 401");
    expect(message).toContain("hearth pair --server");
    expect(agent.link.state).toBe("stopped");
  });

  it("stops and asks to pair again when the device is revoked (close 4001)", async () => {
    const { relay, start } = await setup();
    const agent = await start();
    await relay.waitFor((frame) => frame.type === "hello");
    relay.drop(4001);
    expect(await agent.fatal).toContain("revoked");
    // A reconnect would come within the longest backoff; waiting three times that long for one must time out.
    await expect(relay.until(() => relay.connections > 1, 3 * FAST.maxReconnectionDelay)).rejects.toThrow(/timed out/);
    expect(agent.link.state).toBe("stopped");
  });

  it("stops and says it was unpaired when the account is deleted (close 4002)", async () => {
    const { relay, start } = await setup();
    const agent = await start();
    await relay.waitFor((frame) => frame.type === "hello");
    relay.drop(4002);
    const message = await agent.fatal;
    expect(message).toContain("This computer was unpaired");
    expect(message).toContain("hearth pair --server");
    await expect(relay.until(() => relay.connections > 1, 3 * FAST.maxReconnectionDelay)).rejects.toThrow(/timed out/);
    expect(agent.link.state).toBe("stopped");
  });
});

describe("local commands that need approval", () => {
  async function localClient(port: number, tokenPath: string) {
    const socket = new WebSocket(`ws://127.0.0.1:${port}`);
    const inbox: LocalAgentFrame[] = [];
    socket.on("message", (data) => inbox.push(LocalAgentFrame.parse(JSON.parse(data.toString()))));
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    socket.send(JSON.stringify({ v: 1, type: "local_auth", id: "auth", token: (await readFile(tokenPath, "utf8")).trim() }));
    const next = async (type: string) => {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const found = inbox.find((frame) => frame.type === type);
        if (found) return inbox.splice(inbox.indexOf(found), 1)[0];
        if (Date.now() > deadline) throw new Error(`no ${type} frame`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await next("local_welcome");
    cleanups.push(async () => void socket.close());
    return { socket, next };
  }

  it("asks the user through the relay and runs once allowed; fails clearly while offline", async () => {
    const { relay, start, paths, root } = await setup();
    const agent = await start();
    await relay.waitFor((frame) => frame.type === "hello");
    await relay.until(() => agent.link.ready());
    const client = await localClient(agent.localPort ?? 0, paths.localToken);
    client.socket.send(JSON.stringify({ v: 1, type: "command", id: "w1", target: "filesystem", action: "write", parameters: { path: "Documents/from-local.txt", content: "hi" } }));
    const request = await relay.waitFor((frame) => frame.type === "permission_request");
    expect(request).toMatchObject({ target: "filesystem", action: "write", command_id: null, one_time: true, parameters: { path: "Documents/from-local.txt" } });
    relay.send({ v: PROTOCOL_VERSION, type: "permission_update", id: "pu", ref: request.id, decision: "allow_once" });
    expect(await client.next("result")).toMatchObject({ ref: "w1", outcome: { status: "done" } });
    expect(await readFile(join(root, "from-local.txt"), "utf8")).toBe("hi");

    relay.online = false;
    relay.drop();
    await relay.until(() => !agent.link.ready());
    client.socket.send(JSON.stringify({ v: 1, type: "command", id: "w2", target: "filesystem", action: "write", parameters: { path: "Documents/offline.txt", content: "hi" } }));
    const offline = await client.next("result");
    expect(offline).toMatchObject({ ref: "w2", outcome: { status: "failed", error: { code: "denied_locally", message: expect.stringContaining("not connected") } } });
  });

  it("queues local activity durably and sends it to the relay", async () => {
    const { relay, start, paths } = await setup();
    const agent = await start();
    await relay.until(() => agent.link.ready());
    const client = await localClient(agent.localPort ?? 0, paths.localToken);
    const event = { activity_type: "financial", timestamp: new Date().toISOString(), application: "bank", details: { amount: -12.5, currency: "EUR" } };
    client.socket.send(JSON.stringify({ v: 1, type: "activity", id: "a1", events: [event] }));
    expect(await client.next("ack")).toMatchObject({ ref: "a1" });
    const frame = await relay.waitFor((f) => f.type === "activity");
    expect(frame.type === "activity" && frame.events[0]).toMatchObject({ ...event, event_id: expect.stringMatching(/^local-/) });
    await relay.until(() => agent.outbox.size() === 0);
  });
});
