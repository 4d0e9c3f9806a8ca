import { execFileSync } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";
import { Sandbox } from "../src/connectors/sandbox.ts";
import { findAction } from "../src/connectors/registry.ts";
import { toFailure } from "../src/connectors/types.ts";
import type { Failure, Json } from "#protocol";
import type { Logger } from "../src/log.ts";
import { createMcpBridge } from "../src/mcp/bridge.ts";
import type { McpBridge, McpServerConfig, PinStore, PinnedTool } from "../src/mcp/types.ts";
import { tempDir } from "./temp.ts";

// Helpers for the bridge's tests: real MCP servers (the reference servers from npm, and the rug-pull fixture),
// run with this Node; a temporary home whose only root is `<home>/Documents`; pins kept in memory (the pin file is
// the agent's, behind the same PinStore seam).

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const SERVER_FILESYSTEM = join(ROOT, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");
export const SERVER_EVERYTHING = join(ROOT, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");
export const RUG_PULL = join(ROOT, "agent/test/fixtures/mcp-rug-pull.mjs");
export const PAGED = join(ROOT, "agent/test/fixtures/mcp-paged.mjs");
export const ECHO_ARGS = join(ROOT, "agent/test/fixtures/mcp-echo-args.mjs");

/** A server entry as config.json would hold it, running a script with this Node. */
export function nodeServer(script: string, args: string[] = [], extra: Partial<McpServerConfig> = {}): McpServerConfig {
  return { command: process.execPath, args: [script, ...args], env: {}, read_only_tools: [], enabled: true, ...extra };
}

/** An in-memory PinStore that counts what was pinned. */
export function memoryPins(): PinStore & { all: Record<string, Record<string, PinnedTool>> } {
  const all: Record<string, Record<string, PinnedTool>> = {};
  return {
    all,
    pinsOf: (server) => ({ ...(all[server] ?? {}) }),
    pin: (server, tool, pin) => {
      all[server] = { ...(all[server] ?? {}), [tool]: pin };
    },
    forget: (server) => {
      delete all[server];
    },
  };
}

const bridges: McpBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.stop()));
});

/** A started bridge over `servers`, with its home, log lines and onChange count; stopped after the test. */
export async function startBridge(servers: Record<string, McpServerConfig>, options: { pins?: ReturnType<typeof memoryPins>; backoff?: { firstMs: number; maxMs: number } } = {}) {
  const home = await tempDir();
  const root = join(home, "Documents");
  await mkdir(root);
  const lines: string[] = [];
  const log: Logger = {
    info: (event, message) => lines.push(`info ${event} ${message}`),
    warn: (event, message) => lines.push(`warn ${event} ${message}`),
    error: (event, message) => lines.push(`error ${event} ${message}`),
  };
  const changes = { count: 0 };
  const pins = options.pins ?? memoryPins();
  const bridge = createMcpBridge({
    servers,
    pins,
    sandbox: new Sandbox([root], home),
    log,
    onChange: () => {
      changes.count += 1;
    },
    agentVersion: "test",
    backoff: options.backoff ?? { firstMs: 200, maxMs: 1000 },
  });
  bridges.push(bridge);
  return { bridge, home, root, lines, changes, pins };
}

/** Waits until `check` returns a value (not undefined/false), polling; fails with `what` after `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs `server.action` the way the executor finds and runs it (without permissions): its data or its failure. */
export async function call(bridge: McpBridge, target: string, action: string, parameters: Record<string, Json>, deadlineAt?: number): Promise<{ ok: true; data: unknown } | { ok: false; error: Failure }> {
  const found = findAction({ connectors: bridge.connectors(), disabled: {}, limits: async () => ({ folders: null, shell_programs: null, apps: [], off: {}, config_path: "" }) }, target, action);
  if (!found.ok) return found;
  const prepared = await found.action.prepare(parameters, deadlineAt === undefined ? {} : { deadlineAt });
  if (!prepared.ok) return prepared;
  try {
    return { ok: true, data: await prepared.run() };
  } catch (error) {
    return { ok: false, error: toFailure(error) };
  }
}

/** The pids of this process's children whose command line contains `needle`. */
export function childPids(needle: string): number[] {
  const out = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)], { encoding: "utf8" });
  return out.split("\n").filter((line) => line.includes(needle)).map((line) => Number(line.trim().split(/\s+/)[0]));
}
