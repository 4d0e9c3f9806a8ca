import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema, LATEST_PROTOCOL_VERSION, LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "#protocol";
import type { AgentFrame } from "#protocol";
import { spawnHearth } from "../../test/hearth-process.ts";
import { runningAgent } from "../../test/running-agent.ts";

const isAsk = (frame: AgentFrame): frame is Extract<AgentFrame, { type: "permission_request" }> => frame.type === "permission_request";
const isAudit = (frame: AgentFrame): frame is Extract<AgentFrame, { type: "audit" }> => frame.type === "audit";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The real `hearth mcp serve --http --port 0`; resolves with its endpoint once it says where it listens. */
async function serveHttp(env: Record<string, string>): Promise<{ url: URL; port: number }> {
  const serve = spawnHearth(["mcp", "serve", "--http", "--port", "0"], env);
  cleanups.push(async () => {
    serve.child.kill("SIGTERM");
    await serve.exited;
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const match = /http:\/\/127\.0\.0\.1:(\d+)\/mcp/.exec(serve.output().stderr);
    if (match?.[1]) return { url: new URL(match[0]), port: Number(match[1]) };
    if (Date.now() > deadline) throw new Error(`hearth mcp serve --http did not start: ${serve.output().stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const INITIALIZE = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "raw", version: "1" } } });

/** A raw POST of an initialize request, with the headers given (Host included: fetch would not let a test set it). */
function post(port: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/mcp", method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers } }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(INITIALIZE);
  });
}

describe("hearth mcp serve --http", () => {
  it("lets in only requests with the local token and this port's Host, and then serves the agent's tools", async () => {
    const { relay, env, root, token } = await runningAgent();
    await writeFile(join(root, "notes.txt"), "hello");
    const { url, port } = await serveHttp(env);

    // No token, or a wrong one: 401, and the message says where the token is.
    const none = await post(port, { host: `127.0.0.1:${port}` });
    expect(none.status).toBe(401);
    expect(none.body).toContain("local-token");
    expect((await post(port, { host: `127.0.0.1:${port}`, authorization: `Bearer ${token}x` })).status).toBe(401);
    // The right token from a rebound name (a web page's DNS-rebinding trick) or a web page's Origin: 403.
    const rebound = await post(port, { host: `evil.example:${port}`, authorization: `Bearer ${token}` });
    expect(rebound).toMatchObject({ status: 403, body: expect.stringContaining("Invalid Host header") });
    expect((await post(port, { host: `127.0.0.1:${port}`, origin: "https://evil.example", authorization: `Bearer ${token}` })).status).toBe(403);
    // The SDK's client with the wrong token cannot even start a session.
    const intruder = new Client({ name: "intruder", version: "1" });
    await expect(intruder.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: "Bearer wrong" } } }))).rejects.toThrow();

    const client = new Client({ name: "http-client", version: "1.0.0" });
    const notices: string[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void notices.push(String(notification.params.data)));
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    cleanups.push(() => client.close());

    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(["filesystem__list", "filesystem__write"]));
    const listed = await client.callTool({ name: "filesystem__list", arguments: { path: root } });
    expect(listed.isError).toBeFalsy();
    expect(JSON.stringify(listed.content)).toContain("notes.txt");

    // A call that asks: the notice arrives on the call's own stream while it waits, then the user allows it.
    const writing = client.callTool({ name: "filesystem__write", arguments: { path: join(root, "from-http.txt"), content: "ok" } });
    const asked = await relay.waitFor(isAsk, 20_000);
    expect(asked.context).toContain(`A local program calling itself "http-client (MCP)" asks to run filesystem.write`);
    await relay.until(() => notices.some((notice) => notice.includes("Waiting for your approval in Hearth")), 10_000);
    relay.send({ v: PROTOCOL_VERSION, type: "permission_update", id: "u-1", ref: asked.id, decision: "allow_once" });
    expect((await writing).isError).toBeFalsy();
    expect(await readFile(join(root, "from-http.txt"), "utf8")).toBe("ok");

    await relay.until(() => relay.frames.filter(isAudit).flatMap((frame) => frame.entries).length >= 2, 10_000);
    expect(relay.frames.filter(isAudit).flatMap((frame) => frame.entries).map((entry) => [entry.client, entry.action, entry.outcome])).toEqual([
      ["http-client (MCP)", "list", "done"],
      ["http-client (MCP)", "write", "done"],
    ]);
  });

  it("shows the cancel form on the call's own stream, and a cancel there takes the question back from the agent", async () => {
    const { relay, agent, env, root, token } = await runningAgent();
    const { url } = await serveHttp(env);
    const client = new Client({ name: "http-client", version: "1.0.0" }, { capabilities: { elicitation: {} } });
    const forms: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      forms.push(request.params.message);
      return { action: "decline" };
    });
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    cleanups.push(() => client.close());

    const cancelled = await client.callTool({ name: "filesystem__write", arguments: { path: join(root, "never.txt"), content: "no" } });
    expect(cancelled).toMatchObject({ isError: true, content: [{ type: "text", text: "Cancelled here; nothing ran." }] });
    expect(forms).toEqual([expect.stringContaining("waits for your approval in Hearth. Approval happens only there; you can cancel the call here.")]);
    const asked = await relay.waitFor(isAsk, 20_000);
    relay.send({ v: PROTOCOL_VERSION, type: "permission_update", id: "u-1", ref: asked.id, decision: "allow_always" });
    await relay.until(() => agent.output().stdout.includes("permission.stale"), 10_000);
    expect(existsSync(join(root, "never.txt"))).toBe(false);
  });
});
