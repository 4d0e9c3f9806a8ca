import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DeviceView } from "#protocol";
import type { LocalAuditEntry } from "#protocol";
import { errorOf } from "../../test/client.ts";
import type { TestClient } from "../../test/client.ts";
import { FILES_CONNECTOR, FILES_SERVER, MCP_CONNECTOR, PENDING_SERVER } from "../../test/mcp.ts";
import { TEST_CONNECTORS, connectAgent, openBrowserSocket, userWithDevice } from "../../test/sockets.ts";
import type { TestSocket } from "../../test/sockets.ts";
import { SseReader } from "../../test/sse.ts";

// The relay's side of MCP connectors (issue 18): what the agent reports of its MCP servers reaches the device page,
// a `connectors` frame changes what can be dispatched at once, and local clients' commands land in the audit log
// once each.

const Devices = z.object({ devices: z.array(DeviceView) });
const Audit = z.object({ entries: z.array(z.object({ kind: z.string(), at: z.number(), device_id: z.string().nullable(), command_id: z.string().nullable(), summary: z.string(), detail: z.unknown() })) });

async function devices(client: TestClient) {
  return Devices.parse(await (await client.request("GET", "/api/devices")).json()).devices;
}

async function dispatch(client: TestClient, deviceId: string, target: string, action: string, parameters: Record<string, unknown>) {
  return client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target, action, parameters } } });
}

/** Sends a `connectors` frame and waits for its ack. */
async function sendConnectors(agent: TestSocket, body: { connectors: unknown[]; mcp_servers?: unknown[]; limits?: unknown }) {
  const id = crypto.randomUUID();
  agent.send({ v: 1, type: "connectors", id, ...body });
  return agent.next("ack", (f) => f.ref === id);
}

async function localLines(client: TestClient) {
  const audit = Audit.parse(await (await client.request("GET", "/api/audit?limit=200")).json());
  return audit.entries.filter((e) => e.kind === "local_command");
}

/** Waits until the audit log has `count` local lines (the relay copies them to D1 just after its ack). */
async function untilLocalLines(client: TestClient, count: number) {
  let lines = await localLines(client);
  for (let tries = 0; tries < 100 && lines.length < count; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    lines = await localLines(client);
  }
  return lines;
}

const entry = (id: string, extra: Partial<LocalAuditEntry> = {}): LocalAuditEntry => ({
  entry_id: id,
  at: Date.now() - 60_000,
  client: "claude-desktop (MCP)",
  target: "filesystem",
  action: "read",
  scope: "~/notes.txt",
  decision: "allow",
  outcome: "done",
  ...extra,
});

describe("MCP servers on the device page", () => {
  it("shows the servers the agent named in hello, and none for an agent without the bridge", async () => {
    const { client, token, deviceId } = await userWithDevice();
    expect((await devices(client))[0]?.mcp_servers).toEqual([]);

    const { socket } = await connectAgent(token, deviceId, { connectors: [...TEST_CONNECTORS, FILES_CONNECTOR, MCP_CONNECTOR], mcp_servers: [FILES_SERVER, PENDING_SERVER] });
    const [device] = await devices(client);
    expect(device?.mcp_servers).toEqual([FILES_SERVER, PENDING_SERVER]);
    expect(device?.connectors.find((c) => c.target === "files")?.actions.map((a) => a.mcp_tool)).toEqual(["read_file", "list-allowed-directories"]);
    socket.close();
  });
});

