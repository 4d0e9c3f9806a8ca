import type { ToolDefinition } from "@langchain/core/language_models/base";
import type { ToolCall } from "@langchain/core/messages/tool";
import type { Json } from "#protocol";
import { MCP_TARGET } from "#protocol";
import { bridgedToolParameters, jsonBytes } from "./mcp-schema.ts";
import { bridgedToolDescription } from "./mcp-tools.ts";
import type { ParsedCommand } from "./parser.ts";
import { ACTION_WORDS } from "./phrases.ts";

// The model's view of the user's machines: one tool per built-in target.action that some connected device offers,
// one per bridged MCP tool and device, at most MODEL_TOOL_LIMIT of them.
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

/**
 * The most tools one model call is given, the assistant's own included: providers refuse more (OpenAI takes 128),
 * and every tool costs tokens on every turn. Built-in actions come first; `/tool` still reaches every bridged tool.
 */
export const MODEL_TOOL_LIMIT = 64;
/** The most the bridged tools' schemas may take together in one model call (UTF-8 bytes of JSON), smallest first. */
export const BRIDGED_SCHEMA_BUDGET = 48 * 1024;
/** The parameter that picks the device when several offer a tool: reserved, so a tool's own `device` stays its own. */
export const DEVICE_PARAMETER = "hearth_device";
/** OpenAI's limit on a tool name's length. */
const TOOL_NAME_CHARS = 64;

/** One tool a model may be offered: its name and the devices' offers it stands for. */
type ModelTool = { name: string; offers: [AssistantCapability, ...AssistantCapability[]]; bridged: boolean };

/**
 * The tools for one model call: one per offered built-in target.action (shell.run never), with a device choice when
 * several devices offer it; one per bridged MCP tool and device; at most `limit`, built-ins first, then bridged tools
 * with the smallest schemas, within BRIDGED_SCHEMA_BUDGET.
 */
export function buildTools(capabilities: readonly AssistantCapability[], limit = MODEL_TOOL_LIMIT): ToolDefinition[] {
  const defined = toolTable(capabilities).map((tool) => definitionOf(tool));
  const chosen = defined.filter((tool) => !tool.bridged).slice(0, limit);
  // Array.prototype.sort is stable: tools of one size keep the order their devices listed them in.
  const bridged = defined.filter((tool) => tool.bridged).sort((a, b) => a.bytes - b.bytes);
  let budget = BRIDGED_SCHEMA_BUDGET;
  for (const tool of bridged) {
    if (chosen.length >= limit || tool.bytes > budget) break;
    budget -= tool.bytes;
    chosen.push(tool);
  }
  return chosen.map((tool) => tool.definition);
}

function definitionOf(tool: ModelTool): { definition: ToolDefinition; bridged: boolean; bytes: number } {
  const [first] = tool.offers;
  const schema = first.parameters ?? KNOWN_PARAMETERS.get(`${first.target}.${first.action}`) ?? ANY_PARAMETERS;
  const base = tool.bridged ? bridgedToolParameters(schema) : schema;
  const names = [...new Set(tool.offers.map((offer) => offer.deviceName))];
  const parameters = names.length > 1 ? withDevice(base, names) : base;
  const words = ACTION_WORDS.get(`${first.target}.${first.action}`) ?? `${first.target}.${first.action}`;
  const description =
    first.mcpTool === undefined
      ? `${capitalise(words)} on ${names.join(" or ")}${first.readOnly ? " (read-only)" : ""}.`
      : bridgedToolDescription({ ...first, mcpTool: first.mcpTool }, names);
  return { definition: { type: "function", function: { name: tool.name, description, parameters } }, bridged: tool.bridged, bytes: jsonBytes(parameters) };
}

/**
 * A model's tool call turned back into a command and the device to run it on, or a reason it cannot be. A call is
 * looked up among all the tools, not only those offered this turn: either way it is a command a device offers.
 */
