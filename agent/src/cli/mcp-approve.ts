import type { McpServerSpec, McpToolStatus } from "#protocol";
import { ensureHomeDir } from "../home/paths.ts";
import type { HomePaths } from "../home/paths.ts";
import { readStatus, runningAgent } from "../home/status-file.ts";
import { terminalAsker } from "../install/ask.ts";
import { hearthCommand } from "../invocation.ts";
import { editMcpServers } from "../mcp/config-file.ts";
import { PendingStore, PinsFileStore } from "../mcp/store.ts";
import { CliError, parseOptions, UsageError } from "./args.ts";
import type { CliContext, Output } from "./args.ts";
import { files, whenItStarts } from "./mcp-files.ts";

/** How long `approve <server> <tool>` waits for the running agent to apply what it queued. */
const APPLY_WAIT_MS = 5_000;

export const approveCommand = {
  usage: `Usage: hearth mcp approve <name> [--yes]
       hearth mcp approve <name> <tool> [--yes]
       hearth mcp approve <name> --all-changed [--yes]

With a name only: starts a server that was asked for from the web app, after showing exactly what will run
(the command, its arguments, the names of its environment variables). Nothing asked for from the web app runs
before this.

With a tool (or --all-changed): approves a tool whose definition changed since you approved it, or that is new,
after showing what changed. Until then the tool is off. Needs the agent running (\`hearth start\`).

Options:
  --all-changed  Every changed or new tool of the server
  -y, --yes      Do not ask; approve
  -h, --help     Show this help`,
  run: async (argv: string[], paths: HomePaths, { out }: CliContext): Promise<number> => {
    const { values, positionals } = parseOptions(argv, { yes: { type: "boolean", short: "y" }, "all-changed": { type: "boolean" } }, true);
    const [name, tool, ...extra] = positionals;
    if (!name || extra.length > 0) throw new UsageError("give a server name, and optionally one tool, e.g. hearth mcp approve files");
    const yes = values.yes === true;
    if (tool !== undefined || values["all-changed"]) return approveTools(paths, out, name, tool ?? null, yes);
    return approveServer(paths, out, name, yes);
  },
};

async function approveServer(paths: HomePaths, out: Output, name: string, yes: boolean): Promise<number> {
  const hearth = hearthCommand();
  const request = files(() => new PendingStore(paths.mcpPending).get(name));
  if (!request) {
    throw new CliError(`Nothing named "${name}" is waiting for approval. See \`${hearth} mcp list\`; to approve a changed tool, run \`${hearth} mcp approve ${name} <tool>\` (or --all-changed).`);
  }
  out.log(`The web app asked to add the MCP server "${name}". Approving it lets it run on this computer as you:`);
  for (const line of whatRuns(request.server)) out.log(`  ${line}`);
  if (!(await confirm(yes, `Start "${name}"? [y/N] `))) {
    out.log(`Not approved. The request stays; \`${hearth} mcp remove ${name}\` drops it.`);
    return 1;
  }
  ensureHomeDir(paths);
  files(() =>
    editMcpServers(paths.config, (servers) => {
      if (Object.hasOwn(servers, name)) throw new CliError(`An MCP server named "${name}" is already set up. Remove it first (\`${hearth} mcp remove ${name}\`), then approve again.`);
      servers[name] = request.server;
    }),
  );
  files(() => new PendingStore(paths.mcpPending).remove(name));
  out.log(`Approved "${name}". ${whenItStarts(paths)}`);
  return 0;
}

/** What a server runs, the way the user must see it before approving: every argument, env names without values. */
function whatRuns(server: McpServerSpec): string[] {
  if ("command" in server) {
    return [
      `command: ${server.command}`,
      `arguments: ${server.args.length === 0 ? "(none)" : server.args.map((arg) => JSON.stringify(arg)).join(" ")}`,
      `environment: ${Object.keys(server.env).length === 0 ? "(none)" : `${Object.keys(server.env).join(", ")} (values not shown)`}`,
      ...(server.cwd !== undefined ? [`folder: ${server.cwd}`] : []),
    ];
  }
  return [`address: ${server.url}`, `headers: ${Object.keys(server.headers).length === 0 ? "(none)" : `${Object.keys(server.headers).join(", ")} (values not shown)`}`];
}

