import { z } from "zod";
import { Name } from "./command.ts";

// The bridge to the Model Context Protocol (MCP), which is not Hearth's own Machine Context Protocol. On the agent,
// each configured MCP server becomes a connector named after the server, each of its tools an action of it; the
// agent reports every server's state in `hello` and in `connectors` frames. The web app manages servers through
// the built-in `mcp` connector's actions (MCP_ACTIONS), so every change is a command: gated, audited, exactly once.

/** The built-in connector that manages MCP servers; no server may take its name or a built-in connector's. */
export const MCP_TARGET = "mcp";

/** Target names an MCP server cannot have: the built-in connectors'. */
export const RESERVED_TARGETS: readonly string[] = ["filesystem", "browser", "system", "shell", "apps", MCP_TARGET];

/** The management actions of the `mcp` connector. None is ever offered to a model. */
export const MCP_ACTIONS = { add: "add", remove: "remove", approve_tool: "approve_tool", set_read_only: "set_read_only" } as const;

/** A server's name: a connector target that is not a built-in one. */
export const McpServerName = Name.refine((name) => !RESERVED_TARGETS.includes(name), {
  error: `That name belongs to a built-in connector (${RESERVED_TARGETS.join(", ")}); pick another, like "files" or "notes".`,
});

/** How to reach a server: a program spoken to over stdio, or a Streamable HTTP address. */
export const McpServerSpec = z.union([
  z.strictObject({
    command: z.string().trim().min(1).max(1000),
    args: z.array(z.string().max(4000)).max(100).default([]),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(4000)).default({}),
    cwd: z.string().min(1).max(1000).optional(),
  }),
  z.strictObject({
    url: z.url({ protocol: /^https?$/, error: "Use an http:// or https:// address of a Streamable HTTP MCP server." }).max(2000),
    headers: z.record(z.string().min(1).max(200), z.string().max(4000)).default({}),
  }),
]);
export type McpServerSpec = z.infer<typeof McpServerSpec>;

/** `mcp.add` parameters: a server to start once the user approves it on the computer itself. */
export const McpAddParameters = z.strictObject({ name: McpServerName, server: McpServerSpec });
/** `mcp.remove` parameters. */
export const McpRemoveParameters = z.strictObject({ server: McpServerName });
/** `mcp.approve_tool` parameters: approve this tool's definition, the one whose hash the user was shown. */
export const McpApproveToolParameters = z.strictObject({ server: McpServerName, tool: z.string().min(1).max(200), hash: z.string().regex(/^[0-9a-f]{64}$/) });
/** `mcp.set_read_only` parameters: the user's word that a tool has no effects (the server's own hint is not trusted). */
export const McpSetReadOnlyParameters = z.strictObject({ server: McpServerName, tool: z.string().min(1).max(200), read_only: z.boolean() });

/** What the server says about a tool (MCP `annotations`): shown to the user, never trusted. */
export const McpToolHints = z.object({
  read_only: z.boolean().optional(),
  destructive: z.boolean().optional(),
  idempotent: z.boolean().optional(),
  open_world: z.boolean().optional(),
});

/**
 * One tool of a server. `enabled`: approved and offered as an action. `changed`: its definition differs from the
 * approved one, so it is off until the user approves the change (`diff` says what changed). `new`: it appeared after
 * the server was approved, and is off until the user approves it.
 */
export const McpToolStatus = z.object({
  /** The tool's name on the server, as MCP calls it. */
  tool: z.string().max(200),
  /** The Hearth action it is offered as (the name made lower-case `a-z0-9_`). */
  action: Name,
  title: z.string().max(200).optional(),
  /** The server's description of the tool: shown to the user as data, never given to a model as instructions. */
  description: z.string().max(2000),
  state: z.enum(["enabled", "changed", "new"]),
  /** SHA-256 (hex) of the tool's current definition (name, description, input schema; title, annotations and output schema when it has them). */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** What changed since the approved definition, as unified-diff-like text; only when `changed`. */
  diff: z.string().max(8000).optional(),
  /** The user's mark: true only when the user said so. */
  read_only: z.boolean(),
  hints: McpToolHints,
});
export type McpToolStatus = z.infer<typeof McpToolStatus>;

/** Where a server is. `pending_approval`: asked for from the web app, waiting for `hearth mcp approve` on the computer. */
export const MCP_SERVER_STATES = ["pending_approval", "starting", "running", "restarting", "failed", "stopped"] as const;

/** One MCP server as the agent reports it. Secrets (env values, headers) are never reported. */
export const McpServerStatus = z.object({
  name: Name,
  transport: z.enum(["stdio", "http"]),
  /** What runs: the command and its arguments, or the URL (without credentials). */
  display: z.string().max(2000),
  state: z.enum(MCP_SERVER_STATES),
  /** Why it failed or is restarting, in words (the last lines of its stderr, or the connection error). */
  error: z.string().max(2000).nullable(),
  restarts: z.number().int().nonnegative(),
  /** When the next restart is due (epoch ms), while `restarting`. */
  next_retry_at: z.number().nullable(),
  tools: z.array(McpToolStatus).max(200),
});
export type McpServerStatus = z.infer<typeof McpServerStatus>;

/** One piece of an MCP tool's result, as the agent reports it (images and audio as base64). */
export const McpContent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({ type: z.literal("image"), mime_type: z.string().max(100), data: z.string() }),
  z.object({ type: z.literal("audio"), mime_type: z.string().max(100), data: z.string() }),
  z.object({
    type: z.literal("resource"),
    uri: z.string().max(2000),
    mime_type: z.string().max(100).optional(),
    text: z.string().optional(),
    /** Base64, for a binary resource. */
    blob: z.string().optional(),
  }),
  z.object({
    type: z.literal("resource_link"),
    uri: z.string().max(2000),
    name: z.string().max(500),
    description: z.string().max(2000).optional(),
    mime_type: z.string().max(100).optional(),
  }),
  /** A piece too big for a frame, or of a kind Hearth does not show: what it was, instead of it. */
  z.object({ type: z.literal("omitted"), kind: z.string().max(100), reason: z.string().max(500) }),
]);
export type McpContent = z.infer<typeof McpContent>;

/** A bridged tool's result: the `data` of its command's `done` outcome. A tool's own error is a failed command. */
export const McpToolResult = z.object({
  mcp: z.literal(true),
  content: z.array(McpContent).max(200),
  structured_content: z.json().optional(),
});
export type McpToolResult = z.infer<typeof McpToolResult>;

/**
 * One command a local client (an MCP client through `hearth mcp serve`, or the local endpoint's other clients) ran
 * on the agent, for the server's audit log. `entry_id` is unique per agent, so a resent entry is stored once.
 */
export const LocalAuditEntry = z.object({
  entry_id: z.string().min(1).max(128),
  at: z.number(),
  /** Who asked: the local client's name, e.g. "claude-desktop (MCP)". */
  client: z.string().max(80),
  target: Name,
  action: Name,
  scope: z.string().max(2000).nullable(),
  /** The agent's decision and authority (allow, ask:allow_once, deny:<rule>, …). */
  decision: z.string().max(200),
  /** `done` or `failed:<code>`. */
  outcome: z.string().max(200),
});
export type LocalAuditEntry = z.infer<typeof LocalAuditEntry>;
