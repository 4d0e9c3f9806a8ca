import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ElicitResultSchema, ErrorCode, ListToolsRequestSchema, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { HomePaths } from "../home/paths.ts";
import type { Logger } from "../log.ts";
import { VERSION } from "../version.ts";
import { AgentUnavailableError, LocalAgentClient } from "./agent-client.ts";
import type { AgentWelcome, OnPermissionRequest } from "./agent-client.ts";
import { ELICITATION_TIMEOUT_MS, canElicitForm, cancelForm, wantsCancel } from "./elicit.ts";
import { offeredTools, toCallToolResult, toolError } from "./tools.ts";

/** While a call waits for the user, how often the client hears progress (when it asked for progress). */
const PROGRESS_EVERY_MS = 15_000;

/** What the MCP client calls us with: JSON arguments by name (the SDK checks only that it is an object). */
const ToolArguments = z.record(z.string(), z.json());

/** The client's name as the agent's audit logs and the user's question show it. */
export function mcpClientName(clientInfoName: string | undefined): string {
  const name = (clientInfoName ?? "").replace(/[\u0000-\u001f\u007f]/g, "").trim().slice(0, 60);
  return `${name || "unnamed client"} (MCP)`;
}

const INSTRUCTIONS =
  "These tools act on the user's own computer through their Hearth agent. Hearth's rules on that computer decide " +
  "whether each call runs; where they say \"ask\", the call waits until the user answers in Hearth (browser, " +
  "notification), and a refusal comes back as a tool error. Approval can only come from the user in Hearth; a " +
  "client that supports elicitation is offered a form that can only cancel the waiting call.";

/**
 * One MCP session's server: Hearth's actions as tools, each call a command to the running agent on behalf of the
 * client that initialized the session. `close()` also drops its connection to the agent.
 */
export function createHearthMcpServer(options: { paths: HomePaths; log: Logger }): { server: Server; close: () => Promise<void> } {
  const server = new Server({ name: "hearth", title: "Hearth", version: VERSION }, { capabilities: { tools: { listChanged: true }, logging: {} }, instructions: INSTRUCTIONS });
  const clientName = () => mcpClientName(server.getClientVersion()?.name);
  const agent = new LocalAgentClient({ paths: options.paths, clientName });
  /** The tool names last listed to the client, to tell it when the agent's set changed. */
  let listed: string | null = null;

  const toolsOf = (welcome: AgentWelcome) => {
    const tools = offeredTools(welcome.connectors);
    const names = [...tools.keys()].sort().join(",");
    if (listed !== null && names !== listed) void server.sendToolListChanged().catch(() => {});
    listed = names;
    return tools;
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    try {
      const tools = toolsOf(await agent.refresh());
      return { tools: [...tools.values()].map((offered) => offered.tool) };
    } catch (error) {
      if (error instanceof AgentUnavailableError) throw new McpError(ErrorCode.InternalError, error.message);
      throw error;
    }
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const name = request.params.name;
    try {
      let offered = toolsOf(await agent.welcome()).get(name);
      // The agent's connectors can change while it runs; look again before saying no.
      offered ??= toolsOf(await agent.refresh()).get(name);
      if (!offered) return toolError(`Hearth has no tool "${name}" on this computer. List the tools again to see what it offers now.`);
      const parameters = ToolArguments.safeParse(request.params.arguments ?? {});
      if (!parameters.success) return toolError(`The arguments of ${name} must be a JSON object.`);
      const progressToken = extra._meta?.progressToken;
      let ticking: NodeJS.Timeout | undefined;
      /** Withdraws the "cancel this call?" form once the call ends: its answer then no longer matters. */
      const form = new AbortController();
      let cancelledHere = false;
      const onAsk: OnPermissionRequest = (question, cancel) => {
        const message = `Waiting for your approval in Hearth: ${question.context} Answer it in the Hearth app (or its notification).`;
        options.log.info("mcp.ask", `${clientName()}: ${name} waits for the user's approval in Hearth.`);
        // On the call's own stream, so a Streamable HTTP client hears it with the call.
        void extra.sendNotification({ method: "notifications/message", params: { level: "notice", logger: "hearth", data: message } }).catch(() => {});
        if (canElicitForm(server.getClientCapabilities())) {
          // On the call's own stream, like the notices. A form the client cannot show, or one withdrawn, keeps the call waiting.
          void extra
            .sendRequest({ method: "elicitation/create", params: cancelForm(question) }, ElicitResultSchema, { signal: form.signal, timeout: ELICITATION_TIMEOUT_MS })
            .then((answer) => {
              if (form.signal.aborted || !wantsCancel(answer)) return;
              cancelledHere = true;
              options.log.info("mcp.cancel", `${clientName()}: the user cancelled ${name} in the client while it waited for approval.`);
              cancel();
            })
            .catch(() => {});
        }
        if (progressToken === undefined) return;
        // The user may take longer than a client's request timeout; progress keeps a client that resets it on progress waiting.
        let progress = 0;
        const tick = () => void extra.sendNotification({ method: "notifications/progress", params: { progressToken, progress: progress++, message } }).catch(() => {});
        tick();
        ticking = setInterval(tick, PROGRESS_EVERY_MS);
      };
      let outcome;
      try {
        outcome = await agent.run(offered.target, offered.action, parameters.data, onAsk, extra.signal);
      } finally {
        clearInterval(ticking);
        form.abort();
      }
      // The agent took the question back (its code for that is permission_denied); had the user answered first, the
      // outcome would be theirs, and is shown as it is.
      if (cancelledHere && outcome.status === "failed" && outcome.error.code === "permission_denied") return toolError("Cancelled here; nothing ran.");
      return toCallToolResult(outcome);
    } catch (error) {
      if (error instanceof AgentUnavailableError) return toolError(error.message);
      throw error;
    }
  });

  return {
    server,
    close: async () => {
      agent.close();
      await server.close();
    },
  };
}
