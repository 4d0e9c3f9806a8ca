import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "#protocol";
import type { AgentFrame } from "#protocol";
import { readStatus } from "../home/status-file.ts";
import { agentHome } from "../../test/agent-home.ts";
import { FakeRelay } from "../../test/fake-relay.ts";
import { spawnHearth } from "../../test/hearth-process.ts";
import { runningAgent } from "../../test/running-agent.ts";
import { tempDir } from "../../test/temp.ts";

const BIN = fileURLToPath(new URL("../../bin/hearth.mjs", import.meta.url));
const isAsk = (frame: AgentFrame): frame is Extract<AgentFrame, { type: "permission_request" }> => frame.type === "permission_request";
const isAudit = (frame: AgentFrame): frame is Extract<AgentFrame, { type: "audit" }> => frame.type === "audit";

const clients: Client[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The SDK's own client, spawning the real `hearth mcp serve` as Claude Desktop would; `notices` collects its log lines. */
async function mcpClient(env: Record<string, string>, name = "test-client") {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, "mcp", "serve"], env, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name, version: "1.0.0" });
  const notices: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void notices.push(String(notification.params.data)));
  await client.connect(transport);
  clients.push(client);
  return { client, notices, stderr: () => stderr };
}

/** The text of a tool result's first block. */
function textOf(result: Awaited<ReturnType<Client["callTool"]>>): string {
  const first = Array.isArray(result.content) ? result.content[0] : undefined;
  return typeof first === "object" && first !== null && "text" in first && typeof first.text === "string" ? first.text : "";
}

