import { z } from "zod";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { McpContent, McpToolResult } from "#protocol";
import { ActionError } from "../connectors/types.ts";

// A tool's result as Hearth reports it (contract 6): the `data` of the command's `done` outcome. The content is the
// server's data for the user to see; nothing here is ever read as an instruction. Binary pieces travel as base64
// only while the whole result stays small enough for a results frame.

/** Above this (bytes of JSON), images, audio and blobs are dropped, largest first, and noted as omitted. */
export const MAX_RESULT_BYTES = 512 * 1024;
const MAX_PIECES = 200;

const cut = (text: string, max: number): string => (text.length > max ? text.slice(0, max) : text);

type Piece = CallToolResult["content"][number];

function toContent(piece: Piece): McpContent {
  switch (piece.type) {
    case "text":
      return { type: "text", text: piece.text };
    case "image":
    case "audio":
      return { type: piece.type, mime_type: cut(piece.mimeType, 100), data: piece.data };
    case "resource": {
      const r = piece.resource;
      const body = "text" in r && typeof r.text === "string" ? { text: r.text } : "blob" in r && typeof r.blob === "string" ? { blob: r.blob } : {};
      return { type: "resource", uri: cut(r.uri, 2000), ...(r.mimeType === undefined ? {} : { mime_type: cut(r.mimeType, 100) }), ...body };
    }
    case "resource_link":
      return {
        type: "resource_link",
        uri: cut(piece.uri, 2000),
        name: cut(piece.name, 500),
        ...(piece.description === undefined ? {} : { description: cut(piece.description, 2000) }),
        ...(piece.mimeType === undefined ? {} : { mime_type: cut(piece.mimeType, 100) }),
      };
  }
}

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/** The size of a piece's base64 payload, or 0 for a piece that has none. */
function binaryBytes(piece: McpContent): number {
  if (piece.type === "image" || piece.type === "audio") return piece.data.length;
  if (piece.type === "resource" && piece.blob !== undefined) return piece.blob.length;
  return 0;
}

/** Maps a successful `tools/call` result; a result the tool marked `isError` is thrown as `execution_failed` with its text. */
export function toToolResult(result: CallToolResult, tool: string): McpToolResult {
  if (result.isError) {
    const text = result.content.flatMap((piece) => (piece.type === "text" ? [piece.text] : [])).join("\n").trim();
    throw new ActionError("execution_failed", cut(`The tool ${tool} reported an error: ${text || "(no message)"}`, 2000));
  }
  const content = result.content.slice(0, MAX_PIECES).map(toContent);
  if (result.content.length > MAX_PIECES) {
    content[MAX_PIECES - 1] = { type: "omitted", kind: "content", reason: `The tool returned ${result.content.length} pieces; only the first ${MAX_PIECES - 1} are shown.` };
  }
  const structured = result.structuredContent === undefined ? undefined : z.json().safeParse(result.structuredContent);
  const out: McpToolResult = { mcp: true, content, ...(structured?.success ? { structured_content: structured.data } : {}) };
  // Drop binary pieces, the largest first, until the whole fits; text is kept (the results frame cuts it if it must).
  const binaries = content.map((piece, index) => ({ index, size: binaryBytes(piece) })).filter((p) => p.size > 0).sort((x, y) => y.size - x.size);
  for (const { index } of binaries) {
    if (bytesOf(out) <= MAX_RESULT_BYTES) break;
    const piece = content[index]!;
    const kind = piece.type === "resource" ? "blob" : piece.type;
    content[index] = { type: "omitted", kind, reason: `This ${kind} was too big to send (${Math.round(binaryBytes(piece) * 0.75 / 1024)} KiB); results are kept under ${MAX_RESULT_BYTES / 1024} KiB.` };
  }
  return out;
}