async function approveTools(paths: HomePaths, out: Output, name: string, only: string | null, yes: boolean): Promise<number> {
  const hearth = hearthCommand();
  const agent = runningAgent(paths.status);
  if (!agent) throw new CliError(`The agent is not running, so there is no changed tool to show. Start it (\`${hearth} start\`), then run \`${hearth} mcp list\`.`);
  const server = agent.mcp_servers?.find((candidate) => candidate.name === name);
  if (!server) throw new CliError(`The running agent has no MCP server "${name}". See \`${hearth} mcp list\`.`);
  const waiting = server.tools.filter((tool) => tool.state !== "enabled" && (only === null || tool.tool === only || tool.action === only));
  if (waiting.length === 0) {
    const known = only === null ? undefined : server.tools.find((tool) => tool.tool === only || tool.action === only);
    if (only !== null && !known) throw new CliError(`"${name}" has no tool "${only}" right now. See \`${hearth} mcp list\`.`);
    out.log(only === null ? `No tool of "${name}" waits for approval.` : `"${name}"'s tool "${only}" is already approved.`);
    return 0;
  }
  for (const tool of waiting) describeTool(out, tool);
  if (!(await confirm(yes, `Approve ${waiting.length === 1 ? "this tool" : `these ${waiting.length} tools`}? [y/N] `))) {
    out.log("Not approved; the tools stay off.");
    return 1;
  }
  const queue = new PinsFileStore(paths.mcpPins);
  for (const tool of waiting) files(() => queue.queueApproval(name, tool.tool, tool.hash));
  // The agent applies the queue when it sees the file change; wait to say whether it did.
  const deadline = Date.now() + APPLY_WAIT_MS;
  while (Date.now() < deadline) {
    const now = readStatus(paths.status)?.mcp_servers?.find((candidate) => candidate.name === name);
    const pendingTools = waiting.filter((tool) => now?.tools.find((candidate) => candidate.tool === tool.tool)?.state !== "enabled");
    if (pendingTools.length === 0) {
      out.log(`Approved: ${waiting.map((tool) => tool.tool).join(", ")}.`);
      return 0;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  out.log(`Queued; the agent applies it once "${name}" runs with the definition you saw. Check with \`${hearth} mcp list\`.`);
  return 0;
}

/** A tool awaiting approval: what it is, and what changed (the server's words are data, shown as-is). */
function describeTool(out: Output, tool: McpToolStatus): void {
  out.log(`\nTool "${tool.tool}" (action ${tool.action}) — ${tool.state === "changed" ? "changed since you approved it" : "new since you approved the server"}:`);
  if (tool.state === "changed" && tool.diff) for (const line of tool.diff.split("\n")) out.log(`  ${line}`);
  else out.log(`  description: ${tool.description}`);
  const hints = Object.entries(tool.hints).filter(([, value]) => value !== undefined).map(([hint, value]) => `${hint}=${String(value)}`);
  if (hints.length > 0) out.log(`  the server's hints (not trusted): ${hints.join(", ")}`);
  out.log(`  definition hash: ${tool.hash}`);
}

/** y/N on the terminal; `--yes` skips it. No terminal to ask on is a refusal that says to use --yes. */
async function confirm(yes: boolean, question: string): Promise<boolean> {
  if (yes) return true;
  const asker = terminalAsker();
  try {
    const answer = await asker.ask(question);
    if (answer === null) throw new CliError("There is no terminal to ask on. Run it again with --yes once you have read what it approves.");
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    asker.close();
  }
}
