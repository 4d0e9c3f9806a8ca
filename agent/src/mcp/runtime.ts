import { watch, watchFile, unwatchFile } from "node:fs";
import type { FSWatcher } from "node:fs";
import { basename } from "node:path";
import type { McpServerStatus } from "#protocol";
import type { Connector } from "../connectors/types.ts";
import type { Sandbox } from "../connectors/sandbox.ts";
import { ConfigError, loadConfig } from "../home/config.ts";
import type { HomePaths } from "../home/paths.ts";
import { hearthCommand } from "../invocation.ts";
import type { Logger } from "../log.ts";
import { VERSION } from "../version.ts";
import { createMcpBridge } from "./bridge.ts";
import { describeSpec } from "./display.ts";
import { createMcpManageConnector } from "./manage.ts";
import { FilePinStore, McpStoreError, PendingStore, PinsFileStore } from "./store.ts";
import type { PendingRequest, QueuedApproval } from "./store.ts";
import type { McpBridge, McpServerConfig } from "./types.ts";

/** How long the watcher waits for a burst of file events (an editor's save, an atomic rename) to settle. */
const SETTLE_MS = 150;

export type McpRuntimeOptions = {
  paths: HomePaths;
  /** config.json's servers at start. */
  servers: Record<string, McpServerConfig>;
  sandbox: Sandbox;
  log: Logger;
  deviceName: string;
  /** Something in `connectors()` or `servers()` may have changed (the caller debounces and compares). */
  onChange: () => void;
  /** Tests shorten the bridge's restart backoff. */
  backoff?: { firstMs: number; maxMs: number };
};

/** The agent's MCP side: the bridge, the `mcp` management connector, and the files in HEARTH_HOME they follow. */
export type McpRuntime = {
  /** The `mcp` connector, then one connector per running server. */
  connectors(): Connector[];
  /** Every server's state for `hello`/`connectors`: the bridge's, plus one `pending_approval` entry per request. */
  servers(): McpServerStatus[];
  /** Why `target.action` is not offered, when MCP knows (a server not running, removed, a changed tool), else null. */
  explain(target: string, action: string): string | null;
  /** Re-reads config.json, the pins and the pending file now. */
  reload(): void;
  stop(): Promise<void>;
};

/**
 * Starts the bridge with config.json's servers and follows HEARTH_HOME: `hearth mcp add|remove|approve` and hand
 * edits take effect without a restart. A file that does not parse is logged and the last good state kept. While the
 * pins file is damaged no server starts (its tools' approvals are unknown), and each shows that as its error.
 */