describe("a connectors frame", () => {
  it("changes what can be dispatched at once, tells the tabs, and is acked", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket: agent } = await connectAgent(token, deviceId);
    const browser = await openBrowserSocket(client);
    await browser.next("agent_status");

    // Before the server starts, its tool is not an action of the device.
    const before = await dispatch(client, deviceId, "files", "read_file", { path: "~/notes.txt" });
    expect(await errorOf(before)).toMatchObject({ code: "unknown_action" });

    await sendConnectors(agent, { connectors: [...TEST_CONNECTORS, FILES_CONNECTOR], mcp_servers: [FILES_SERVER] });
    const status = await browser.next("agent_status", (f) => DeviceView.parse(z.object({ device: z.unknown() }).parse(f).device).mcp_servers.length > 0);
    const shown = DeviceView.parse(z.object({ device: z.unknown() }).parse(status).device);
    expect(shown).toMatchObject({ id: deviceId, status: "online", mcp_servers: [FILES_SERVER] });
    expect(shown.connectors.map((c) => c.target)).toEqual(["filesystem", "files"]);

    // The relay's cached row was dropped: the new action is dispatched (and, having effects, asks first).
    const accepted = await dispatch(client, deviceId, "files", "read_file", { path: "~/notes.txt" });
    expect(accepted.status).toBe(202);
    const prompt = await browser.next("permission_prompt");
    expect(prompt).toMatchObject({ request: { target: "files", action: "read_file" } });

    // The server crashed: its tools are gone from the offer, and a dispatch of one is refused.
    const crashed = { ...FILES_SERVER, state: "restarting", error: "exited with code 1", restarts: 1, next_retry_at: Date.now() + 1000 };
    await sendConnectors(agent, { connectors: TEST_CONNECTORS, mcp_servers: [crashed] });
    await browser.next("agent_status", (f) => JSON.stringify(f).includes('"restarting"'));
    const refused = await dispatch(client, deviceId, "files", "read_file", { path: "~/notes.txt" });
    expect(refused.status).toBe(400);
    expect(await errorOf(refused)).toMatchObject({ code: "unknown_action", message: expect.stringContaining("does not offer files.read_file") });
    expect((await devices(client))[0]?.mcp_servers).toEqual([crashed]);
    browser.close();
    agent.close();
  });

  // (Local D1 answers in order anyway, so this shows what the user sees, not the ordering of writes that guards it.)
  it("sent several at once are each acked, and the last one stands", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket: agent } = await connectAgent(token, deviceId);
    const ids = Array.from({ length: 6 }, (_, i) => `burst-${i}`);
    for (const [i, id] of ids.entries()) agent.send({ v: 1, type: "connectors", id, connectors: TEST_CONNECTORS, mcp_servers: [{ ...FILES_SERVER, restarts: i, tools: [] }] });
    for (const id of ids) await agent.next("ack", (f) => f.ref === id);
    expect((await devices(client))[0]?.mcp_servers.map((server) => server.restarts)).toEqual([5]);
    agent.close();
  });

  it("from a device revoked meanwhile changes nothing, and the agent is told it is revoked", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket: agent } = await connectAgent(token, deviceId);
    // The window the revoke path leaves: D1 says revoked, the relay has not been told yet.
    await env.DB.prepare("UPDATE devices SET revoked_at = ? WHERE id = ?").bind(Date.now(), deviceId).run();
    agent.send({ v: 1, type: "connectors", id: "late", connectors: [...TEST_CONNECTORS, FILES_CONNECTOR], mcp_servers: [FILES_SERVER] });
    expect((await agent.waitClosed()).code).toBe(4001);
    expect(agent.frames.find((f) => f.type === "ack" && f.ref === "late")).toBeUndefined();
    const [device] = await devices(client);
    expect(device).toMatchObject({ status: "revoked", mcp_servers: [] });
    expect(device?.connectors.map((c) => c.target)).toEqual(["filesystem"]);
  });

  it("that is malformed is refused by reference, and the offer stays as it was", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket: agent } = await connectAgent(token, deviceId, { connectors: [...TEST_CONNECTORS, FILES_CONNECTOR], mcp_servers: [FILES_SERVER] });
    agent.send({ v: 1, type: "connectors", id: "bad", connectors: TEST_CONNECTORS, mcp_servers: [{ ...FILES_SERVER, state: "dancing" }] });
    expect(await agent.next("error", (f) => f.ref === "bad")).toMatchObject({ code: "validation_failed" });
    expect((await devices(client))[0]?.mcp_servers).toEqual([FILES_SERVER]);
    agent.close();
  });
});

