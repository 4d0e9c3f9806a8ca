import { hearthCommand } from "../invocation.ts";
import { loadConfig } from "../home/config.ts";
import { ensureHomeDir, homePaths, resolveHomeDir } from "../home/paths.ts";
import type { HomePaths } from "../home/paths.ts";
import { runningAgent } from "../home/status-file.ts";
import { McpServerEntry, mcpNameProblem } from "../mcp/config-entry.ts";
import { describeSpec } from "../mcp/display.ts";
import { editMcpServers } from "../mcp/config-file.ts";
import { McpStoreError, PendingStore } from "../mcp/store.ts";
import { CliError, parseOptions, UsageError } from "./args.ts";
import type { CliCommand, CliContext, Output } from "./args.ts";
import { approveCommand } from "./mcp-approve.ts";
import { printable } from "./printable.ts";
import { files, whenItStarts } from "./mcp-files.ts";

type Sub = { usage: string; run: (argv: string[], paths: HomePaths, context: CliContext) => Promise<number> };

const ADD_USAGE = `Usage: hearth mcp add <name> [options] -- <command> [args…]
       hearth mcp add <name> --url <url> [--header NAME=VALUE …]

Adds an MCP server as a connector named <name>. Adding it here is your approval to start it: the running agent
starts it at once (or at the next \`hearth start\`). Its tools are pinned as they are at its first start; a tool
that changes later is turned off until you approve the change.

Examples:
  hearth mcp add files -- npx -y @modelcontextprotocol/server-filesystem ~/Documents
  hearth mcp add github --env GITHUB_TOKEN=ghp_… -- npx -y @modelcontextprotocol/server-github
  hearth mcp add docs --url https://example.com/mcp --header "Authorization=Bearer …"

Options:
  --env KEY=VALUE     An environment variable for the program (repeat for more)
  --url <url>         A Streamable HTTP server instead of a program
  --header NAME=VALUE A header sent to a --url server (repeat for more)
  --read-only <tool>  Mark a tool read-only: your word that it changes nothing (repeat for more)
  -h, --help          Show this help`;

const SUBCOMMANDS: Record<string, Sub> = {
  add: {
    usage: ADD_USAGE,
    run: async (argv, paths, { out }) => {
      const split = argv.indexOf("--");
      const { values, positionals } = parseOptions(split === -1 ? argv : argv.slice(0, split), { env: { type: "string", multiple: true }, url: { type: "string" }, header: { type: "string", multiple: true }, "read-only": { type: "string", multiple: true } }, true);
      const program = split === -1 ? [] : argv.slice(split + 1);
      const [name, ...extra] = positionals;
      if (!name || extra.length > 0) throw new UsageError("give one server name, then -- and the command (or --url), e.g. hearth mcp add files -- npx -y @modelcontextprotocol/server-filesystem ~/Documents");
      const problem = mcpNameProblem(name);
      if (problem) throw new CliError(problem, 2);
      const [command, ...args] = program;
      if (values.url !== undefined && command !== undefined) throw new UsageError("give either --url or -- <command>, not both");
      if (values.url === undefined && command === undefined) throw new UsageError("say what to run: -- <command> [args…], or --url <url>");
      if (values.url !== undefined && values.env) throw new UsageError("--env is for programs; a --url server takes --header");
      if (values.url === undefined && values.header) throw new UsageError("--header is for --url servers; a program takes --env");
      const entry = {
        ...(values.url !== undefined ? { url: values.url, headers: pairs(values.header ?? [], "--header") } : { command, args, env: pairs(values.env ?? [], "--env") }),
        ...(values["read-only"] ? { read_only_tools: values["read-only"] } : {}),
      };
      // Checked alone first, so a bad --url is reported as this command's mistake, not as config.json's.
      const checked = McpServerEntry.safeParse(entry);
      if (!checked.success) throw new UsageError(checked.error.issues.map((issue) => `${issue.path.join(".") || "server"}: ${issue.message.replace(/\.$/, "")}`).join("; "));
      ensureHomeDir(paths);
      const { config } = files(() =>
        editMcpServers(paths.config, (servers) => {
          if (Object.hasOwn(servers, name)) throw new CliError(`An MCP server named "${name}" is already set up. Remove it first (\`${hearthCommand()} mcp remove ${name}\`), or pick another name.`);
          servers[name] = entry;
        }),
      );
      const pending = new PendingStore(paths.mcpPending);
      if (files(() => pending.remove(name)) !== undefined) out.log(`(This replaces the request for "${name}" from the web app.)`);
      const added = config.mcp_servers[name];
      out.log(`Added the MCP server "${name}": ${added ? describeSpec(added) : ""}`);
      out.log(whenItStarts(paths));
      return 0;
    },
  },
  list: {
    usage: `Usage: hearth mcp list

Shows the MCP servers: their state and tools (enabled, changed or new) while the agent runs, and the requests
from the web app waiting for \`hearth mcp approve\`.`,
    run: async (argv, paths, { out }) => {
      parseOptions(argv, {});
      listServers(paths, out);
      return 0;
    },
  },
  remove: {
    usage: `Usage: hearth mcp remove <name>

Removes an MCP server (or a request waiting for approval) from config.json. The running agent stops it and
forgets its approved tool definitions (a stopped agent does so at its next start): added again, it is approved
afresh.`,
    run: async (argv, paths, { out }) => {
      const { positionals } = parseOptions(argv, {}, true);
      const [name, ...extra] = positionals;
      if (!name || extra.length > 0) throw new UsageError("give one server name, e.g. hearth mcp remove files");
      const { result: configured } = files(() =>
        editMcpServers(paths.config, (servers) => {
          if (!Object.hasOwn(servers, name)) return false;
          delete servers[name];
          return true;
        }),
      );
      const pending = files(() => new PendingStore(paths.mcpPending).remove(name)) !== undefined;
      if (!configured && !pending) throw new CliError(`There is no MCP server "${name}" (set up or waiting). See \`${hearthCommand()} mcp list\`.`);
      out.log(configured ? `Removed the MCP server "${name}"${runningAgent(paths.status) ? "; the running agent stops it now" : ""}.` : `Dropped the request for "${name}".`);
      return 0;
    },
  },
  approve: approveCommand,
};