export function startMcpRuntime(options: McpRuntimeOptions): McpRuntime {
  const { paths, log } = options;
  const pinsFile = new PinsFileStore(paths.mcpPins);
  const pending = new PendingStore(paths.mcpPending);
  const pins = new FilePinStore(pinsFile, log);
  let configured = options.servers;
  let requests: Record<string, PendingRequest> = readPending(pending, log) ?? {};
  const removed = new Set<string>();
  let approvalsWaiting = true;
  let stopped = false;

  const desired = () => (pins.broken === null ? configured : {});
  let applied = JSON.stringify(desired());
  const changed = () => {
    if (stopped) return;
    options.onChange();
    if (approvalsWaiting) setImmediate(applyApprovals);
  };
  const bridge: McpBridge = createMcpBridge({
    servers: desired(),
    pins,
    sandbox: options.sandbox,
    log,
    onChange: changed,
    agentVersion: VERSION,
    ...(options.backoff ? { backoff: options.backoff } : {}),
  });
  if (pins.broken !== null) log.error("mcp.pins_damaged", pins.broken);
  // A server removed while the agent was stopped (`hearth mcp remove` only edits config.json): forget it now, as
  // bridge.update does for one removed while it runs.
  const forgetUnconfigured = () => {
    for (const name of pins.servers()) if (!Object.hasOwn(configured, name)) pins.forget(name);
  };
  if (pins.broken === null) forgetUnconfigured();

  const reload = () => {
    if (stopped) return;
    try {
      const next = loadConfig(paths.config).config.mcp_servers;
      for (const name of Object.keys(configured)) {
        if (Object.hasOwn(next, name)) continue;
        // Removed (bridge.update below forgets its pins, so re-added later it is approved afresh): its tools' commands say so.
        removed.add(name);
      }
      for (const name of Object.keys(next)) removed.delete(name);
      configured = next;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      log.error("mcp.config_invalid", `${error.message}\nThe MCP servers stay as they were until it is fixed.`);
    }
    if (pins.broken !== null && pins.reload()) {
      log.info("mcp.pins_fixed", `${paths.mcpPins} is readable again; starting the MCP servers.`);
      forgetUnconfigured();
    }
    const next = JSON.stringify(desired());
    if (next !== applied) {
      applied = next;
      bridge.update(desired());
    }
    requests = readPending(pending, log) ?? requests;
    approvalsWaiting = true;
    applyApprovals();
    changed();
  };

  /** Applies the approvals `hearth mcp approve` queued: those whose server runs now; the rest wait or lapse. */
  function applyApprovals(): void {
    if (stopped || pins.broken !== null) return;
    const status = bridge.status();
    const ready: QueuedApproval[] = [];
    try {
      const left = pinsFile.settleApprovals((queued) => {
        if (!Object.hasOwn(configured, queued.server)) return true;
        const server = status.find((candidate) => candidate.name === queued.server);
        if (server?.state !== "running") return false;
        const tool = server.tools.find((candidate) => candidate.tool === queued.tool);
        if (!tool || tool.state === "enabled") return true;
        if (tool.hash !== queued.hash) {
          log.warn("mcp.approval_stale", `The approval of ${queued.server}'s tool "${queued.tool}" was for a definition that has changed again; it was not applied. See \`${hearthCommand()} mcp list\`.`);
          return true;
        }
        ready.push(queued);
        return true;
      });
      approvalsWaiting = left > 0;
    } catch (error) {
      log.error("mcp.approvals_unread", `Could not read the queued MCP approvals: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    // Outside the file's lock: approving pins the tool, which writes the same file.
    for (const queued of ready) {
      const result = bridge.approve(queued.server, queued.tool, queued.hash, "cli");
      if (result.ok) log.info("mcp.tool_approved", `Approved ${queued.server}'s tool "${queued.tool}" (from the command line).`, { server: queued.server, tool: queued.tool });
      else log.warn("mcp.approval_refused", `The approval of ${queued.server}'s tool "${queued.tool}" was not applied: ${result.message}`);
    }
  }

  const manage = createMcpManageConnector({ configPath: paths.config, pending, bridge, deviceName: options.deviceName, log, refresh: reload });
  /** The bridge's servers (or, while the pins file is damaged, each configured one stopped with why), then the requests. */
  const servers = (): McpServerStatus[] => {
    const running = pins.broken === null ? bridge.status() : Object.entries(configured).map(([name, server]) => blocked(name, server, pins.broken ?? ""));
    const waiting = Object.entries(requests)
      .filter(([name]) => !running.some((server) => server.name === name))
      .map(([name, request]): McpServerStatus => ({ ...blocked(name, request.server, null), state: "pending_approval" }));
    return [...running, ...waiting];
  };
  const watcher = watchHome(paths, reload, log);
  bridge.start();
  setImmediate(applyApprovals);

  return {
    connectors: () => [manage, ...bridge.connectors()],
    servers,
    explain: (target, action) => explainMissing(target, action, servers(), removed),
    reload,
    stop: async () => {
      stopped = true;
      watcher.close();
      await bridge.stop();
    },
  };
}

/** A server that does not run, as the device page shows it. */
function blocked(name: string, server: McpServerConfig | PendingRequest["server"], error: string | null): McpServerStatus {
  return { name, transport: "command" in server ? "stdio" : "http", display: describeSpec(server), state: "stopped", error, restarts: 0, next_retry_at: null, tools: [] };
}

function readPending(pending: PendingStore, log: Logger): Record<string, PendingRequest> | null {
  try {
    return pending.list();
  } catch (error) {
    if (!(error instanceof McpStoreError)) throw error;
    log.error("mcp.pending_damaged", error.message);
    return null;
  }
}

/** The words for a command whose MCP target or tool is not offered right now. */
function explainMissing(target: string, action: string, status: McpServerStatus[], removed: Set<string>): string | null {
  const hearth = hearthCommand();
  const server = status.find((candidate) => candidate.name === target);
  if (server && server.state === "running") {
    const tool = server.tools.find((candidate) => candidate.action === action);
    if (tool?.state === "changed") return `The MCP server "${target}" changed its tool "${tool.tool}" since you approved it, so it is off until you approve the change (on the device page, or \`${hearth} mcp approve ${target} ${tool.tool}\` on the computer).`;
    if (tool?.state === "new") return `The MCP server "${target}" added the tool "${tool.tool}" after you approved the server, so it is off until you approve it (on the device page, or \`${hearth} mcp approve ${target} ${tool.tool}\` on the computer).`;
    return null;
  }
  if (server?.state === "pending_approval") return `The MCP server "${target}" is waiting for approval on the computer: run \`${hearth} mcp approve ${target}\` there.`;
  if (server) return `The MCP server "${target}" is not running (${server.state}${server.error ? `: ${server.error}` : ""}), so its tools are not available. See \`${hearth} mcp list\` on the computer.`;
  if (removed.has(target)) return `The MCP server "${target}" was removed from this computer, so its tools are gone.`;
  return null;
}

/**
 * Calls `reload` once a burst of changes to config.json, the pins or the pending file settles. fs.watch on the
 * folder, not the files: an atomic rename replaces the file a file-watcher would follow. Where the folder cannot be
 * watched (out of inotify watches), the three files are polled instead.
 */
function watchHome(paths: HomePaths, reload: () => void, log: Logger): { close: () => void } {
  const names = new Set([paths.config, paths.mcpPins, paths.mcpPending].map((path) => basename(path)));
  let timer: NodeJS.Timeout | null = null;
  const soon = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      try {
        reload();
      } catch (error) {
        log.error("mcp.reload_failed", `Re-reading the MCP settings failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }, SETTLE_MS);
  };
  let watcher: FSWatcher | null = null;
  const polled: string[] = [];
  try {
    watcher = watch(paths.dir, { persistent: false }, (_event, name) => {
      if (name === null || names.has(basename(name.toString()))) soon();
    });
    watcher.on("error", (error) => log.warn("mcp.watch_failed", `Stopped watching ${paths.dir} for MCP changes (${error.message}); restart the agent to apply later changes.`));
  } catch (error) {
    log.warn("mcp.watch_failed", `Cannot watch ${paths.dir} (${error instanceof Error ? error.message : String(error)}); checking the MCP files every 2 s instead.`);
    for (const path of [paths.config, paths.mcpPins, paths.mcpPending]) {
      watchFile(path, { interval: 2_000, persistent: false }, soon);
      polled.push(path);
    }
  }
  return {
    close: () => {
      watcher?.close();
      for (const path of polled) unwatchFile(path, soon);
      if (timer) clearTimeout(timer);
    },
  };
}
