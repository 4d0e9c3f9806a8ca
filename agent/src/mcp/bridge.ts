import { z } from "zod";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { McpServerStatus, McpToolStatus } from "#protocol";
import type { Action, Connector } from "../connectors/types.ts";
import type { PathPolicy } from "./confine.ts";
import { DEFAULT_BACKOFF, McpConnection } from "./connection.ts";
import { assignActions } from "./names.ts";
import { canonicalJson, checkPin } from "./pins.ts";
import type { PinCheck } from "./pins.ts";
import { createToolAction } from "./tool-action.ts";
import type { McpBridge, McpBridgeOptions, McpServerConfig, PinnedTool, ToolDefinition } from "./types.ts";

// The MCP servers as connectors (issue 18, part A). Each configured server gets a connection (connection.ts); each
// listing of its tools is checked against the pins (pins.ts), and only tools whose definition is the approved one
// become actions (tool-action.ts). What must stay true: a tool is offered, and called, only while its current
// definition hashes to an approval the user gave on this computer or in the web app.

const JsonObject = z.record(z.string(), z.json());

// What `hello` can carry (protocol/src/command.ts, frames.ts): 100 actions a connector, in a frame of 1 MiB.
const MAX_ACTIONS = 100;
/** A tool whose input schema is bigger than this is not offered: a handful of them would fill `hello`. */
const MAX_SCHEMA_BYTES = 32 * 1024;
const schemaBytes = (definition: ToolDefinition): number => Buffer.byteLength(JSON.stringify(definition.input_schema));

/** A listed tool, named and checked against its pin. */
type ListedTool = { definition: ToolDefinition; action: string; title?: string; hints: McpToolStatus["hints"]; check: PinCheck };

type ServerEntry = {
  config: McpServerConfig;
  connection: McpConnection;
  tools: ListedTool[];
  /** Whether a listing came since this config was approved: the first one, with no pins yet, pins every tool. */
  listedOnce: boolean;
  /** Built actions by action name, reused while the tool's hash and read-only mark stay the same (ajv compiles once). */
  actions: Map<string, { key: string; action: Action }>;
};

/** The spec part of a config (what, if changed, means another program or address): canonical text to compare. */
const specKey = (config: McpServerConfig): string => {
  const { read_only_tools: _readOnly, enabled: _enabled, local_paths: _localPaths, ...spec } = config;
  return canonicalJson(JsonObject.parse(spec));
};

