import { describe, expect, it } from "vitest";
import { McpToolResult } from "#protocol";
import { ActionError } from "../connectors/types.ts";
import { MAX_RESULT_BYTES, toToolResult } from "./results.ts";

describe("tool results", () => {
  it("maps every kind of content to Hearth's shape", () => {
    const result = toToolResult(
      {
        content: [
          { type: "text", text: "hello" },
          { type: "image", data: "iVBORw0KGgo=", mimeType: "image/png" },
          { type: "audio", data: "UklGRg==", mimeType: "audio/wav" },
          { type: "resource", resource: { uri: "file:///a.txt", mimeType: "text/plain", text: "A" } },
          { type: "resource", resource: { uri: "file:///b.bin", blob: "AAEC" } },
          { type: "resource_link", uri: "file:///c.txt", name: "c.txt", description: "the c file" },
        ],
        structuredContent: { n: 1 },
      },
      "tool",
    );
    expect(McpToolResult.parse(result)).toEqual({
      mcp: true,
      content: [
        { type: "text", text: "hello" },
        { type: "image", mime_type: "image/png", data: "iVBORw0KGgo=" },
        { type: "audio", mime_type: "audio/wav", data: "UklGRg==" },
        { type: "resource", uri: "file:///a.txt", mime_type: "text/plain", text: "A" },
        { type: "resource", uri: "file:///b.bin", blob: "AAEC" },
        { type: "resource_link", uri: "file:///c.txt", name: "c.txt", description: "the c file" },
      ],
      structured_content: { n: 1 },
    });
  });

  it("drops the biggest binary pieces until the result fits, and says so", () => {
    const big = "A".repeat(400 * 1024);
    const small = "B".repeat(1000);
    const result = toToolResult(
      { content: [{ type: "image", data: big, mimeType: "image/png" }, { type: "image", data: small, mimeType: "image/png" }, { type: "resource", resource: { uri: "x:1", blob: big } }] },
      "tool",
    );
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    expect(result.content.map((piece) => piece.type)).toEqual(["omitted", "image", "resource"]);
    expect(result.content[0]).toMatchObject({ kind: "image", reason: expect.stringContaining("too big") });
  });

  it("turns a tool's own error into execution_failed with its text", () => {
    const failing = () => toToolResult({ content: [{ type: "text", text: "ENOENT: no such file" }], isError: true }, "read_file");
    expect(failing).toThrow(ActionError);
    expect(failing).toThrow("The tool read_file reported an error: ENOENT: no such file");
  });
});
