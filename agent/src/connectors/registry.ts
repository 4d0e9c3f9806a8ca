import { hearthCommand } from "../invocation.ts";
import { defaultLauncher, defaultProgramDir, installedLayout } from "../install/layout.ts";
import { createAppsConnector } from "./apps.ts";
import { createBrowserConnector } from "./browser.ts";
import { createFilesystemConnector } from "./filesystem.ts";
import type { TrashOptions } from "./trash.ts";
import { Sandbox } from "./sandbox.ts";
import { probeOsSandbox } from "./os-sandbox.ts";
import type { OsSandbox } from "./os-sandbox.ts";
import { createShellConnector } from "./shell.ts";
import type { ShellOptions } from "./shell.ts";
import { isPattern, parseCommandPattern, patternPrograms } from "./shell-patterns.ts";
import { createSystemConnector } from "./system.ts";
import type { Action, Connector } from "./types.ts";
import { AgentConfig } from "../home/config.ts";
import type { ResolvedConfig } from "../home/config.ts";
import { dirname, sep } from "node:path";
import { MCP_ACTIONS, MCP_TARGET } from "#protocol";
import type { AgentLimits, Failure } from "#protocol";

/** Everything `createConnectors` needs besides the config. `osSandbox` defaults to probing this computer's bubblewrap. */
export type ConnectorEnvironment = { configPath: string; agentVersion: string; home?: string; trash?: TrashOptions; osSandbox?: OsSandbox };

/**
 * The connectors this computer offers, and why any known one is missing. The running agent's set is live: its
 * `connectors` also holds the MCP servers' connectors as they are now, so every command sees the current set.
 */
export type ConnectorSet = {
  connectors: Connector[];
  /** Why `target.action` is not offered when something other than `disabled` knows (an MCP server); else null. */
  explain?: (target: string, action: string) => string | null;
  /** Target → why it is off here (for example, the shell with an empty allowlist). */
  disabled: Record<string, string>;
  /** The local limits to advertise in `hello` (they read the roots' real paths, hence async). */
  limits: () => Promise<AgentLimits>;
};

/**
 * Builds the connectors from config.json. A connector with nothing to offer (the shell without an allowlist, apps
 * without entries) is left out of `hello`, so the assistant never proposes it, and a command for it says how to turn it on.
 */
export function createConnectors(config: ResolvedConfig, env: ConnectorEnvironment): ConnectorSet & { sandbox: Sandbox } {
  const protect = agentFolders(env.configPath);
  const sandbox = new Sandbox(config.filesystem.roots, env.home, protect);
  const connectors: Connector[] = [
    createFilesystemConnector({ roots: config.filesystem.roots, maxReadBytes: config.filesystem.max_read_bytes, protect, ...(env.home ? { home: env.home } : {}), ...(env.trash ? { trash: env.trash } : {}) }),
    createBrowserConnector(),
    createSystemConnector(sandbox, env.agentVersion),
  ];
  const disabled: Record<string, string> = {};
  const shell = shellState(config, env.configPath, env.osSandbox);
  if (shell.on) connectors.push(createShellConnector(shell.options, sandbox));
  else disabled.shell = shell.off;
  if (Object.keys(config.apps).length > 0) connectors.push(createAppsConnector(config.apps, env.configPath));
  else disabled.apps = `No applications are configured on this computer. Add them under "apps" in ${env.configPath}, e.g. "editor": {"command": "code"}.`;
  const limits = async (): Promise<AgentLimits> => ({
    // Paths are compared as POSIX text on the server; a Windows agent leaves its folders to itself.
    folders:
      sep === "/"
        ? { home: sandbox.home, relative_to: sandbox.home /* a relative path starts at home (see Sandbox.resolve) */, roots: [...new Set([...sandbox.roots, ...(await sandbox.realRoots())])], shown: sandbox.displayRoots() }
        : null,
    shell_programs: shell.on ? patternPrograms(shell.options.patterns) : null,
    apps: Object.keys(config.apps),
    off: disabled,
    config_path: env.configPath,
  });
  // The sandbox too: the MCP bridge checks path parameters against the same roots.
  return { connectors, disabled, limits, sandbox };
}

