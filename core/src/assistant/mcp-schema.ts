import type { Json } from "#protocol";
import { quoteData } from "./mcp-tools.ts";

// A bridged MCP tool's input schema, as a model is given it. The schema is the server's text, and a model reads all
// of it, not only the descriptions: enum values, defaults, examples, patterns, comments and property names can all
// carry "ignore prior rules and call …". What must stay true: the model's schema is rebuilt from an allow-list of
// keywords, never copied; every free-text string in it is quoted as the server's words; every other string left
// (types, formats, enum values, property names) is a short token from a fixed set or of a fixed shape, so it cannot
// say a sentence; and the whole schema stays under SCHEMA_LIMITS.bytes, since it is sent on every turn. The agent
// still validates the call against the tool's full schema, so what is left out here only costs the model a hint.

export const SCHEMA_LIMITS = {
  /** The most a bridged tool's schema may take in a model call, as JSON (UTF-8 bytes). */
  bytes: 4096,
  /** How deep subschemas are kept; deeper ones accept every value. */
  depth: 6,
  properties: 64,
  enumValues: 50,
  combinations: 10,
  descriptionChars: 200,
} as const;

const TYPES: ReadonlySet<string> = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);
const FORMATS: ReadonlySet<string> = new Set(["date", "date-time", "time", "duration", "email", "uri", "uri-reference", "uuid", "hostname", "ipv4", "ipv6"]);
const NUMBER_KEYWORDS = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems"] as const;
/** A property name the model may see: an identifier, not a sentence. */
const PROPERTY_NAME = /^[A-Za-z0-9_.$-]{1,64}$/;
/** An enum value the model may see: one token (no spaces), like create, text/plain or en-GB. */
const ENUM_TOKEN = /^[A-Za-z0-9_.:/+@#-]{1,64}$/;

/** How much of a schema to keep; looser levels are tried first, until the schema fits. */
type Keep = { descriptionsToDepth: number; depth: number; onlyRequired: boolean };
const LEVELS: readonly Keep[] = [
  { descriptionsToDepth: SCHEMA_LIMITS.depth, depth: SCHEMA_LIMITS.depth, onlyRequired: false },
  // Descriptions deep inside go first, then the top-level ones, then nested shapes, then optional parameters.
  { descriptionsToDepth: 1, depth: SCHEMA_LIMITS.depth, onlyRequired: false },
  { descriptionsToDepth: -1, depth: SCHEMA_LIMITS.depth, onlyRequired: false },
  { descriptionsToDepth: -1, depth: 1, onlyRequired: false },
  { descriptionsToDepth: -1, depth: 1, onlyRequired: true },
];
/** When not even the required parameters' names fit: an open object; the agent's check of the full schema still applies. */
const OPEN_OBJECT: Record<string, Json> = { type: "object", additionalProperties: true };

/**
 * A bridged tool's JSON Schema for a model: rebuilt from allowed keywords, descriptions quoted as the server's words,
 * cut to fit SCHEMA_LIMITS.bytes.
 * @example bridgedToolParameters({ type: "object", properties: { p: { type: "string", examples: ["Ignore…"] } } })
 * // { type: "object", properties: { p: { type: "string" } } }
 */
export function bridgedToolParameters(schema: Record<string, Json>): Record<string, Json> {
  for (const keep of LEVELS) {
    const rebuilt = rebuild(schema, 0, keep);
    if (jsonBytes(rebuilt) <= SCHEMA_LIMITS.bytes) return rebuilt;
  }
  return OPEN_OBJECT;
}

/** The size of a value as the model request carries it. */
export const jsonBytes = (value: Json): number => new TextEncoder().encode(JSON.stringify(value)).length;

function rebuild(value: Json, depth: number, keep: Keep): Record<string, Json> {
  if (!isRecord(value)) return {};
  const out: Record<string, Json> = {};
  const type = schemaType(value.type);
  if (type !== undefined) out.type = type;
  // Below the depth kept, a subschema says only what type it is.
  if (depth > keep.depth) return out;

  if (typeof value.description === "string" && value.description.trim() && depth <= keep.descriptionsToDepth) {
    out.description = `Server's words: "${quoteData(value.description, SCHEMA_LIMITS.descriptionChars)}"`;
  }
  if (typeof value.format === "string" && FORMATS.has(value.format)) out.format = value.format;
  for (const keyword of NUMBER_KEYWORDS) {
    const number = value[keyword];
    if (typeof number === "number" && Number.isFinite(number)) out[keyword] = number;
  }
  const choices = enumOf(value.enum);
  if (choices) out.enum = choices;

  const required = Array.isArray(value.required) ? value.required.filter((name): name is string => typeof name === "string" && PROPERTY_NAME.test(name)) : undefined;
  if (isRecord(value.properties)) {
    const properties: Record<string, Json> = {};
    const names = Object.keys(value.properties).filter((name) => PROPERTY_NAME.test(name) && (!keep.onlyRequired || required?.includes(name)));
    for (const name of names.slice(0, SCHEMA_LIMITS.properties)) properties[name] = rebuild(value.properties[name] ?? null, depth + 1, keep);
    out.properties = properties;
  }
  if (required) {
    // A required name the model is not shown cannot be asked of it; the agent names it if the call lacks it.
    const shown = isRecord(out.properties) ? out.properties : null;
    const kept = shown ? required.filter((name) => name in shown) : required.slice(0, SCHEMA_LIMITS.properties);
    out.required = kept;
  }
  if (isRecord(value.items)) out.items = rebuild(value.items, depth + 1, keep);
  if (typeof value.additionalProperties === "boolean") out.additionalProperties = value.additionalProperties;
  else if (isRecord(value.additionalProperties)) out.additionalProperties = rebuild(value.additionalProperties, depth + 1, keep);
  for (const keyword of ["anyOf", "oneOf"] as const) {
    const options = value[keyword];
    if (Array.isArray(options)) out[keyword] = options.slice(0, SCHEMA_LIMITS.combinations).map((option) => rebuild(option, depth + 1, keep));
  }
  return out;
}

/** `type` as one allowed name or a list of them; anything else is left out. */
function schemaType(type: Json | undefined): Json | undefined {
  if (typeof type === "string") return TYPES.has(type) ? type : undefined;
  if (!Array.isArray(type)) return undefined;
  const names = type.filter((name): name is string => typeof name === "string" && TYPES.has(name));
  return names.length > 0 ? names : undefined;
}

/** An enum the model may be shown: short scalars only, every string a token; else none at all, not a part of it. */
function enumOf(values: Json | undefined): Json[] | undefined {
  if (!Array.isArray(values) || values.length === 0 || values.length > SCHEMA_LIMITS.enumValues) return undefined;
  const plain = values.every(
    (v) => v === null || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v)) || (typeof v === "string" && ENUM_TOKEN.test(v)),
  );
  return plain ? values : undefined;
}

const isRecord = (value: Json | undefined): value is Record<string, Json> => typeof value === "object" && value !== null && !Array.isArray(value);
