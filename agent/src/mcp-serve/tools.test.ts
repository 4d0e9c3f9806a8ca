import { describe, expect, it } from "vitest";
import type { ConnectorDescriptor } from "#protocol";
import { mcpClientName } from "./server.ts";
import { offeredTools, toCallToolResult } from "./tools.ts";

const schema = { type: "object", properties: { path: { type: "string" } }, required: ["path"] };
const connectors: ConnectorDescriptor[] = [
  { target: "filesystem", description: "Files in the allowed folders.", actions: [{ action: "read", description: "Read a text file.", read_only: true, parameters: schema }] },
  { target: "mcp", description: "MCP servers.", actions: [{ action: "add", description: "Add a server.", read_only: false, parameters: {} }] },
  {
    target: "files",
    description: "MCP server files.",
    actions: [
      { action: "read_text_file", description: "Reads a file.", read_only: true, parameters: schema, mcp_tool: "read_text_file" },
      { action: "local", description: "Not bridged.", read_only: false, parameters: {} },
    ],
  },
];

describe("offeredTools", () => {
  it("offers built-in actions as <target>__<action> and never the mcp connector or a bridged MCP tool", () => {
    const tools = offeredTools(connectors);
    expect([...tools.keys()]).toEqual(["filesystem__read", "files__local"]);
    expect(tools.get("filesystem__read")).toMatchObject({
      target: "filesystem",
      action: "read",
      tool: { name: "filesystem__read", inputSchema: schema, annotations: { readOnlyHint: true } },
    });
    expect(tools.get("files__local")?.tool).toMatchObject({ inputSchema: { type: "object", properties: {} }, annotations: { readOnlyHint: false } });
  });
});

describe("toCallToolResult", () => {
  it("passes a bridged result's content through, gives other data as JSON text, and a failure as a tool error", () => {
    expect(toCallToolResult({ status: "done", data: { mcp: true, content: [{ type: "text", text: "hi" }, { type: "image", mime_type: "image/png", data: "AAAA" }, { type: "omitted", kind: "audio", reason: "too big" }], structured_content: { n: 1 } } })).toEqual({
      content: [{ type: "text", text: "hi" }, { type: "image", mimeType: "image/png", data: "AAAA" }, { type: "text", text: "[audio left out: too big]" }],
      structuredContent: { n: 1 },
    });
    expect(toCallToolResult({ status: "done", data: { entries: [] } })).toEqual({ content: [{ type: "text", text: '{\n  "entries": []\n}' }], structuredContent: { entries: [] } });
    expect(toCallToolResult({ status: "done", data: [1, 2] })).toEqual({ content: [{ type: "text", text: "[\n  1,\n  2\n]" }] });
    expect(toCallToolResult({ status: "failed", error: { code: "permission_denied", message: "You denied it." } })).toEqual({ content: [{ type: "text", text: "You denied it. (permission_denied)" }], isError: true });
  });
});

describe("mcpClientName", () => {
  it("names the client for the audit logs, without control characters", () => {
    expect(mcpClientName("claude-ai")).toBe("claude-ai (MCP)");
    expect(mcpClientName("evil\nname")).toBe("evilname (MCP)");
    expect(mcpClientName(undefined)).toBe("unnamed client (MCP)");
    expect(mcpClientName("x".repeat(200)).length).toBeLessThanOrEqual(80);
  });
});
