import { shellState } from "../connectors/registry.ts";
import { bareEntries, patternPrograms } from "../connectors/shell-patterns.ts";
import { refusedProgram } from "../connectors/shell-rules.ts";
import { ConfigError, loadConfig } from "../home/config.ts";
import type { ResolvedConfig } from "../home/config.ts";
import { loadCredentials } from "../home/credentials.ts";
import { homePaths, resolveHomeDir } from "../home/paths.ts";
import { runningAgent } from "../home/status-file.ts";
import type { McpServerStatus } from "#protocol";
import { hearthCommand } from "../invocation.ts";
import { CliError, parseOptions } from "./args.ts";
import type { CliCommand } from "./args.ts";
import { existsSync } from "node:fs";
import { openStateDb } from "../store/db.ts";
import { fetchManifest } from "../install/download.ts";
import { isNewer } from "../install/update.ts";
import { installedLayout } from "../install/layout.ts";
import { VERSION } from "../version.ts";
import { RefusedActivity } from "../store/refused-activity.ts";

export const statusCommand: CliCommand = {
  usage: `Usage: hearth status

Shows whether this computer is paired with a Hearth account, whether an agent (\`hearth start\`) is
running and connected, and the main settings: allowed folders, the shell, the local endpoint.

Options:
  -h, --help   Show this help`,
  run: async (argv, { out, env }) => {
    parseOptions(argv, {});
    const hearth = hearthCommand(env);
    const paths = homePaths(resolveHomeDir(env));
    const credentials = loadCredentials(paths.credentials);
    let config;
    try {
      config = loadConfig(paths.config).config;
    } catch (error) {
      if (error instanceof ConfigError) throw new CliError(error.message);
      throw error;
    }
    const agent = runningAgent(paths.status);
    const rows: [string, string][] = [];
    if (credentials) {
      rows.push(["Paired", `yes, with ${credentials.user_email}`], ["Server", credentials.server], ["Device id", credentials.device_id]);
    } else {
      rows.push(["Paired", `no — not paired yet. Run \`${hearth} pair --server https://…\` to connect this computer.`]);
    }
    if (!agent) rows.push(["Agent", `not running. Start it with \`${hearth} start\`.`]);
    else {
      const waiting = agent.outbox > 0 ? `; ${agent.outbox} result/activity frame(s) waiting for the server` : "";
      rows.push(["Agent", `running (pid ${agent.pid}), ${agent.state}${waiting}`]);
    }
    rows.push(...refusedRows(paths.stateDb));
    rows.push(["Folders", config.filesystem.roots.join(", ")]);
    rows.push(...shellRows(config, paths.config, hearth));
    rows.push(["Apps", Object.keys(config.apps).join(", ") || "none configured"]);
    rows.push(["MCP servers", mcpSummary(Object.keys(config.mcp_servers), agent?.mcp_servers ?? null, hearth)]);
    const port = agent?.local_port ?? config.local_endpoint.port;
    rows.push(["Local endpoint", config.local_endpoint.enabled ? `127.0.0.1:${port}` : "off"]);
    rows.push(["Settings", paths.dir]);
    if (credentials) rows.push(...(await updateRows(credentials.server, hearth)));
    const width = Math.max(...rows.map(([label]) => label.length)) + 2;
    if (!credentials) out.log("Not paired yet.");
    for (const [label, value] of rows) out.log(`${(label ? `${label}:` : "").padEnd(width)}${value}`);
    return 0;
  },
};

/** One line about the MCP servers: their states while the agent runs, and how many tools wait for approval. */
function mcpSummary(configured: string[], live: McpServerStatus[] | null, hearth: string): string {
  if (configured.length === 0) return `none (\`${hearth} mcp add\` adds one)`;
  const states = configured.map((name) => {
    const server = live?.find((candidate) => candidate.name === name);
    const off = server?.tools.filter((tool) => tool.state !== "enabled").length ?? 0;
    return `${name} ${server?.state ?? "set up"}${off > 0 ? ` (${off} tool(s) to approve)` : ""}`;
  });
  return `${states.join(", ")}; see \`${hearth} mcp list\``;
}

/** How long `hearth status` waits for the server's manifest: status must stay quick when the server is away. */
const MANIFEST_TIMEOUT_MS = 3_000;

/** "update available: X" when the server offers a newer agent; nothing when it does not, or cannot be reached. */
async function updateRows(server: string, hearth: string): Promise<[string, string][]> {
  let manifest;
  try {
    manifest = await fetchManifest(server, MANIFEST_TIMEOUT_MS);
  } catch {
    return [];
  }
  if (!isNewer(manifest)) return [];
  let installed = true;
  try {
    installed = installedLayout() !== null;
  } catch {
    // A damaged install.json: `hearth update` says how to repair it.
  }
  const how = installed ? `run \`${hearth} update\`` : "this is a repo checkout: run `git pull`";
  return [["Version", `${VERSION}; update available: ${manifest.version} (${how})`]];
}

/** Refused activity shown at most this many at a time; the rest is counted. */
const REFUSED_SHOWN = 5;

/** Activity that was not taken, newest first, each with its reason: never dropped without the user seeing it. */
function refusedRows(stateDb: string): [string, string][] {
  if (!existsSync(stateDb)) return [];
  const db = openStateDb(stateDb);
  try {
    const store = new RefusedActivity(db);
    const total = store.count();
    if (total === 0) return [];
    const rows: [string, string][] = [["Refused activity", `${total} event(s) were not stored. They are kept on this computer (state.db) until retention ends:`]];
    for (const row of store.latest(REFUSED_SHOWN)) {
      const by = row.refusedBy === "server" ? "the server refused" : "not sent, the server would refuse";
      rows.push(["", `${new Date(row.refusedAt).toISOString()} ${row.eventId ?? "(no id)"}: ${by} it — ${row.reason}`]);
    }
    if (total > REFUSED_SHOWN) rows.push(["", `… and ${total - REFUSED_SHOWN} more.`]);
    return rows;
  } finally {
    db.close();
  }
}

/** The shell's state: what it may run and how it is confined, or why it is off; and what changed for old entries. */
function shellRows(config: ResolvedConfig, configPath: string, hearth: string): [string, string][] {
  const shell = shellState(config, configPath);
  if (!shell.on) return [["Shell", config.shell.allow.length === 0 ? "off (no commands in shell.allow)" : `off — ${shell.off.replace(/^The shell connector is off on this computer: /, "")}`]];
  const { patterns, network } = shell.options;
  const rows: [string, string][] = [
    ["Shell", `on for ${patterns.map((pattern) => pattern.text).join(", ")}, in a bubblewrap sandbox (only the folders above, ${network ? "with" : "no"} network); still needs \`${hearth} permissions grant shell run\``],
  ];
  for (const program of bareEntries(patterns)) {
    rows.push(["", `note: "${program}" alone now allows only ${program} with no arguments. shell.allow takes command patterns: write each command you use with its arguments, like "git status", "git log *" or "ls -la *".`]);
  }
  for (const program of patternPrograms(patterns)) {
    const refused = refusedProgram(program);
    if (refused) rows.push(["", `note: ${refused}`]);
  }
  return rows;
}
