import { McpToolResult } from "#protocol";
import type { McpContent } from "#protocol";
import { prettyJson } from "./parameters.ts";

// A bridged MCP tool's result (protocol/src/mcp.ts `McpToolResult`), read into pieces the page can lay out safely.
// Everything in it comes from a third-party program: text is shown as text (never markdown or HTML), only raster
// image types become <img> (an SVG can carry script and links), media is embedded only as base64 `data:` URLs
// checked here, and a link is live only for http(s). Decided here so it can be tested without a DOM.

/** One piece of an MCP result, as McpResult.svelte shows it. */
export type McpPiece =
  | { kind: "text"; text: string }
  | { kind: "image"; src: string; mimeType: string }
  | { kind: "audio"; src: string; mimeType: string }
  /** A resource given as text: its URI and its text. */
  | { kind: "resource"; uri: string; text: string; mimeType: string | null }
  /** A binary resource: a download of its bytes, never opened in the page. */
  | { kind: "download"; uri: string; href: string; filename: string; bytes: number }
  /** A resource link: its name and URI as text; `href` only for an http(s) URI. */
  | { kind: "link"; uri: string; name: string; description: string | null; href: string | null }
  /** Something not shown (too big for a frame, an unsafe type, a piece with nothing in it): what it was, and why. */
  | { kind: "note"; text: string };

export type McpResultView = { pieces: McpPiece[]; structured: string | null };

/** The image types a result may show; anything else (SVG above all) is a note instead. */
export const SHOWN_IMAGE_TYPES: readonly string[] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const AUDIO_TYPE = /^audio\/[a-z0-9][a-z0-9.+-]{0,60}$/;

/** Whether a command's result is an MCP tool's (`{mcp: true, content}`). */
export function isMcpResult(result: unknown): boolean {
  return typeof result === "object" && result !== null && "mcp" in result && result.mcp === true;
}

/**
 * The pieces of an MCP tool's result, or null when the result is not one.
 * @example readMcpResult({ mcp: true, content: [{ type: "text", text: "hi" }] }) // { pieces: [{ kind: "text", text: "hi" }], structured: null }
 */
export function readMcpResult(result: unknown): McpResultView | null {
  const parsed = McpToolResult.safeParse(result);
  if (!parsed.success) return null;
  const structured = parsed.data.structured_content === undefined ? null : prettyJson(parsed.data.structured_content);
  return { pieces: parsed.data.content.map(pieceOf), structured };
}

function pieceOf(content: McpContent): McpPiece {
  switch (content.type) {
    case "text":
      return { kind: "text", text: content.text };
    case "image": {
      const mimeType = content.mime_type.toLowerCase();
      if (!SHOWN_IMAGE_TYPES.includes(mimeType)) return { kind: "note", text: `An image of type ${content.mime_type} (not shown: Hearth shows only PNG, JPEG, GIF and WebP images).` };
      if (!BASE64.test(content.data)) return { kind: "note", text: "An image whose data is not valid base64 (not shown)." };
      return { kind: "image", src: `data:${mimeType};base64,${content.data}`, mimeType };
    }
    case "audio": {
      const mimeType = content.mime_type.toLowerCase();
      if (!AUDIO_TYPE.test(mimeType) || !BASE64.test(content.data)) return { kind: "note", text: `Audio of type ${content.mime_type} (not played: its type or data is not valid).` };
      return { kind: "audio", src: `data:${mimeType};base64,${content.data}`, mimeType };
    }
    case "resource": {
      if (content.text !== undefined) return { kind: "resource", uri: content.uri, text: content.text, mimeType: content.mime_type ?? null };
      if (content.blob !== undefined && BASE64.test(content.blob)) {
        // Always octet-stream: the browser saves the bytes and never renders them (a text/html blob would be a page).
        return { kind: "download", uri: content.uri, href: `data:application/octet-stream;base64,${content.blob}`, filename: fileNameOf(content.uri), bytes: base64Bytes(content.blob) };
      }
      return { kind: "note", text: `A resource with no readable content: ${content.uri}` };
    }
    case "resource_link":
      return { kind: "link", uri: content.uri, name: content.name, description: content.description ?? null, href: webAddress(content.uri) };
    case "omitted":
      return { kind: "note", text: `${content.kind} left out: ${content.reason}` };
  }
}

/** The URI itself when it is an http(s) address a link may point at; null for file:, javascript:, data: and the rest. */
export function webAddress(uri: string): string | null {
  try {
    const url = new URL(uri);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** A safe file name for a download: the URI's last segment without anything a file system would mind. */
export function fileNameOf(uri: string): string {
  // The scheme and the host are not a name ("test://" has none).
  const path = uri.replace(/^[a-z][a-z0-9+.-]*:(\/\/[^/?#]*)?/i, "");
  const last = path.split(/[/\\?#]/).filter(Boolean).pop() ?? "";
  let decoded = last;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    // A malformed escape stays as it was.
  }
  const clean = decoded.replace(/[^A-Za-z0-9._ -]/g, "_").replace(/^[.\s]+/, "").slice(0, 100);
  return clean || "resource";
}

/** How many bytes a base64 string holds. */
export function base64Bytes(data: string): number {
  const padding = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding);
}