export function commandFromToolCall(
  call: Pick<ToolCall, "name" | "args">,
  capabilities: readonly AssistantCapability[],
): { command: ParsedCommand; deviceId: string } | { reason: string } {
  const tool = toolTable(capabilities).find((candidate) => candidate.name === call.name);
  if (!tool) return { reason: `The model asked for "${call.name}", which none of your devices offers.` };
  const { offers } = tool;
  const [first] = offers;
  const { [DEVICE_PARAMETER]: device, ...rest } = call.args;
  const chosen = offers.find((offer) => offer.deviceName === device) ?? (offers.length === 1 ? first : undefined);
  if (!chosen) return { reason: `Several devices can do that (${offers.map((o) => o.deviceName).join(", ")}); say which one.` };
  // A bridged tool is one device's and has no device choice: its arguments are all its own, even one called hearth_device.
  const parameters: Record<string, Json> = {};
  for (const [key, value] of Object.entries(tool.bridged ? call.args : rest)) {
    const json = toJson(value);
    if (json !== undefined) parameters[key] = json;
  }
  return { command: { target: chosen.target, action: chosen.action, parameters }, deviceId: chosen.deviceId };
}

/**
 * Every tool a model may be offered, named. A built-in action is the same program on every device, so it is one tool
 * for all of them. A bridged MCP tool is one per device: same-named servers on two computers can be different
 * programs, so the model must read the very schema and description of the tool that runs. When several devices offer
 * it, the device's name is in the tool's name. Names depend only on `capabilities` and their order, so a call made
 * from buildTools' list is found here from the same list.
 */
function toolTable(capabilities: readonly AssistantCapability[]): ModelTool[] {
  const groups = new Map<string, ModelTool>();
  for (const capability of capabilities) {
    if (MODEL_EXCLUDED_ACTIONS.has(`${capability.target}.${capability.action}`) || MODEL_EXCLUDED_TARGETS.has(capability.target)) continue;
    const bridged = capability.mcpTool !== undefined;
    const base = toolName(capability.target, capability.action);
    const key = bridged ? `${base} ${capability.deviceId}` : base;
    const group = groups.get(key);
    if (group) group.offers.push(capability);
    else groups.set(key, { name: base, offers: [capability], bridged });
  }
  const tools = [...groups.values()];
  const devicesOf = new Map<string, number>();
  for (const tool of tools) if (tool.bridged) devicesOf.set(tool.name, (devicesOf.get(tool.name) ?? 0) + 1);
  // Built-ins are named first, so they keep their plain names whatever a server calls its tools.
  const taken = new Set<string>();
  const named = [...tools.filter((tool) => !tool.bridged), ...tools.filter((tool) => tool.bridged)];
  return named.map((tool) => {
    const onSeveral = tool.bridged && (devicesOf.get(tool.name) ?? 0) > 1;
    return { ...tool, name: uniqueName(tool.name, onSeveral ? deviceSlug(tool.offers[0].deviceName) : "", taken) };
  });
}

/** `base` (+ `__suffix`) within TOOL_NAME_CHARS, with _2, _3 … when the name is taken. */
function uniqueName(base: string, suffix: string, taken: Set<string>): string {
  const tail = suffix ? `__${suffix}` : "";
  for (let n = 1; ; n++) {
    const count = n === 1 ? "" : `_${n}`;
    const name = `${base.slice(0, TOOL_NAME_CHARS - tail.length - count.length)}${tail}${count}`;
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
}

/** A device's name as a tool-name part: "Ada's Laptop" → ada_s_laptop. */
const deviceSlug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 20) || "device";

function withDevice(schema: Record<string, Json>, names: string[]): Record<string, Json> {
  const properties = schema.properties;
  const required = schema.required;
  return {
    ...schema,
    properties: { ...(isRecord(properties) ? properties : {}), [DEVICE_PARAMETER]: { type: "string", enum: names, description: "Which device to use." } },
    required: [...(Array.isArray(required) ? required : []), DEVICE_PARAMETER],
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
