import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { MCP_TARGET, McpToolResult } from "#protocol";
import type { CommandOutcome, ConnectorDescriptor, McpContent } from "#protocol";

/** One Hearth action offered as an MCP tool. */
export type OfferedTool = { tool: Tool; target: string; action: string };

/** Between a target and its action in a tool's name: `filesystem__list`. */
const SEPARATOR = "__";

/**
 * The agent's actions as MCP tools, by tool name. Left out: the `mcp` management connector (an MCP client must not
 * add servers or approve tools: those need the user, on the device page or on the computer) and every bridged MCP
 * tool (`mcp_tool` set), so a client cannot loop back through Hearth into another MCP server.
 */
export function offeredTools(connectors: readonly ConnectorDescriptor[]): Map<string, OfferedTool> {
  const tools = new Map<string, OfferedTool>();
  for (const connector of connectors) {
    if (connector.target === MCP_TARGET) continue;
    for (const action of connector.actions) {
      if (action.mcp_tool !== undefined) continue;
      const name = `${connector.target}${SEPARATOR}${action.action}`;
      tools.set(name, {
        target: connector.target,
        action: action.action,
        tool: {
          name,
          title: `${connector.target}.${action.action}`,
          description: `Hearth ${connector.target}.${action.action} on this computer: ${action.description} (${connector.description}) The user's Hearth rules decide whether it runs; some calls wait for their approval in Hearth.`,
          inputSchema: objectSchema(action.parameters),
          // Only what Hearth knows; MCP's defaults for the other hints (destructive, open world) are the cautious ones.
          annotations: { readOnlyHint: action.read_only },
        },
      });
    }
  }
  return tools;
}

/** MCP wants an object schema at the top; Hearth's parameters always are one, but a schema without `type` gets it. */
function objectSchema(schema: ConnectorDescriptor["actions"][number]["parameters"]): Tool["inputSchema"] {
  const { properties, required, ...rest } = schema;
  const props: Record<string, object> = {};
  if (isRecord(properties)) for (const [name, value] of Object.entries(properties)) if (isRecord(value)) props[name] = value;
  const names = Array.isArray(required) ? required.filter((name) => typeof name === "string") : [];
  return { ...rest, type: "object", properties: props, ...(names.length > 0 ? { required: names } : {}) };
}

/**
 * A command's outcome as an MCP tool result. `done` data that is a bridged tool's result keeps its content; any
 * other data becomes one text block of pretty JSON, plus `structuredContent` when it is an object. `failed` is a
 * tool error with Hearth's message, which says how to fix it.
 */
export function toCallToolResult(outcome: CommandOutcome): CallToolResult {
  if (outcome.status === "failed") return toolError(`${outcome.error.message} (${outcome.error.code})`);
  const bridged = McpToolResult.safeParse(outcome.data);
  if (bridged.success) {
    const structured = bridged.data.structured_content;
    return { content: bridged.data.content.map(toMcpContent), ...(isRecord(structured) ? { structuredContent: structured } : {}) };
  }
  const data = outcome.data;
  return { content: [{ type: "text", text: JSON.stringify(data, null, 2) }], ...(isRecord(data) ? { structuredContent: data } : {}) };
}

/** A tool error the client shows (and a model reads) as the call's result. */
export function toolError(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

function toMcpContent(piece: McpContent): CallToolResult["content"][number] {
  switch (piece.type) {
    case "text":
      return { type: "text", text: piece.text };
    case "image":
      return { type: "image", mimeType: piece.mime_type, data: piece.data };
    case "audio":
      return { type: "audio", mimeType: piece.mime_type, data: piece.data };
    case "resource": {
      const mime = piece.mime_type === undefined ? {} : { mimeType: piece.mime_type };
      if (piece.blob !== undefined) return { type: "resource", resource: { uri: piece.uri, blob: piece.blob, ...mime } };
      return { type: "resource", resource: { uri: piece.uri, text: piece.text ?? "", ...mime } };
    }
    case "resource_link":
      return {
        type: "resource_link",
        uri: piece.uri,
        name: piece.name,
        ...(piece.description === undefined ? {} : { description: piece.description }),
        ...(piece.mime_type === undefined ? {} : { mimeType: piece.mime_type }),
      };
    case "omitted":
      return { type: "text", text: `[${piece.kind} left out: ${piece.reason}]` };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