/** Creates the bridge; nothing starts until `start()`. */
export function createMcpBridge(options: McpBridgeOptions): McpBridge {
  const backoff = options.backoff ?? { firstMs: DEFAULT_BACKOFF.firstMs, maxMs: DEFAULT_BACKOFF.maxMs };
  const entries = new Map<string, ServerEntry>();
  let started = false;
  // The latest config.json servers: what `start()` starts if `update()` came first.
  let configured = options.servers;

  // Everything a model or the user reads about the tool is in the definition, so a change of any of it (the title
  // too, which stands in for an empty description) turns the tool off until approved.
  const definitionOf = (tool: Tool): ToolDefinition | null => {
    const schema = JsonObject.safeParse(tool.inputSchema);
    const annotations = tool.annotations === undefined ? undefined : JsonObject.safeParse(tool.annotations);
    const output = tool.outputSchema === undefined ? undefined : JsonObject.safeParse(tool.outputSchema);
    if (!schema.success || tool.name.length > 200 || annotations?.success === false || output?.success === false) return null;
    return {
      name: tool.name,
      description: tool.description ?? "",
      input_schema: schema.data,
      ...(tool.title === undefined ? {} : { title: tool.title }),
      ...(annotations === undefined ? {} : { annotations: annotations.data }),
      ...(output === undefined ? {} : { output_schema: output.data }),
    };
  };

  /** Re-checks every listed tool of a server against its pins (after a listing or an approval). */
  const recheck = (name: string, entry: ServerEntry): void => {
    const pins = options.pins.pinsOf(name);
    entry.tools = entry.tools.map((tool) => ({ ...tool, check: checkPin(tool.definition, pins[tool.definition.name]) }));
  };

  const onTools = (name: string, entry: ServerEntry, tools: Tool[]): void => {
    if (entries.get(name) !== entry) return;
    const definitions: { tool: Tool; definition: ToolDefinition }[] = [];
    for (const tool of tools) {
      const definition = definitionOf(tool);
      if (definition) definitions.push({ tool, definition });
      else options.log.warn("mcp.tools", `MCP server ${name} lists a tool Hearth cannot offer (a name over 200 characters or a schema that is not JSON): ${tool.name.slice(0, 80)}.`, { server: name });
    }
    const actions = assignActions(definitions.map((d) => d.definition.name));
    // The user approved this server on this computer (config.json or `hearth mcp approve`): its first tools are what they approved.
    if (!entry.listedOnce && Object.keys(options.pins.pinsOf(name)).length === 0) {
      const now = Date.now();
      for (const { definition } of definitions) options.pins.pin(name, definition.name, { hash: checkPin(definition, undefined).hash, definition, approved_at: now, by: "first_start" });
    }
    entry.listedOnce = true;
    const pins = options.pins.pinsOf(name);
    entry.tools = definitions.map(({ tool, definition }) => ({
      definition,
      action: actions.get(definition.name) ?? definition.name,
      ...(definition.title ? { title: definition.title.slice(0, 200) } : {}),
      hints: {
        ...(tool.annotations?.readOnlyHint === undefined ? {} : { read_only: tool.annotations.readOnlyHint }),
        ...(tool.annotations?.destructiveHint === undefined ? {} : { destructive: tool.annotations.destructiveHint }),
        ...(tool.annotations?.idempotentHint === undefined ? {} : { idempotent: tool.annotations.idempotentHint }),
        ...(tool.annotations?.openWorldHint === undefined ? {} : { open_world: tool.annotations.openWorldHint }),
      },
      check: checkPin(definition, pins[definition.name]),
    }));
    const huge = entry.tools.filter((tool) => schemaBytes(tool.definition) > MAX_SCHEMA_BYTES).map((tool) => tool.definition.name);
    if (huge.length > 0) options.log.warn("mcp.tools", `MCP server ${name} has tools whose input schema is over ${MAX_SCHEMA_BYTES / 1024} KiB, which Hearth does not offer: ${huge.join(", ")}.`, { server: name });
    if (entry.tools.length > MAX_ACTIONS) options.log.warn("mcp.tools", `MCP server ${name} lists ${entry.tools.length} tools; Hearth offers at most ${MAX_ACTIONS} of a server (the first approved ones).`, { server: name });
    const changed = entry.tools.filter((tool) => tool.check.state !== "enabled").map((tool) => `${tool.definition.name} (${tool.check.state})`);
    if (changed.length > 0) options.log.warn("mcp.tools", `MCP server ${name} has tools waiting for your approval: ${changed.join(", ")}. Review them on the device page or with \`hearth mcp approve ${name}\`.`, { server: name });
    options.onChange();
  };

  const makeEntry = (name: string, config: McpServerConfig): ServerEntry => {
    const { read_only_tools: _readOnly, enabled: _enabled, local_paths: _localPaths, ...spec } = config;
    // Assigned right below; the connection calls back only after `start()`, which comes later.
    let entry: ServerEntry;
    const connection = new McpConnection({
      name,
      spec,
      sandbox: options.sandbox,
      log: options.log,
      agentVersion: options.agentVersion,
      backoff,
      onState: () => {
        if (entries.get(name) === entry) options.onChange();
      },
      onTools: (tools) => onTools(name, entry, tools),
    });
    entry = { config, connection, tools: [], listedOnce: false, actions: new Map() };
    return entry;
  };

  const isApproved = (name: string, entry: ServerEntry, tool: string, hash: string): boolean =>
    entries.get(name) === entry && entry.connection.state === "running" && entry.tools.some((t) => t.definition.name === tool && t.check.state === "enabled" && t.check.hash === hash);

  const actionFor = (name: string, entry: ServerEntry, tool: ListedTool): Action => {
    const readOnly = entry.config.read_only_tools.includes(tool.definition.name);
    // Only a program on this computer can open local files; its relative paths are local only if the user says so.
    const paths: PathPolicy = entry.connection.transportKind === "http" ? "none" : entry.config.local_paths ? "all" : "local";
    const key = `${tool.check.hash}:${readOnly}:${paths}`;
    const cached = entry.actions.get(tool.action);
    if (cached?.key === key) return cached.action;
    const hash = tool.check.hash;
    const action = createToolAction({
      server: name,
      definition: tool.definition,
      description: (tool.definition.description || tool.title || tool.definition.name).slice(0, 500),
      readOnly,
      sandbox: options.sandbox,
      paths,
      stillApproved: () => isApproved(name, entry, tool.definition.name, hash),
      callTool: (toolName, args, timeoutMs) => entry.connection.callTool(toolName, args, timeoutMs),
    });
    entry.actions.set(tool.action, { key, action });
    return action;
  };

  return {
    start() {
      started = true;
      for (const [name, config] of Object.entries(configured)) {
        if (entries.has(name)) continue;
        const entry = makeEntry(name, config);
        entries.set(name, entry);
        if (config.enabled) entry.connection.start();
      }
    },

    update(servers) {
      configured = servers;
      if (!started) return;
      for (const [name, entry] of [...entries]) {
        if (Object.hasOwn(servers, name)) continue;
        entries.delete(name);
        void entry.connection.stop();
        options.pins.forget(name);
        options.log.info("mcp.removed", `MCP server ${name} was removed; its approvals are forgotten.`, { server: name });
      }
      for (const [name, config] of Object.entries(servers)) {
        const old = entries.get(name);
        if (old && specKey(old.config) === specKey(config)) {
          // Only Hearth's own marks changed: the running program is left alone.
          const wasEnabled = old.config.enabled;
          old.config = config;
          old.actions.clear();
          if (config.enabled && !wasEnabled) old.connection.start();
          if (!config.enabled && wasEnabled) void old.connection.stop().then(() => options.onChange());
          continue;
        }
        if (old) void old.connection.stop();
        const entry = makeEntry(name, config);
        entries.set(name, entry);
        if (config.enabled) entry.connection.start();
      }
      options.onChange();
    },

    connectors() {
      const connectors: Connector[] = [];
      for (const [name, entry] of entries) {
        if (!entry.config.enabled || entry.connection.state !== "running") continue;
        const actions: Record<string, Action> = {};
        const offered = entry.tools.filter((tool) => tool.check.state === "enabled" && schemaBytes(tool.definition) <= MAX_SCHEMA_BYTES).slice(0, MAX_ACTIONS);
        for (const tool of offered) actions[tool.action] = actionFor(name, entry, tool);
        connectors.push({ target: name, description: `MCP server ${name} (${entry.connection.display})`, actions });
      }
      return connectors;
    },

    status() {
      return [...entries].map(([name, entry]): McpServerStatus => ({
        name,
        transport: entry.connection.transportKind,
        display: entry.connection.display,
        state: entry.config.enabled ? entry.connection.state : "stopped",
        error: entry.connection.error,
        restarts: entry.connection.restarts,
        next_retry_at: entry.connection.nextRetryAt,
        tools: entry.tools.map((tool): McpToolStatus => ({
          tool: tool.definition.name,
          action: tool.action,
          ...(tool.title ? { title: tool.title } : {}),
          description: tool.definition.description.slice(0, 2000),
          state: tool.check.state,
          hash: tool.check.hash,
          ...(tool.check.state === "changed" ? { diff: tool.check.diff } : {}),
          read_only: entry.config.read_only_tools.includes(tool.definition.name),
          hints: tool.hints,
        })),
      }));
    },

    approve(server, tool, hash, by: PinnedTool["by"]) {
      const entry = entries.get(server);
      if (!entry) return { ok: false, message: `There is no MCP server "${server}" on this computer.` };
      const listed = entry.tools.find((t) => t.definition.name === tool);
      if (!listed) return { ok: false, message: `The MCP server ${server} does not list a tool "${tool}" right now. Check that it is running.` };
      if (listed.check.hash !== hash) {
        return { ok: false, message: `The tool ${tool} of ${server} is not the definition you were shown (it changed again). Review the current one and approve that.` };
      }
      if (listed.check.state !== "enabled") {
        options.pins.pin(server, tool, { hash, definition: listed.definition, approved_at: Date.now(), by });
        recheck(server, entry);
        options.log.info("mcp.approved", `Tool ${tool} of MCP server ${server} approved (${by}).`, { server, tool, by });
        options.onChange();
      }
      return { ok: true };
    },

    async stop() {
      started = false;
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(all.map((entry) => entry.connection.stop()));
    },
  };
}
