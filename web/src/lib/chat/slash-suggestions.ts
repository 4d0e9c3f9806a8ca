import { MCP_TARGET } from "#protocol/mcp.ts";
import { SLASH_COMMANDS } from "#protocol/slash.ts";
import type { DeviceView } from "#protocol";

// What the composer offers after "/": the slash commands the user's devices can run, and `/tool <server>.<tool>` for
// every tool an MCP server bridges on them. A tool's description is the server's words: shown as plain text in the
// list, cut short, never as anything else. Decided here so it can be tested without a DOM.

/** One line of the list: what it shows (`usage`, `does`) and what choosing it puts in the box (`insert`). */
export type Suggestion = { key: string; usage: string; does: string; insert: string };

/** MCP's own rule for tool names (as core/src/assistant/mcp-tools.ts reads them). */
const PLAIN_TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

type Devices = Iterable<Pick<DeviceView, "status" | "connectors">>;

/** Every bridged MCP tool of the user's (not revoked) devices, once per `server.tool`, in the devices' order. */
export function bridgedTools(devices: Devices): { server: string; tool: string; description: string }[] {
  const seen = new Map<string, { server: string; tool: string; description: string }>();
  for (const device of devices) {
    if (device.status === "revoked") continue;
    for (const connector of device.connectors) {
      if (connector.target === MCP_TARGET) continue;
      for (const action of connector.actions) {
        if (action.mcp_tool === undefined) continue;
        // As the assistant's /tool parser shows it: the MCP name, or the action where the name has spaces or the like.
        const tool = PLAIN_TOOL_NAME.test(action.mcp_tool) ? action.mcp_tool : action.action;
        const key = `${connector.target}.${tool}`;
        if (!seen.has(key)) seen.set(key, { server: connector.target, tool, description: action.description });
      }
    }
  }
  return [...seen.values()];
}

const DOES_MAX = 80;

/**
 * The suggestions for what is typed: a bare `/word` lists the matching slash commands and, under `/tool`, each
 * bridged tool; `/tool files.li` narrows to the tools that start so. Nothing for any other text.
 * @example slashSuggestions("/tool fi", devices) // [{ key: "tool:files.list_directory", usage: "/tool files.list_directory {json}", insert: "/tool files.list_directory ", … }]
 */
export function slashSuggestions(text: string, given: Devices): Suggestion[] {
  // Read twice below: a Map's values() iterator would be empty the second time.
  const devices = [...given];
  const tools = bridgedTools(devices);
  const toolLines = (prefix: string) =>
    tools
      .filter(({ server, tool }) => `${server}.${tool}`.toLowerCase().startsWith(prefix))
      .map(({ server, tool, description }) => ({
        key: `tool:${server}.${tool}`,
        usage: `/tool ${server}.${tool} {json}`,
        does: description.length > DOES_MAX ? `${description.slice(0, DOES_MAX - 1)}…` : description || "a tool of an MCP server",
        insert: `/tool ${server}.${tool} `,
      }));

  const naming = /^\/(?:tool|mcp) (\S*)$/i.exec(text);
  if (naming) return toolLines(naming[1]?.toLowerCase() ?? "");

  const word = /^\/(\S*)$/.exec(text)?.[1]?.toLowerCase();
  if (word === undefined) return [];
  const actions = new Set<string>();
  for (const device of devices) {
    if (device.status === "revoked") continue;
    for (const connector of device.connectors) for (const action of connector.actions) actions.add(`${connector.target}.${action.action}`);
  }
  const lines: Suggestion[] = [];
  for (const spec of SLASH_COMMANDS) {
    const offered = spec.name === "tool" ? tools.length > 0 : spec.action === null || actions.has(spec.action);
    if (!offered || !(spec.name.startsWith(word) || spec.aliases.some((alias) => alias.startsWith(word)))) continue;
    if (spec.name === "tool") lines.push(...toolLines(""));
    else lines.push({ key: spec.name, usage: spec.usage, does: spec.does, insert: `/${spec.name} ` });
  }
  return lines;
}