export const mcpCommand: CliCommand = {
  usage: `Usage: hearth mcp <add|list|remove|approve|serve> …

MCP (Model Context Protocol) servers as Hearth connectors: each server's tools become actions that run with
your permission, like the built-in ones. Servers live in config.json's "mcp_servers" (Claude Desktop's shape).

Commands:
  add <name> -- <command> [args…]   Add a server (also --url, --env, --read-only)
  list                              Show servers, their tools, and requests from the web app
  remove <name>                     Remove a server (or a request)
  approve <name>                    Start a server asked for from the web app (shows what will run)
  approve <name> <tool>             Approve a tool that changed (or is new), after seeing the diff
  serve                             Offer this computer's Hearth connectors to an MCP client

Run \`hearth mcp <command> --help\` for details.`,
  run: async (argv, context) => {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
      context.out.log(mcpCommand.usage);
      return 0;
    }
    if (sub === "serve") return runServe(rest, context.env);
    const entry = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
    if (!entry) throw new UsageError(`unknown mcp command "${sub}"; use add, list, remove, approve or serve`);
    const beforeDashes = rest.indexOf("--") === -1 ? rest : rest.slice(0, rest.indexOf("--"));
    if (beforeDashes.includes("--help") || beforeDashes.includes("-h")) {
      context.out.log(entry.usage);
      return 0;
    }
    return entry.run(rest, homePaths(resolveHomeDir(context.env)), context);
  },
};

/** `hearth mcp serve`: Hearth's connectors offered to an MCP client (agent/src/cli/mcp-serve.ts). */
async function runServe(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return (await import("./mcp-serve.ts")).runMcpServe(argv, env);
}

/** Prints config.json's servers (with the running agent's view of them), then the pending requests. */
function listServers(paths: HomePaths, out: Output): void {
  const hearth = hearthCommand();
  const config = files(() => loadConfig(paths.config).config);
  const agent = runningAgent(paths.status);
  const live = agent?.mcp_servers ?? [];
  if (!agent) out.log(`The agent is not running (start it with \`${hearth} start\`), so servers show as set up, not their tools.\n`);
  const names = Object.keys(config.mcp_servers);
  if (names.length === 0) out.log(`No MCP servers are set up. Add one with \`${hearth} mcp add <name> -- <command> [args…]\`.`);
  for (const name of names) {
    const entry = config.mcp_servers[name];
    if (!entry) continue;
    const status = live.find((server) => server.name === name);
    const state = !entry.enabled ? "disabled" : (status?.state ?? (agent ? "starting" : "set up"));
    // The servers' words (errors, tool names) and specs asked for from the web are shown escaped, never obeyed.
    out.log(`${name}  ${state}  ${printable(describeSpec(entry))}`);
    if (status?.error) out.log(`  error: ${printable(status.error)}`);
    if (status?.state === "restarting" && status.next_retry_at) out.log(`  next try in ${Math.max(0, Math.round((status.next_retry_at - Date.now()) / 1000))} s (${status.restarts} restart(s) so far)`);
    const width = Math.max(0, ...(status?.tools ?? []).map((tool) => printable(tool.tool).length));
    for (const tool of status?.tools ?? []) {
      const marks = [tool.state, ...(entry.read_only_tools.includes(tool.tool) ? ["read-only"] : [])].join(", ");
      const fix = tool.state === "enabled" ? "" : `  → \`${hearth} mcp approve ${name} ${/^[\w.-]+$/.test(tool.tool) ? tool.tool : printable(JSON.stringify(tool.tool))}\``;
      out.log(`  ${printable(tool.tool).padEnd(width)}  ${marks}${fix}`);
    }
  }
  let pending: ReturnType<PendingStore["list"]> = {};
  try {
    pending = new PendingStore(paths.mcpPending).list();
  } catch (error) {
    if (!(error instanceof McpStoreError)) throw error;
    out.error(error.message);
  }
  const waiting = Object.entries(pending);
  if (waiting.length > 0) {
    out.log("\nAsked for from the web app, waiting for your approval here:");
    for (const [name, request] of waiting) out.log(`  ${name}  ${printable(describeSpec(request.server))}  → \`${hearth} mcp approve ${name}\``);
  }
}

/** "KEY=VALUE" options into a record; a malformed one is a usage error naming the option. */
function pairs(items: string[], option: string): Record<string, string> {
  const record: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf("=");
    if (at <= 0) throw new UsageError(`${option} takes NAME=VALUE, got "${item}"`);
    Object.defineProperty(record, item.slice(0, at), { value: item.slice(at + 1), enumerable: true, writable: true, configurable: true });
  }
  return record;
}