describe("hearth mcp serve (stdio)", () => {
  it("offers the agent's actions as tools, runs reads at once, and waits for the user's answer in Hearth where the rules say ask", async () => {
    const { relay, env, root, paths } = await runningAgent();
    await writeFile(join(root, "notes.txt"), "hello");
    const { client, notices } = await mcpClient(env);

    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(["filesystem__list", "filesystem__read", "filesystem__write", "system__info"]));
    expect(names.filter((name) => name.startsWith("mcp__"))).toEqual([]);
    const list = tools.find((tool) => tool.name === "filesystem__list");
    expect(list?.annotations?.readOnlyHint).toBe(true);
    expect(list?.inputSchema).toMatchObject({ type: "object", properties: { path: expect.any(Object) } });
    expect(tools.find((tool) => tool.name === "filesystem__write")?.annotations?.readOnlyHint).toBe(false);

    // A read inside the roots: the agent's rules allow it, so it runs at once.
    const listed = await client.callTool({ name: "filesystem__list", arguments: { path: root } });
    expect(listed.isError).toBeFalsy();
    expect(textOf(listed)).toContain("notes.txt");
    expect(listed.structuredContent).toMatchObject({ path: "~/Documents" });

    // A write asks: the question goes to Hearth (here the fake relay stands in for the web app) naming the client,
    // the MCP client hears that the call waits, and the file is written only once the user allows it.
    const progress: string[] = [];
    const onprogress = (update: { message?: string }) => void progress.push(update.message ?? "");
    const approved = client.callTool({ name: "filesystem__write", arguments: { path: join(root, "approved.txt"), content: "yes" } }, undefined, { onprogress, resetTimeoutOnProgress: true });
    const asked = await relay.waitFor(isAsk, 20_000);
    expect(asked).toMatchObject({ target: "filesystem", action: "write" });
    expect(asked.context).toContain(`A local program calling itself "test-client (MCP)" asks to run filesystem.write`);
    await relay.until(() => notices.some((notice) => notice.includes("Waiting for your approval in Hearth")), 10_000);
    await relay.until(() => progress.some((message) => message.includes("Waiting for your approval in Hearth")), 10_000);
    expect(existsSync(join(root, "approved.txt"))).toBe(false);
    relay.send({ v: PROTOCOL_VERSION, type: "permission_update", id: "u-1", ref: asked.id, decision: "allow_once" });
    const written = await approved;
    expect(written.isError).toBeFalsy();
    expect(await readFile(join(root, "approved.txt"), "utf8")).toBe("yes");

    // Denied in Hearth: a tool error that says so, and nothing is written.
    const denied = client.callTool({ name: "filesystem__write", arguments: { path: join(root, "denied.txt"), content: "no" } });
    await relay.until(() => relay.frames.filter(isAsk).length === 2, 20_000);
    const second = relay.frames.filter(isAsk)[1];
    relay.send({ v: PROTOCOL_VERSION, type: "permission_update", id: "u-2", ref: second?.id ?? "", decision: "deny" });
    const refused = await denied;
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain("You denied filesystem.write");
    expect(existsSync(join(root, "denied.txt"))).toBe(false);

    // Outside the roots: refused by the agent before anything runs.
    const outside = await client.callTool({ name: "filesystem__read", arguments: { path: "/etc/passwd" } });
    expect(outside.isError).toBe(true);
    expect(textOf(outside)).toContain("outside the folders");

    // Both audit logs name the client: the server's (audit frames) and the agent's audit.jsonl.
    await relay.until(() => relay.frames.filter(isAudit).flatMap((frame) => frame.entries).length >= 4, 10_000);
    const entries = relay.frames.filter(isAudit).flatMap((frame) => frame.entries);
    expect(entries.map((entry) => [entry.client, entry.action, entry.decision, entry.outcome])).toEqual([
      ["test-client (MCP)", "list", "allow", "done"],
      ["test-client (MCP)", "write", "ask:allow_once", "done"],
      ["test-client (MCP)", "write", "ask:denied", "failed:permission_denied"],
      ["test-client (MCP)", "read", "none", "failed:outside_roots"],
    ]);
    const lines = (await readFile(paths.audit, "utf8")).trim().split("\n").map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.client === "test-client (MCP)").map((line) => line.action)).toEqual(["list", "write", "write", "read"]);
  });

  it("says so when a call needs approval while the agent cannot reach Hearth, and still runs what needs none", async () => {
    const { relay, env, root, paths } = await runningAgent();
    const { client } = await mcpClient(env);
    relay.online = false;
    relay.drop();
    await relay.until(() => readStatus(paths.status)?.state !== "connected", 10_000);
    const write = await client.callTool({ name: "filesystem__write", arguments: { path: join(root, "offline.txt"), content: "x" } });
    expect(write.isError).toBe(true);
    expect(textOf(write)).toContain("needs your approval in the Hearth app, but the agent is not connected to the server right now");
    expect(existsSync(join(root, "offline.txt"))).toBe(false);
    expect((await client.callTool({ name: "filesystem__list", arguments: { path: root } })).isError).toBeFalsy();
  });

  it("says how to pair when this computer is not paired yet", async () => {
    const home = await tempDir();
    const { client } = await mcpClient({ HEARTH_HOME: join(home, "hearth"), HOME: home });
    const result = await client.callTool({ name: "filesystem__list", arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/not paired with Hearth yet\. Run `.*pair --server/);
  });

  it("answers with a clear error while the agent is not running, and reaches it on the next call once it runs", async () => {
    const relay = await FakeRelay.start();
    cleanups.push(() => relay.close());
    const fixture = await agentHome(relay.url, relay.token);
    const env = { HEARTH_HOME: fixture.paths.dir, HOME: fixture.home };
    const { client } = await mcpClient(env);

    await expect(client.listTools()).rejects.toThrow(/The Hearth agent is not running on this computer\. Start it with `.*start`/);
    const early = await client.callTool({ name: "filesystem__list", arguments: {} });
    expect(early.isError).toBe(true);
    expect(textOf(early)).toMatch(/The Hearth agent is not running on this computer/);

    const agent = spawnHearth(["start", "--json"], env);
    cleanups.push(async () => agent.child.kill("SIGKILL"));
    await relay.until(() => (readStatus(fixture.paths.status)?.local_port ?? null) !== null, 20_000);
    const later = await client.callTool({ name: "filesystem__list", arguments: { path: fixture.root } });
    expect(later.isError).toBeFalsy();
    expect(later.structuredContent).toMatchObject({ path: "~/Documents" });

    // The agent stops: the next call says so instead of hanging, and `hearth mcp serve` itself keeps running.
    agent.child.kill("SIGTERM");
    await agent.exited;
    const after = await client.callTool({ name: "filesystem__list", arguments: { path: fixture.root } });
    expect(after.isError).toBe(true);
    expect(textOf(after)).toMatch(/not running|closed/);
    expect((await client.ping())).toEqual({});
  });
});
