import { z } from "zod";
import type { Json } from "#protocol";

/** One property of an action's JSON Schema that the generated form can edit. */
const SimpleProperty = z.object({
  type: z.enum(["string", "number", "integer", "boolean"]),
  title: z.string().optional(),
  description: z.string().optional(),
  enum: z.array(z.union([z.string(), z.number()])).min(1).optional(),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
});

const ObjectSchema = z.object({
  type: z.literal("object").optional(),
  properties: z.record(z.string(), z.unknown()).default({}),
  required: z.array(z.string()).default([]),
});

export type FormField = {
  name: string;
  label: string;
  type: "string" | "number" | "integer" | "boolean";
  description: string | undefined;
  required: boolean;
  choices: string[] | undefined;
};

/** A field's value as the form holds it: text for strings and numbers, a flag for booleans. */
export type FieldValue = string | boolean;

/**
 * Reads an action's parameter schema into form fields, or `null` when it uses more than strings, numbers and
 * booleans (then the page offers a JSON editor instead).
 * @example formFields({ type: "object", properties: { path: { type: "string" } }, required: ["path"] })
 */
export function formFields(schema: Record<string, unknown>): FormField[] | null {
  const object = ObjectSchema.safeParse(schema);
  if (!object.success) return null;
  const fields: FormField[] = [];
  for (const [name, raw] of Object.entries(object.data.properties)) {
    const property = SimpleProperty.safeParse(raw);
    if (!property.success) return null;
    const { type, title, description, enum: choices } = property.data;
    fields.push({ name, label: title ?? name, type, description, required: object.data.required.includes(name), choices: choices?.map(String) });
  }
  return fields;
}

/** Starting values: the schema's defaults, else empty. */
export function initialValues(schema: Record<string, unknown>, fields: FormField[]): Record<string, FieldValue> {
  const properties = ObjectSchema.safeParse(schema);
  const values: Record<string, FieldValue> = {};
  for (const field of fields) {
    const fallback = properties.success ? SimpleProperty.safeParse(properties.data.properties[field.name]) : null;
    const preset = fallback?.success ? fallback.data.default : undefined;
    values[field.name] = field.type === "boolean" ? preset === true : preset === undefined ? "" : String(preset);
  }
  return values;
}

/** Turns form values into the command's `parameters`, or per-field errors that say how to fix them. */
export function readValues(
  fields: FormField[],
  values: Record<string, FieldValue>,
): { ok: true; parameters: Record<string, Json> } | { ok: false; errors: Record<string, string> } {
  const parameters: Record<string, Json> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (field.type === "boolean") {
      // An optional flag left off is left out, so the action's own default applies.
      if (value === true || field.required) parameters[field.name] = value === true;
      continue;
    }
    const text = typeof value === "string" ? value.trim() : "";
    if (text === "") {
      if (field.required) errors[field.name] = `Enter ${field.label}.`;
      continue;
    }
    if (field.type === "string") {
      parameters[field.name] = typeof value === "string" ? value : "";
      continue;
    }
    const number = Number(text);
    if (!Number.isFinite(number) || (field.type === "integer" && !Number.isInteger(number))) {
      errors[field.name] = field.type === "integer" ? `${field.label} must be a whole number.` : `${field.label} must be a number.`;
      continue;
    }
    parameters[field.name] = number;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, parameters };
}

const JsonObject = z.record(z.string(), z.json());

/** Parses the JSON editor's text into `parameters`, or says what is wrong with it. */
export function readJson(text: string): { ok: true; parameters: Record<string, Json> } | { ok: false; error: string } {
  if (text.trim() === "") return { ok: true, parameters: {} };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `That isn't valid JSON: ${error instanceof Error ? error.message : "check the brackets and quotes"}.` };
  }
  const parsed = JsonObject.safeParse(json);
  return parsed.success ? { ok: true, parameters: parsed.data } : { ok: false, error: 'Parameters are a JSON object, like {"path": "~/Documents"}.' };
}
