import { MCP_ACTIONS, MCP_TARGET, McpAddParameters, McpApproveToolParameters, McpRemoveParameters, McpSetReadOnlyParameters } from "#protocol";
import { ActionError, defineAction } from "../connectors/types.ts";
import type { Connector } from "../connectors/types.ts";
import { ConfigError } from "../home/config.ts";
import { hearthCommand } from "../invocation.ts";
import { editMcpServers, isRecord, readRaw } from "./config-file.ts";
import { FileLockTimeout } from "./file-lock.ts";
import { McpStoreError } from "./store.ts";
import type { PendingStore } from "./store.ts";
import type { Logger } from "../log.ts";
import type { McpBridge } from "./types.ts";
import { webRequestProblem } from "./web-request.ts";

/**
 * Requests from the web app waiting for approval here, at most. Each costs the sender only a prompt, and every request
 * is a server state in `hello`, so without a bound they would crowd out the states of the servers that run.
 */
export const MAX_PENDING = 10;

export type ManageDeps = {
  configPath: string;
  pending: PendingStore;
  bridge: McpBridge;
  /** How the user knows this computer, for "On <device>, run …". */
  deviceName: string;
  log: Logger;
  /** Re-reads the files at once, so the change shows in the next `connectors` frame without waiting for the watcher. */
  refresh: () => void;
};

/**
 * The built-in `mcp` connector: how the web app manages this computer's MCP servers, each change a command (gated,
 * prompted, audited on both sides). It never starts a program: `add` only records a request, which starts nothing
 * until the user runs `hearth mcp approve` on this computer. Every action has effects.
 */
export function createMcpManageConnector(deps: ManageDeps): Connector {
  const hearth = hearthCommand();
  return {
    target: MCP_TARGET,
    description: "Manage this computer's MCP servers: ask for a new one (it starts only once approved on the computer), remove one, approve a changed tool, mark a tool read-only.",
    actions: {
      [MCP_ACTIONS.add]: defineAction({
        description: "Ask to add an MCP server. Nothing starts until the user approves it on the computer itself.",
        readOnly: false,
        parameters: McpAddParameters,
        scopes: (params) => [params.name],
        run: async ({ name, server }) =>
          guarded(() => {
            const refused = webRequestProblem(server, deps.deviceName);
            if (refused) throw new ActionError("denied_locally", refused);
            const configured = readRaw(deps.configPath).mcp_servers;
            if (isRecord(configured) && Object.hasOwn(configured, name)) {
              throw new ActionError("conflict", `An MCP server named "${name}" is already set up on ${deps.deviceName}. Remove it first, or pick another name.`);
            }
            const waiting = Object.keys(deps.pending.list());
            if (!waiting.includes(name) && waiting.length >= MAX_PENDING) {
              throw new ActionError("conflict", `${MAX_PENDING} MCP servers are already waiting for approval on ${deps.deviceName}. Approve them there (\`${hearth} mcp approve <name>\`) or remove some, then ask again.`);
            }
            deps.pending.add(name, { server, requested_at: Date.now(), command_id: null });
            // Said here too, for the person at this computer: nothing runs until they approve it.
            deps.log.info("mcp.requested", `The Hearth app asks to add the MCP server "${name}". Nothing runs until you approve it here: \`${hearth} mcp approve ${name}\` shows what it would run.`, { server: name });
            deps.refresh();
            return { status: "pending_approval", name, message: `On ${deps.deviceName}, run \`${hearth} mcp approve ${name}\` to start it.` };
          }),
      }),
      [MCP_ACTIONS.remove]: defineAction({
        description: "Remove an MCP server (or a request waiting for approval): it is stopped and its approved tools are forgotten.",
        readOnly: false,
        parameters: McpRemoveParameters,
        scopes: (params) => [params.server],
        run: async ({ server }) =>
          guarded(() => {
            const { result: wasConfigured } = editMcpServers(deps.configPath, (servers) => {
              if (!Object.hasOwn(servers, server)) return false;
              delete servers[server];
              return true;
            });
            const wasPending = deps.pending.remove(server) !== undefined;
            if (!wasConfigured && !wasPending) throw new ActionError("not_found", `There is no MCP server "${server}" on ${deps.deviceName}, set up or waiting for approval.`);
            // The refresh hands the bridge the servers without it: it stops the program and forgets its pins.
            deps.refresh();
            return { status: "removed", name: server, was: wasConfigured ? "configured" : "pending_approval" };
          }),
      }),
      [MCP_ACTIONS.approve_tool]: defineAction({
        description: "Approve a new or changed tool of an MCP server, as shown to the user (its definition's hash).",
        readOnly: false,
        parameters: McpApproveToolParameters,
        scopes: (params) => [params.server],
        run: async ({ server, tool, hash }) => {
          const approved = deps.bridge.approve(server, tool, hash, "web");
          if (!approved.ok) throw new ActionError("conflict", approved.message);
          return { status: "approved", server, tool };
        },
      }),
      [MCP_ACTIONS.set_read_only]: defineAction({
        description: "Mark an MCP server's tool as read-only (the user's word that it has no effects), or take the mark away.",
        readOnly: false,
        parameters: McpSetReadOnlyParameters,
        scopes: (params) => [params.server],
        run: async ({ server, tool, read_only }) =>
          guarded(() => {
            editMcpServers(deps.configPath, (servers) => {
              const entry = Object.hasOwn(servers, server) ? servers[server] : undefined;
              if (!isRecord(entry)) {
                throw new ActionError("not_found", `There is no MCP server "${server}" set up on ${deps.deviceName}.`);
              }
              const marks = "read_only_tools" in entry && Array.isArray(entry.read_only_tools) ? entry.read_only_tools.filter((mark): mark is string => typeof mark === "string") : [];
              const next = read_only ? [...new Set([...marks, tool])] : marks.filter((mark) => mark !== tool);
              servers[server] = { ...entry, read_only_tools: next };
            });
            deps.refresh();
            return { status: "ok", server, tool, read_only };
          }),
      }),
    },
  };
}

/** The files' own errors (a damaged file, a busy lock) become failures whose message says how to fix them. */
function guarded<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof McpStoreError || error instanceof FileLockTimeout) throw new ActionError("execution_failed", error.message);
    throw error;
  }
}
