import type { ToolDefinition } from "@langchain/core/language_models/base";
import type { ToolCall } from "@langchain/core/messages/tool";
import type { Json } from "#protocol";
import { MCP_TARGET } from "#protocol";
import { bridgedToolParameters } from "./mcp-schema.ts";
import { bridgedToolDescription } from "./mcp-tools.ts";
import type { ParsedCommand } from "./parser.ts";
import { ACTION_WORDS } from "./phrases.ts";

// The model's view of the user's machines: one tool per target.action that some connected device offers.
// What must stay true: a tool call only ever becomes a command that a device offers, and never shell.run —
// the parser's rule that only an explicit `/run` runs a program holds for the model too, so nothing a model
// reads or is told can start a program. Nor can it add an MCP server or approve a tool: the `mcp` connector is never
// offered. A bridged MCP tool is offered like any action, with its server's description quoted as data.

/** One action one device offers, as the relay knows it from the agent's `hello`. */
export type AssistantCapability = {
  deviceId: string;
  deviceName: string;
  target: string;
  action: string;
  readOnly: boolean;
  /** The action's JSON Schema from the agent's descriptor; the built-in table is used when absent. */
  parameters?: Record<string, Json>;
  /** The descriptor's description: for a bridged MCP tool, the server's words (given to a model only quoted). */
  description?: string;
  /** Set when the action is a bridged MCP tool: its name on the server. */
  mcpTool?: string | undefined;
};

/** Actions the model is never offered: programs only run from an explicit `/run`. */
export const MODEL_EXCLUDED_ACTIONS: ReadonlySet<string> = new Set(["shell.run"]);
/** Connectors the model is never offered at all: MCP servers are managed by the user, on the device page and the computer. */
export const MODEL_EXCLUDED_TARGETS: ReadonlySet<string> = new Set([MCP_TARGET]);

const path = { type: "string", description: "A path; ~ is the home folder, e.g. ~/Downloads. A relative path is read from the home folder." };
const objectOf = (properties: Record<string, Json>, required: string[]): Record<string, Json> => ({
  type: "object",
  properties,
  required,
  additionalProperties: false,
});

/** Parameter schemas of the built-in connectors, mirroring the agent's zod schemas (agent/src/connectors). */
const KNOWN_PARAMETERS: ReadonlyMap<string, Record<string, Json>> = new Map([
  ["filesystem.list", objectOf({ path: { ...path, description: "The folder; leave it out to list the agent's folders." }, include_hidden: { type: "boolean" } }, [])],
  ["filesystem.stat", objectOf({ path }, ["path"])],
  ["filesystem.read", objectOf({ path }, ["path"])],
  [
    "filesystem.search",
    objectOf(
      {
        path: { type: "string", description: "The folder to search in; leave it out to search all the agent's folders." },
        name: { type: "string", description: "Part of the file name, or a glob like *.pdf." },
        content: { type: "string", description: "Text the file contains." },
      },
      [],
    ),
  ],
  [
    "filesystem.write",
    objectOf(
      {
        path,
        content: { type: "string", description: "The text to write." },
        mode: { type: "string", enum: ["create", "overwrite", "append"], description: "create (default) never replaces a file." },
      },
      ["path", "content"],
    ),
  ],
  ["filesystem.trash", objectOf({ path }, ["path"])],
  ["browser.open", objectOf({ url: { type: "string", description: "An http:// or https:// address." } }, ["url"])],
  ["apps.launch", objectOf({ name: { type: "string", description: "The app's name from the agent's config.json." } }, ["name"])],
  ["system.info", objectOf({}, [])],
]);
const ANY_PARAMETERS: Record<string, Json> = { type: "object", additionalProperties: true };

/** OpenAI tool names allow only [a-zA-Z0-9_-], so target.action becomes target__action. */
export const toolName = (target: string, action: string) => `${target}__${action}`;

