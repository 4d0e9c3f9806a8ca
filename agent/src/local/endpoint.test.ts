import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { LocalAgentFrame } from "#protocol";
import type { ActivityEvent } from "#protocol";
import { testExecutor } from "../../test/executor.ts";
import { silentLogger } from "../log.ts";
import type { ExecutorDeps } from "../runtime/executor.ts";
import type { PermissionAnswer } from "../runtime/permission-asker.ts";
import { CLOSE_UNAUTHENTICATED, LocalEndpoint } from "./endpoint.ts";

const TOKEN = "a-local-token-that-is-long-enough-000000";
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function endpoint(options: { ask?: ExecutorDeps["ask"] } = {}) {
  const fixture = await testExecutor(options);
  const activity: ActivityEvent[] = [];
  const server = new LocalEndpoint({
    port: 0,
    token: TOKEN,
    tokenPath: join(fixture.home, "local-token"),
    executor: fixture.executor,
    recordActivity: (events) => activity.push(...events),
    describe: () => ({ device_id: "device-1", connected: false, connectors: [], agent_version: "test" }),
    log: silentLogger,
  });
  const port = await server.listen();
  closers.push(() => server.close());
  return { port, activity, ...fixture };
}

/** A real WebSocket client; `frames()` waits for the next frame, `closed` settles with the close code. */
async function connect(port: number, headers: Record<string, string> = {}) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}`, { headers });
  const inbox: LocalAgentFrame[] = [];
  const wakers: (() => void)[] = [];
  socket.on("message", (data) => {
    inbox.push(LocalAgentFrame.parse(JSON.parse(data.toString())));
    wakers.splice(0).forEach((wake) => wake());
  });
  const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  closers.push(async () => void socket.close());
  const next = async (): Promise<LocalAgentFrame> => {
    while (inbox.length === 0) await new Promise<void>((resolve) => wakers.push(resolve));
    const frame = inbox.shift();
    if (!frame) throw new Error("unreachable");
    return frame;
  };
  const send = (frame: unknown) => socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  return { socket, next, send, closed };
}

/** The HTTP status an upgrade gets, for refusals that happen before any WebSocket exists. */
function upgradeStatus(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", ...headers } });
    req.on("response", (response) => resolve(response.statusCode ?? 0));
    req.on("upgrade", (response, socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the local endpoint", () => {
  it("welcomes the right token and then runs commands through the local permission store", async () => {
    const { port, root } = await endpoint();
    const client = await connect(port);
    client.send({ v: 1, type: "local_auth", id: "a", token: TOKEN, client: "test" });
    expect(await client.next()).toMatchObject({ type: "local_welcome", ref: "a", device_id: "device-1", connected: false });
    client.send({ v: 1, type: "command", id: "c1", target: "filesystem", action: "list", parameters: { path: root } });
    expect(await client.next()).toMatchObject({ type: "result", ref: "c1", outcome: { status: "done", data: { path: "~/Documents" } } });
    client.send({ v: 1, type: "command", id: "c2", target: "shell", action: "run", parameters: { program: "ls" } });
    expect(await client.next()).toMatchObject({ type: "result", ref: "c2", outcome: { status: "failed", error: { code: "unknown_action" } } });
  });

  it("refuses a wrong token with an error frame and closes the socket", async () => {
    const { port } = await endpoint();
    const client = await connect(port);
    client.send({ v: 1, type: "local_auth", id: "a", token: "guess" });
    expect(await client.next()).toMatchObject({ type: "error", code: "unauthenticated", ref: "a" });
    expect(await client.closed).toBe(CLOSE_UNAUTHENTICATED);
  });

  it("refuses commands before authentication", async () => {
    const { port } = await endpoint();
    const client = await connect(port);
    client.send({ v: 1, type: "command", id: "c", target: "system", action: "info", parameters: {} });
    expect(await client.next()).toMatchObject({ type: "error", code: "unauthenticated", message: expect.stringContaining("local_auth") });
  });

  it("refuses browser pages by Origin, allows extensions, and refuses a foreign Host", async () => {
    const { port } = await endpoint();
    expect(await upgradeStatus(port, { origin: "https://evil.example" })).toBe(403);
    expect(await upgradeStatus(port, { origin: "http://localhost:3000" })).toBe(403);
    expect(await upgradeStatus(port, { origin: "null" })).toBe(403);
    expect(await upgradeStatus(port, { host: `attacker.example:${port}` })).toBe(403);
    expect(await upgradeStatus(port, { origin: "chrome-extension://abcdefghijklmnop" })).toBe(101);
    expect(await upgradeStatus(port, { origin: "moz-extension://0b1c2d3e-aaaa-bbbb" })).toBe(101);
    expect(await upgradeStatus(port, {})).toBe(101);
  });

  it("survives malformed frames: an error frame each, and the socket stays open", async () => {
    const { port } = await endpoint();
    const client = await connect(port);
    client.send({ v: 1, type: "local_auth", id: "a", token: TOKEN });
    await client.next();
    client.send("{not json");
    expect(await client.next()).toMatchObject({ type: "error", code: "malformed_json" });
    client.send({ v: 1, type: "teleport", id: "t" });
    expect(await client.next()).toMatchObject({ type: "error", code: "unknown_frame", ref: "t" });
    client.send({ v: 1, type: "command", id: "c", target: "Filesystem!", action: "list" });
    expect(await client.next()).toMatchObject({ type: "error", code: "validation_failed", ref: "c" });
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await client.next()).toMatchObject({ type: "error", code: "bad_request" });
    client.send({ v: 1, type: "ping", id: "p" });
    expect(await client.next()).toMatchObject({ type: "pong", ref: "p" });
  });

  it("acks activity once it is handed to the durable outbox, assigning ids where missing", async () => {
    const { port, activity } = await endpoint();
    const client = await connect(port);
    client.send({ v: 1, type: "local_auth", id: "a", token: TOKEN });
    await client.next();
    const event = { activity_type: "job", timestamp: "2026-11-25T10:00:00Z", application: "linkedin", details: { company: "Acme" } };
    client.send({ v: 1, type: "activity", id: "act", events: [event, { ...event, event_id: "mine" }] });
    expect(await client.next()).toMatchObject({ type: "ack", ref: "act" });
    expect(activity).toEqual([{ ...event, event_id: expect.stringMatching(/^local-/) }, { ...event, event_id: "mine" }]);
  });

  it("refuses, with each reason, activity the server would drop, and takes none of that frame", async () => {
    const { port, activity } = await endpoint();
    const client = await connect(port);
    client.send({ v: 1, type: "local_auth", id: "a", token: TOKEN });
    await client.next();
    const at = { timestamp: "2026-11-25T10:00:00Z", application: "browser" };
    // The design's own event (no currency), a lower-case currency, and a job with a status the server does not know.
    const events = [
      { ...at, activity_type: "financial", details: { site: "amazon.com", amount: 49.99, category: "electronics" } },
      { ...at, activity_type: "financial", details: { amount: -3, currency: "usd" } },
      { ...at, activity_type: "job", details: { company: "Acme", status: "hired" } },
      { ...at, activity_type: "financial", details: { amount: -3, currency: "USD" } },
    ];
    client.send({ v: 1, type: "activity", id: "act", events });
    const refusal = await client.next();
    expect(refusal).toMatchObject({
      type: "error",
      code: "validation_failed",
      ref: "act",
      refused: [
        { index: 0, reason: expect.stringContaining("currency") },
        { index: 1, reason: expect.stringContaining("3-letter ISO code") },
        { index: 2, reason: expect.stringContaining("status") },
      ],
    });
    expect(activity).toEqual([]);
    client.send({ v: 1, type: "activity", id: "act-2", events: [events[3]] });
    expect(await client.next()).toMatchObject({ type: "ack", ref: "act-2" });
    expect(activity).toHaveLength(1);
  });

  it("takes the token as a bearer header on the upgrade, and refuses a wrong one before any socket exists", async () => {
    const { port } = await endpoint();
    expect(await upgradeStatus(port, { authorization: "Bearer guess" })).toBe(401);
    expect(await upgradeStatus(port, { authorization: TOKEN })).toBe(401);
    const client = await connect(port, { authorization: `Bearer ${TOKEN}` });
    client.send({ v: 1, type: "ping", id: "p" });
    expect(await client.next()).toMatchObject({ type: "pong", ref: "p" });
  });

  it("asks the user about a local command quoting the name the program gave itself, without its controls and cut short", async () => {
    const questions: string[] = [];
    const { port, root } = await endpoint({ ask: async (question) => (questions.push(question.context), { ok: false, reason: "timeout" }) });
    const client = await connect(port);
    client.send({ v: 1, type: "local_auth", id: "a", token: TOKEN, client: `Hearth web app\u001b[2K\r\u202e${"x".repeat(50)}` });
    await client.next();
    client.send({ v: 1, type: "command", id: "c1", target: "filesystem", action: "write", parameters: { path: join(root, "a.txt"), content: "x" } });
    expect(await client.next()).toMatchObject({ type: "permission_request", context: expect.stringMatching(/^A local program calling itself "Hearth web app\[2K/) });
    expect(await client.next()).toMatchObject({ type: "result", ref: "c1" });
    const name = /calling itself "([^"]*)"/.exec(questions[0] ?? "")?.[1] ?? "";
    expect(name).toBe(`Hearth web app[2K${"x".repeat(43)}`);
    expect(questions[0]).toMatch(/^A local program calling itself ".*" asks to run filesystem\.write on .*a\.txt\.$/);
  });

  it("takes back a command that waits for the user's answer: it fails as cancelled, is audited so, and a late approval runs nothing", async () => {
    let approveLater: ((answer: PermissionAnswer) => void) | undefined;
    let asked: AbortSignal | undefined;
    // This asker ignores the withdrawal on purpose, like an answer already on its way: the executor must still run nothing.
    const { port, root, auditPath } = await endpoint({ ask: (_question, signal) => new Promise((resolve) => ((approveLater = resolve), (asked = signal))) });
    const client = await connect(port);
    client.send({ v: 1, type: "local_auth", id: "a", token: TOKEN, client: "test-client" });
    await client.next();
    const target = join(root, "late.txt");
    client.send({ v: 1, type: "command", id: "c1", target: "filesystem", action: "write", parameters: { path: target, content: "x" } });
    expect(await client.next()).toMatchObject({ type: "permission_request", ref: "c1", target: "filesystem", action: "write", scope: expect.stringContaining("late.txt") });
    client.send({ v: 1, type: "cancel", id: "x1", ref: "c1" });
    const ended = await client.next();
    expect(ended).toMatchObject({ type: "result", ref: "c1", outcome: { status: "failed", error: { code: "permission_denied", message: expect.stringContaining("cancelled by test-client before you answered") } } });
    expect(asked?.aborted).toBe(true);

    approveLater?.({ ok: true, decision: "allow_always" });
    // A ping's answer comes after anything the late approval could have set off on this connection.
    client.send({ v: 1, type: "ping", id: "p" });
    expect(await client.next()).toMatchObject({ type: "pong", ref: "p" });
    expect(existsSync(target)).toBe(false);
    const lines = (await readFile(auditPath, "utf8")).trim().split("\n").map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.action, line.decision, line.outcome])).toEqual([["write", "ask:cancelled", "failed:permission_denied"]]);

    // Ended, or never sent: nothing to cancel, and an error says so.
    client.send({ v: 1, type: "cancel", id: "x2", ref: "c1" });
    expect(await client.next()).toMatchObject({ type: "error", code: "not_found", ref: "x2", message: expect.stringContaining("not in progress") });
    client.send({ v: 1, type: "cancel", id: "x3", ref: "never-sent" });
    expect(await client.next()).toMatchObject({ type: "error", code: "not_found", ref: "x3" });
  });

  it("leaves a command that is not waiting for an answer alone: the cancel gets an error, the command its result", async () => {
    const { port, root } = await endpoint();
    const client = await connect(port);
    client.send({ v: 1, type: "local_auth", id: "a", token: TOKEN });
    await client.next();
    // Reading a named pipe blocks until something writes to it: a read that needs no approval, held running.
    const pipe = join(root, "pipe");
    execFileSync("mkfifo", [pipe]);
    client.send({ v: 1, type: "command", id: "c1", target: "filesystem", action: "read", parameters: { path: pipe } });
    client.send({ v: 1, type: "cancel", id: "x1", ref: "c1" });
    expect(await client.next()).toMatchObject({ type: "error", code: "conflict", ref: "x1", message: expect.stringContaining("not waiting for the user's answer") });
    await writeFile(pipe, "still read");
    expect(await client.next()).toMatchObject({ type: "result", ref: "c1", outcome: { status: "done" } });
  });
});