describe("an audit frame", () => {
  it("puts each local client's command in the audit log once, even when the agent sends it again after a reconnect", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const first = await connectAgent(token, deviceId);
    const entries = [entry("e1"), entry("e2", { action: "write", scope: "~/x.txt", decision: "ask:allow_once", outcome: "failed:outside_roots" })];
    first.socket.send({ v: 1, type: "audit", id: "a1", entries });
    expect((await first.socket.next("ack", (f) => f.ref === "a1")).refused).toBeUndefined();
    expect(await untilLocalLines(client, 2)).toHaveLength(2);

    // The ack was lost with the socket: the agent's outbox sends the same entries again, with a new one after them.
    first.socket.close();
    await first.socket.waitClosed();
    const { socket } = await connectAgent(token, deviceId);
    socket.send({ v: 1, type: "audit", id: "a1", entries });
    await socket.next("ack", (f) => f.ref === "a1");
    socket.send({ v: 1, type: "audit", id: "a2", entries: [entry("e3", { client: "goose\n(MCP)", scope: null, action: "list" }), entry("e4", { target: "shell", action: "run", scope: "rm", decision: "deny:local rule", outcome: "failed:denied_locally" })] });
    await socket.next("ack", (f) => f.ref === "a2");
    const lines = await untilLocalLines(client, 4);
    // The new lines are in, so the resent frame's flush ran before them: still one line per entry.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await localLines(client)).toHaveLength(4);

    expect(lines.map((line) => line.summary)).toEqual([
      "claude-desktop (MCP) was refused shell.run on rm (deny:local rule)",
      "goose (MCP) ran filesystem.list: done",
      "claude-desktop (MCP) ran filesystem.write on ~/x.txt: failed (outside_roots), ask:allow_once",
      "claude-desktop (MCP) ran filesystem.read on ~/notes.txt: done",
    ]);
    const last = lines[3];
    expect(last).toMatchObject({ device_id: deviceId, command_id: null, at: entries[0]?.at, detail: entries[0] });
    socket.close();
  });

  it("refuses a malformed entry by index and stores the rest", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket } = await connectAgent(token, deviceId);
    socket.send({ v: 1, type: "audit", id: "mixed", entries: [entry("ok"), { ...entry("bad"), target: "Not A Name" }] });
    const error = await socket.next("error", (f) => f.ref === "mixed");
    expect(error).toMatchObject({ code: "validation_failed", message: expect.stringContaining("1 of 2 audit entries were refused (#1: Not a local audit entry (target:") });
    const ack = await socket.next("ack", (f) => f.ref === "mixed");
    expect(ack.refused).toEqual([{ index: 1, reason: expect.stringContaining("target") }]);
    const lines = await untilLocalLines(client, 1);
    expect(lines.map((line) => z.object({ entry_id: z.string() }).parse(line.detail).entry_id)).toEqual(["ok"]);
    socket.close();
  });
});

describe("a bridged tool in the chat, without a model", () => {
  async function ask(client: TestClient, content: string) {
    const chat: { chat: { id: string } } = await (await client.request("POST", "/api/chats", { json: {} })).json();
    const response = await client.request("POST", `/api/chats/${chat.chat.id}/messages`, { json: { content } });
    expect(response.status).toBe(200);
    return new SseReader(response);
  }

  it("goes through the permission gate like any action: asked about, then run once allowed", async () => {
    const { client, token, deviceId } = await userWithDevice();
    const { socket: agent } = await connectAgent(token, deviceId, { connectors: [...TEST_CONNECTORS, FILES_CONNECTOR, MCP_CONNECTOR], mcp_servers: [FILES_SERVER] });

    // No rule covers it and it has effects: the turn asks first, and nothing reaches the agent.
    const asked = await ask(client, '/tool files.read_file {"path": "~/notes.txt"}');
    const permission = await asked.until("permission");
    expect(JSON.stringify(permission.data)).toContain("files");
    expect(agent.frames.filter((f) => f.type === "command")).toEqual([]);

    // With a rule that allows it, it runs at once, and its result is quoted back.
    expect((await client.request("POST", "/api/permissions", { json: { target: "files", action: "read_file", effect: "allow" } })).status).toBe(201);
    const stream = await ask(client, '/tool files.read_file {"path": "~/notes.txt"}');
    const command = await agent.next("command");
    expect(command.command).toEqual({ target: "files", action: "read_file", parameters: { path: "~/notes.txt" } });
    agent.send({ v: 1, type: "result", id: crypto.randomUUID(), command_id: command.id, outcome: { status: "done", data: { mcp: true, content: [{ type: "text", text: "buy milk" }] } }, started_at: Date.now(), finished_at: Date.now() });
    await stream.until("done");
    expect(stream.text()).toBe('Done: Run the MCP tool files.read_file with {"path":"~/notes.txt"}.\n\n```\nbuy milk\n```');

    // The management connector is out of the chat's reach, whatever rule the user has.
    expect((await client.request("POST", "/api/permissions", { json: { target: "*", action: "*", effect: "allow" } })).status).toBe(201);
    const refused = await ask(client, '/tool mcp.add {"name": "evil", "server": {"command": "sh"}}');
    await refused.until("done");
    expect(refused.text()).toContain("device page");
    expect(agent.frames.filter((f) => f.type === "command")).toEqual([]);
    agent.close();
  });
});