/** The tools for one model call: one per offered target.action (shell.run never), with a `device` choice when several devices offer it. */
export function buildTools(capabilities: readonly AssistantCapability[]): ToolDefinition[] {
  const byKey = groupByAction(capabilities);
  return [...byKey.values()].map((offers) => {
    const [first] = offers;
    const mcpTool = first.mcpTool;
    const schema = first.parameters ?? KNOWN_PARAMETERS.get(`${first.target}.${first.action}`) ?? ANY_PARAMETERS;
    const base = mcpTool === undefined ? schema : bridgedToolParameters(schema);
    const names = [...new Set(offers.map((offer) => offer.deviceName))];
    const parameters = names.length > 1 ? withDevice(base, names) : base;
    const words = ACTION_WORDS.get(`${first.target}.${first.action}`) ?? `${first.target}.${first.action}`;
    const description =
      mcpTool === undefined ? `${capitalise(words)} on ${names.join(" or ")}${first.readOnly ? " (read-only)" : ""}.` : bridgedToolDescription({ ...first, mcpTool }, names);
    return { type: "function", function: { name: toolName(first.target, first.action), description, parameters } };
  });
}

/** A model's tool call turned back into a command and the device to run it on, or a reason it cannot be. */
export function commandFromToolCall(
  call: Pick<ToolCall, "name" | "args">,
  capabilities: readonly AssistantCapability[],
): { command: ParsedCommand; deviceId: string } | { reason: string } {
  const offers = groupByAction(capabilities).get(call.name);
  if (!offers) return { reason: `The model asked for "${call.name}", which none of your devices offers.` };
  const [first] = offers;
  const { device, ...rest } = call.args;
  const chosen = offers.find((offer) => offer.deviceName === device) ?? (offers.length === 1 ? first : undefined);
  if (!chosen) return { reason: `Several devices can do that (${offers.map((o) => o.deviceName).join(", ")}); say which one.` };
  const parameters: Record<string, Json> = {};
  for (const [key, value] of Object.entries(rest)) {
    const json = toJson(value);
    if (json !== undefined) parameters[key] = json;
  }
  return { command: { target: chosen.target, action: chosen.action, parameters }, deviceId: chosen.deviceId };
}

function groupByAction(capabilities: readonly AssistantCapability[]): Map<string, [AssistantCapability, ...AssistantCapability[]]> {
  const groups = new Map<string, [AssistantCapability, ...AssistantCapability[]]>();
  for (const capability of capabilities) {
    if (MODEL_EXCLUDED_ACTIONS.has(`${capability.target}.${capability.action}`) || MODEL_EXCLUDED_TARGETS.has(capability.target)) continue;
    const key = toolName(capability.target, capability.action);
    const group = groups.get(key);
    if (group) group.push(capability);
    else groups.set(key, [capability]);
  }
  return groups;
}

function withDevice(schema: Record<string, Json>, names: string[]): Record<string, Json> {
  const properties = schema.properties;
  const required = schema.required;
  return {
    ...schema,
    properties: { ...(isRecord(properties) ? properties : {}), device: { type: "string", enum: names, description: "Which device to use." } },
    required: [...(Array.isArray(required) ? required : []), "device"],
  };
}

/** Tool arguments arrive as parsed JSON from the model; keep only what is JSON, so a command's parameters stay `Json`. */
function toJson(value: unknown): Json | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value)) {
    const items = value.map(toJson);
    return items.every((item) => item !== undefined) ? items.filter((item) => item !== undefined) : undefined;
  }
  if (typeof value === "object") {
    const out: Record<string, Json> = {};
    for (const [key, item] of Object.entries(value)) {
      const json = toJson(item);
      if (json === undefined) return undefined;
      out[key] = json;
    }
    return out;
  }
  return undefined;
}

const isRecord = (value: Json | undefined): value is Record<string, Json> => typeof value === "object" && value !== null && !Array.isArray(value);
const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
