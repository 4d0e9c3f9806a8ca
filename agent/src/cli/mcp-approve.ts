import type { McpServerSpec, McpToolStatus } from "#protocol";
import { ensureHomeDir } from "../home/paths.ts";
import type { HomePaths } from "../home/paths.ts";
import { readStatus, runningAgent } from "../home/status-file.ts";
import { terminalAsker } from "../install/ask.ts";
import { hearthCommand } from "../invocation.ts";
import { editMcpServers } from "../mcp/config-file.ts";
import { PendingStore, PinsFileStore } from "../mcp/store.ts";
import { changesHowProgramsLoad } from "../mcp/web-request.ts";
import { CliError, parseOptions, UsageError } from "./args.ts";
import type { CliContext, Output } from "./args.ts";
import { files, whenItStarts } from "./mcp-files.ts";
import { printable } from "./printable.ts";

/** How long `approve <server> <tool>` waits for the running agent to apply what it queued. */
const APPLY_WAIT_MS = 5_000;

export const approveCommand = {
  usage: `Usage: hearth mcp approve <name> [--yes]
       hearth mcp approve <name> <tool> [--yes]
       hearth mcp approve <name> --all-changed [--yes]

With a name only: starts a server that was asked for from the web app, after showing exactly what will run
(the command, every argument, every environment variable with its value; for an address, every header). Nothing
asked for from the web app runs before this. A request that sets a variable which changes how programs load
(NODE_OPTIONS, LD_PRELOAD, PATH, PYTHON*, npm_config_*, …) or a working folder is refused unless you allow
each such variable by name.

With a tool (or --all-changed): approves a tool whose definition changed since you approved it, or that is new,
after showing what changed. Until then the tool is off. Needs the agent running (\`hearth start\`).

Options:
  --all-changed     Every changed or new tool of the server
  --allow-env NAME  Start it even though it sets NAME, which changes how programs load (repeat for more)
  -y, --yes         Do not ask; approve
  -h, --help     Show this help`,
  run: async (argv: string[], paths: HomePaths, { out }: CliContext): Promise<number> => {
    const { values, positionals } = parseOptions(argv, { yes: { type: "boolean", short: "y" }, "all-changed": { type: "boolean" }, "allow-env": { type: "string", multiple: true } }, true);
    const [name, tool, ...extra] = positionals;
    if (!name || extra.length > 0) throw new UsageError("give a server name, and optionally one tool, e.g. hearth mcp approve files");
    const yes = values.yes === true;
    if (tool !== undefined || values["all-changed"]) return approveTools(paths, out, name, tool ?? null, yes);
    return approveServer(paths, out, name, yes, values["allow-env"] ?? []);
  },
};

async function approveServer(paths: HomePaths, out: Output, name: string, yes: boolean, allowEnv: readonly string[]): Promise<number> {
  const hearth = hearthCommand();
  const request = files(() => new PendingStore(paths.mcpPending).get(name));
  if (!request) {
    throw new CliError(`Nothing named "${name}" is waiting for approval. See \`${hearth} mcp list\`; to approve a changed tool, run \`${hearth} mcp approve ${name} <tool>\` (or --all-changed).`);
  }
  out.log(`The web app asked to add the MCP server "${name}". Approving it lets it run on this computer as you:`);
  for (const line of whatRuns(request.server)) out.log(`  ${line}`);
  // The agent refuses such requests since S1; one written before, or by hand, is refused here unless allowed by name.
  if ("command" in request.server) {
    const unallowed = Object.keys(request.server.env).filter((key) => changesHowProgramsLoad(key) && !allowEnv.includes(key));
    if (unallowed.length > 0) {
      throw new CliError(`Not approved: the request sets ${unallowed.join(", ")}, which ${unallowed.length === 1 ? "changes" : "change"} how programs load, so the command above could run something else. If you set ${unallowed.length === 1 ? "it" : "them"} yourself and mean it, run \`${hearth} mcp approve ${name} ${unallowed.map((key) => `--allow-env ${key}`).join(" ")}\`; otherwise drop the request: \`${hearth} mcp remove ${name}\`.`);
    }
    if (request.server.cwd !== undefined) {
      throw new CliError(`Not approved: a request from the web app may not choose the folder a program runs in. Drop it (\`${hearth} mcp remove ${name}\`) and set the server up yourself (\`${hearth} mcp add\`, or config.json).`);
    }
  }
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

/**
 * What a requested server runs, the way the user must see it before approving: everything, values included. They
 * came from the web app, so they are no local secret (they already sit in the command's parameters), and a value
 * hidden here is a value approved unseen. Every string is escaped: it is the requester's, not ours.
 */
function whatRuns(server: McpServerSpec): string[] {
  const quoted = (text: string) => printable(JSON.stringify(text));
  if ("command" in server) {
    const env = Object.entries(server.env);
    return [
      `command: ${quoted(server.command)}`,
      `arguments: ${server.args.length === 0 ? "(none)" : server.args.map(quoted).join(" ")}`,
      `environment: ${env.length === 0 ? "(none)" : ""}`.trimEnd(),
      ...env.map(([key, value]) => `  ${key}=${quoted(value)}${changesHowProgramsLoad(key) ? "   <- changes how programs load" : ""}`),
      ...(server.cwd !== undefined ? [`folder: ${quoted(server.cwd)}   <- chosen by the web app`] : []),
    ];
  }
  const headers = Object.entries(server.headers);
  return [`address: ${printable(server.url)}`, `headers: ${headers.length === 0 ? "(none)" : ""}`.trimEnd(), ...headers.map(([key, value]) => `  ${quoted(key)}: ${quoted(value)}`)];
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
      out.log(`Approved: ${waiting.map((tool) => printable(tool.tool)).join(", ")}.`);
      return 0;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  out.log(`Queued; the agent applies it once "${name}" runs with the definition you saw. Check with \`${hearth} mcp list\`.`);
  return 0;
}

/** A tool awaiting approval: what it is, and what changed. The server's words are data, shown escaped, never obeyed. */
function describeTool(out: Output, tool: McpToolStatus): void {
  out.log(`\nTool "${printable(tool.tool)}" (action ${tool.action}) — ${tool.state === "changed" ? "changed since you approved it" : "new since you approved the server"}:`);
  if (tool.state === "changed" && tool.diff) for (const line of tool.diff.split("\n")) out.log(`  ${printable(line)}`);
  else out.log(`  description: ${printable(tool.description)}`);
  if (tool.title !== undefined) out.log(`  title: ${printable(tool.title)}`);
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
