import type { Json, McpServerSpec, McpServerStatus } from "#protocol";
import type { Connector } from "../connectors/types.ts";
import type { Sandbox } from "../connectors/sandbox.ts";
import type { Logger } from "../log.ts";

// The seam between the MCP bridge (agent/src/mcp/bridge.ts: clients, tools as actions, pinning) and the agent around
// it (config.json's `mcp_servers`, the pin file, the `mcp` management connector, `hearth mcp …`, the `connectors`
// frame). Both sides are written against this file.

/** One approved server: an entry of config.json's `mcp_servers` (Claude Desktop's `mcpServers` shape plus Hearth's keys). */
export type McpServerConfig = McpServerSpec & {
  /** Tools the user marked read-only (by their MCP name): only these are re-run after a crash instead of reported interrupted. */
  read_only_tools: string[];
  /** False keeps the server configured but not started. */
  enabled: boolean;
  /** True: the program's relative path arguments are local files too, checked against the roots (confine.ts). */
  local_paths?: boolean;
};

/**
 * What is hashed and pinned of a tool, as the server gave it: everything a model or the user reads about it (name,
 * description, input schema, and, when the server gives them, title, annotations and output schema).
 */
export type ToolDefinition = {
  name: string;
  description: string;
  input_schema: Record<string, Json>;
  title?: string;
  annotations?: Record<string, Json>;
  output_schema?: Record<string, Json>;
};

/** A tool definition the user approved. `by`: how (the server's first start after its local approval, the web app, the CLI). */
export type PinnedTool = { hash: string; definition: ToolDefinition; approved_at: number; by: "first_start" | "web" | "cli" };

/** Where approved definitions are kept across restarts (the agent keeps them in a private file in HEARTH_HOME). */
export interface PinStore {
  /** Every pinned tool of a server, by MCP tool name. */
  pinsOf(server: string): Record<string, PinnedTool>;
  pin(server: string, tool: string, pin: PinnedTool): void;
  /** Forgets a server's pins (when the server is removed). */
  forget(server: string): void;
}

export type McpBridgeOptions = {
  /** The approved servers from config.json, by name (names are valid `McpServerName`s). */
  servers: Record<string, McpServerConfig>;
  pins: PinStore;
  /** The filesystem connector's sandbox: its roots are offered to servers as MCP roots, and path parameters are checked against it. */
  sandbox: Sandbox;
  log: Logger;
  /** Called after any change of `connectors()` or `status()` (a server started, crashed, listed changed tools…). */
  onChange: () => void;
  /** The agent's version, for the MCP `clientInfo`. */
  agentVersion: string;
  /** Restart backoff; tests shorten it. Default 1 s doubling to 5 min. */
  backoff?: { firstMs: number; maxMs: number };
};

/**
 * The running MCP servers. Every server in `servers` that is enabled is started (stdio: spawned with its env and
 * stderr to the log; http: Streamable HTTP); a server that exits or drops is restarted with backoff. On first start
 * of a server with no pins, every tool is pinned (`first_start`: the user approved the server itself on this
 * computer); afterwards a tool whose definition hash differs from its pin is `changed`, one without a pin is `new`,
 * and neither is offered as an action until `approve`.
 */
export interface McpBridge {
  start(): void;
  /** config.json changed: starts added servers, stops removed ones (and forgets their pins), restarts changed ones. */
  update(servers: Record<string, McpServerConfig>): void;
  /** One connector per running server (target = server name), its actions the server's enabled tools. */
  connectors(): Connector[];
  /** Every configured server's state and tools (pending requests are the caller's to add). */
  status(): McpServerStatus[];
  /** Approves a tool's current definition if its hash is `hash` (what the user was shown); the tool is offered at once. */
  approve(server: string, tool: string, hash: string, by: PinnedTool["by"]): { ok: true } | { ok: false; message: string };
  /** Stops every server (a stdio server's process group gets a second after its stdin ends, then SIGTERM, then SIGKILL 2 s on). */
  stop(): Promise<void>;
}