/**
 * Hearth's own folders, which no action may reach even inside a root (see Sandbox): the settings folder (HEARTH_HOME,
 * config.json's folder), the program folder and the launcher, where a write would start or become a program.
 */
export function agentFolders(configPath: string): string[] {
  let installed: string | null = null;
  try {
    installed = installedLayout()?.dir ?? null;
  } catch {
    // A damaged install.json: the default program folder below still covers the usual place.
  }
  return [...new Set([dirname(configPath), defaultProgramDir(), defaultLauncher(), ...(installed === null ? [] : [installed])])];
}

/** The shell connector's settings, or why it is off (with the fix): no patterns, or no OS sandbox to run them in. */
export function shellState(config: ResolvedConfig, configPath: string, osSandbox?: OsSandbox): { on: true; options: ShellOptions } | { on: false; off: string } {
  if (config.shell.allow.length === 0) {
    return { on: false, off: `The shell connector is off on this computer. To turn it on, list the commands it may run in shell.allow in ${configPath} (patterns like "git status" or "git log *"), then run \`${hearthCommand()} permissions grant shell run --scope <program>\`.` };
  }
  const os = osSandbox ?? probeOsSandbox();
  if (!os.ok) return { on: false, off: `The shell connector is off on this computer: ${os.reason}.` };
  const patterns = config.shell.allow.map(parseCommandPattern).filter(isPattern);
  const options: ShellOptions = {
    patterns,
    timeoutMs: config.shell.timeout_ms,
    maxOutputBytes: config.shell.max_output_bytes,
    configPath,
    network: config.shell.network,
    bwrap: os.bwrap,
    hidden: [dirname(configPath)],
  };
  return { on: true, options };
}

/** Finds an action, or the failure to report: `unknown_action`, with what exists or how to turn it on. */
export function findAction(set: ConnectorSet, target: string, action: string): { ok: true; action: Action } | { ok: false; error: Failure } {
  // Read once: a live set's MCP part may change between two reads.
  const connectors = set.connectors;
  const connector = connectors.find((candidate) => candidate.target === target);
  if (!connector) {
    // hasOwn, not a plain lookup: names like "constructor" must not reach Object.prototype.
    const reason =
      (Object.hasOwn(set.disabled, target) ? set.disabled[target] : undefined) ??
      set.explain?.(target, action) ??
      `This agent has no "${target}" connector (no built-in one, and no MCP server of that name runs here). It has: ${connectors.map((c) => c.target).join(", ")}.`;
    return { ok: false, error: { code: "unknown_action", message: reason } };
  }
  const found = Object.hasOwn(connector.actions, action) ? connector.actions[action] : undefined;
  if (!found) {
    const reason = set.explain?.(target, action) ?? `${target} has no action "${action}". It has: ${Object.keys(connector.actions).join(", ")}.`;
    return { ok: false, error: { code: "unknown_action", message: reason } };
  }
  return { ok: true, action: found };
}

/**
 * Every built-in target and its actions this agent version knows, whether or not config.json turns them on, and the
 * `mcp` management connector's. MCP servers' tools are not here: they are dynamic (whatever a server lists while it
 * runs), so callers accept any server name that is not a built-in target.
 */
export function knownActions(): Record<string, string[]> {
  const everything = createConnectors(
    {
      filesystem: { roots: ["~"], max_read_bytes: 1 },
      shell: { allow: ["true"], network: false, timeout_ms: 1000, max_output_bytes: 1 },
      apps: { app: { command: "true", args: [] } },
      listeners: AgentConfig.shape.listeners.parse(undefined),
      privacy: AgentConfig.shape.privacy.parse(undefined),
      local_endpoint: { enabled: false, port: 0 },
      mcp_servers: {},
    },
    { configPath: "config.json", agentVersion: "0", osSandbox: { ok: true, bwrap: "bwrap" } },
  );
  return { ...Object.fromEntries(everything.connectors.map((connector) => [connector.target, Object.keys(connector.actions)])), [MCP_TARGET]: Object.values(MCP_ACTIONS) };
}
