import { z } from "zod";
import { McpServerSpec, Name, RESERVED_TARGETS } from "#protocol";
import type { McpServerConfig } from "./types.ts";

// One entry of config.json's `mcp_servers`: Claude Desktop's `mcpServers` shape (`command`, `args`, `env`, or `url`
// with `headers`) plus Hearth's own keys. Kept apart from home/config.ts so the CLI, the `mcp` connector and the
// config share one definition.

/** Claude Desktop's (and other clients') transport tag: accepted so an entry can be pasted as-is, then ignored. */
const TRANSPORT_TYPES = ["stdio", "http", "streamable-http"];

const HearthKeys = {
  /** Tools (by MCP name) the user marked read-only; the server's own hints are shown, never trusted. */
  read_only_tools: z.array(z.string().min(1).max(200)).max(200).default([]),
  /** False keeps the server configured but not started. */
  enabled: z.boolean().default(true),
  /**
   * True: a relative path argument (named like a path) is a file on this computer, checked against the roots like an
   * absolute one. Off, only absolute, `~` and file:// paths are checked: most servers' relative paths are not local.
   */
  local_paths: z.boolean().optional(),
};

const [StdioSpec, HttpSpec] = McpServerSpec.options;
const StdioEntry = StdioSpec.extend(HearthKeys);
const HttpEntry = HttpSpec.extend(HearthKeys);

/**
 * A server entry, strict but for Claude Desktop's `type`. An entry with `url` is a Streamable HTTP server, any other
 * a program: picking the shape first gives errors about the right keys instead of a union's "invalid input".
 */
export const McpServerEntry = z.unknown().transform((value, ctx): McpServerConfig => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: "custom", message: `Each MCP server is an object like {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "~/Documents"]} or {"url": "https://…/mcp"}.` });
    return z.NEVER;
  }
  const { type, ...rest } = Object.fromEntries(Object.entries(value));
  if (type !== undefined && !(typeof type === "string" && TRANSPORT_TYPES.includes(type))) {
    ctx.addIssue({ code: "custom", path: ["type"], message: `"type" may be ${TRANSPORT_TYPES.map((t) => `"${t}"`).join(", ")} (or left out: Hearth tells a program from a URL by "command" or "url").` });
    return z.NEVER;
  }
  const parsed = ("url" in rest ? HttpEntry : StdioEntry).safeParse(rest);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return parsed.data;
});

/** Why `name` cannot name an MCP server (with the fix), or null when it can. */
export function mcpNameProblem(name: string): string | null {
  if (RESERVED_TARGETS.includes(name)) return `"${name}" is the name of Hearth's built-in ${name} connector, so an MCP server cannot have it. Pick another, like "files" or "notes".`;
  if (!Name.safeParse(name).success) return `"${name}" cannot name an MCP server: use lower-case letters, digits and _ (starting with a letter, at most 40), like "files" or "github".`;
  return null;
}
