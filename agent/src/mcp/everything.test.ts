import { afterEach, describe, expect, it, vi } from "vitest";
import { GroupStdioTransport } from "./stdio-transport.ts";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { McpToolResult } from "#protocol";
import { call, childPids, nodeServer, SERVER_EVERYTHING, startBridge, waitFor } from "../../test/mcp-bridge.ts";

// The bridge against the reference server "everything" from npm (stdio): every kind of result, the tool list it
// announces as changed right after connect, a slow tool against a deadline, and a crash. The server has no tool that
// changes its list later on, so a tool that changes after approval is proven with our own fixture (rug-pull.test.ts).

afterEach(() => {
  vi.restoreAllMocks();
});

async function everything(backoff?: { firstMs: number; maxMs: number }) {
  const started = await startBridge({ every: nodeServer(SERVER_EVERYTHING, ["stdio"]) }, backoff ? { backoff } : {});
  started.bridge.start();
  await waitFor("the everything server running", () => started.bridge.status()[0]?.state === "running");
  return started;
}

/** The data of a call that must succeed, as an McpToolResult. */
function result(outcome: Awaited<ReturnType<typeof call>>): McpToolResult {
  if (!outcome.ok) throw new Error(`the call failed: ${outcome.error.code}: ${outcome.error.message}`);
  return McpToolResult.parse(outcome.data);
}

describe("the everything server", () => {
  it("returns text, image, resource and structured results", async () => {
    const { bridge } = await everything();
    expect(result(await call(bridge, "every", "echo", { message: "hi there" })).content).toEqual([{ type: "text", text: "Echo: hi there" }]);

    const image = result(await call(bridge, "every", "get_tiny_image", {})).content.find((piece) => piece.type === "image");
    expect(image).toMatchObject({ type: "image", mime_type: "image/png" });
    expect(Buffer.from(image?.type === "image" ? image.data : "", "base64").subarray(1, 4).toString()).toBe("PNG");

    const resource = result(await call(bridge, "every", "get_resource_reference", { resourceType: "Text", resourceId: 3 })).content.find((piece) => piece.type === "resource");
    expect(resource).toMatchObject({ type: "resource", uri: expect.stringContaining("3"), text: expect.any(String) });

    const structured = result(await call(bridge, "every", "get_structured_content", { location: "Chicago" }));
    expect(structured.structured_content).toMatchObject({ temperature: expect.any(Number), conditions: expect.any(String), humidity: expect.any(Number) });
  });

  it("lists again when it says its tools changed, offers the ones it registers after initialize, and gives them Hearth's roots", async () => {
    // The server registers get-roots-list (and others) only once it knows the client's capabilities, after
    // `initialized`, and sends `tools/list_changed` for them; Hearth lists again. The first listing usually already
    // includes them, so they are pinned at first start with the rest.
    const sent: JSONRPCMessage[] = [];
    const send = GroupStdioTransport.prototype.send;
    vi.spyOn(GroupStdioTransport.prototype, "send").mockImplementation(function (this: GroupStdioTransport, message: JSONRPCMessage) {
      sent.push(message);
      return send.call(this, message);
    });
    const { bridge, root } = await everything();
    await waitFor("a second listing", () => sent.filter((message) => "method" in message && message.method === "tools/list").length >= 2);
    const tools = bridge.status()[0]?.tools ?? [];
    expect(tools.find((t) => t.tool === "get-roots-list")).toMatchObject({ action: "get_roots_list", state: "enabled" });
    expect(tools.every((t) => t.state === "enabled")).toBe(true);
    expect(Object.keys(bridge.connectors()[0]?.actions ?? {})).toContain("get_roots_list");
    const roots = result(await call(bridge, "every", "get_roots_list", {}));
    expect(JSON.stringify(roots.content)).toContain(`file://${root}`);
  });

  it("stops waiting for a slow tool at the command's deadline", async () => {
    const { bridge } = await everything();
    const started = Date.now();
    const outcome = await call(bridge, "every", "trigger_long_running_operation", { duration: 10, steps: 20 }, Date.now() + 1500);
    const took = Date.now() - started;
    expect(outcome).toMatchObject({ ok: false, error: { code: "timeout", message: expect.stringContaining("deadline") } });
    expect(took).toBeGreaterThan(1300);
    expect(took).toBeLessThan(4000);
    // The server is still usable afterwards.
    expect(result(await call(bridge, "every", "echo", { message: "after" })).content).toEqual([{ type: "text", text: "Echo: after" }]);
  });

  it("restarts a server that was killed, and reports it while it is down", async () => {
    // A second before the restart: long enough to see it down, even on a busy machine.
    const { bridge, changes, lines } = await everything({ firstMs: 1000, maxMs: 2000 });
    const [pid] = childPids(SERVER_EVERYTHING);
    expect(pid).toBeGreaterThan(0);
    const before = changes.count;
    process.kill(pid ?? 0, "SIGKILL");
    const down = await waitFor("the server restarting", () => bridge.status().find((s) => s.state === "restarting"), 5000);
    expect(down).toMatchObject({ restarts: 1, next_retry_at: expect.any(Number), error: expect.stringContaining("exited") });
    expect(bridge.connectors()).toEqual([]);
    expect(changes.count).toBeGreaterThan(before);
    const back = await waitFor("the server running again", () => bridge.status().find((s) => s.state === "running"), 10_000);
    expect(back).toMatchObject({ restarts: 1, next_retry_at: null, error: null });
    expect(childPids(SERVER_EVERYTHING)).not.toContain(pid);
    expect(result(await call(bridge, "every", "echo", { message: "back" })).content).toEqual([{ type: "text", text: "Echo: back" }]);
    // Its stderr went to the agent's log, with the server's name.
    expect(lines.some((line) => line.startsWith("info mcp.stderr [every] Starting default (STDIO) server"))).toBe(true);
  });
});
