import { createHash } from "node:crypto";
import type { Json } from "#protocol";
import type { PinnedTool, ToolDefinition } from "./types.ts";

// Tool pinning, the "rug pull" defence: a tool is offered only while its definition (name, description, input
// schema, title, annotations, output schema) hashes to what the user approved. What must stay true: the hash covers
// everything a model or the user reads about the tool (the title stands in for an empty description), and the same
// definition always gives the same hash, whatever order the server sent keys in. A definition without title,
// annotations or output schema hashes as it did before they were covered, so older pins still match.

/** JSON with every object's keys sorted, so equal definitions give equal text. */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] ?? null)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The hashed facts of a definition: the optional ones only when the server gave them. */
function hashed(definition: ToolDefinition): Json {
  return {
    name: definition.name,
    description: definition.description,
    input_schema: definition.input_schema,
    ...(definition.title === undefined ? {} : { title: definition.title }),
    ...(definition.annotations === undefined ? {} : { annotations: definition.annotations }),
    ...(definition.output_schema === undefined ? {} : { output_schema: definition.output_schema }),
  };
}

/** SHA-256 (hex) of a tool definition's canonical JSON. */
export function hashDefinition(definition: ToolDefinition): string {
  return createHash("sha256").update(canonicalJson(hashed(definition))).digest("hex");
}

/** A definition pretty-printed with sorted keys, one fact a line, for the diff. */
function pretty(definition: ToolDefinition): string[] {
  return JSON.stringify(JSON.parse(canonicalJson(hashed(definition))), null, 2).split("\n");
}

const MAX_DIFF = 8000;

/**
 * What changed between the approved and the current definition: a line diff (longest common subsequence) with `-`
 * for approved lines that are gone and `+` for new ones, unchanged lines left out but for one line of context.
 * Definitions are small (a description and a schema), so the quadratic table is fine; past 500 × 500 lines the
 * diff just says both were replaced. The text is cut to 8000.
 */
export function diffDefinitions(approved: ToolDefinition, current: ToolDefinition): string {
  const a = pretty(approved);
  const b = pretty(current);
  if (a.length * b.length > 250_000) return `- (the approved definition, ${a.length} lines)\n+ (a new definition, ${b.length} lines)`.slice(0, MAX_DIFF);
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const lines: { mark: " " | "-" | "+"; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ mark: " ", text: a[i]! });
      i += 1;
      j += 1;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      // Removed lines first, as a unified diff shows them.
      lines.push({ mark: "-", text: a[i]! });
      i += 1;
    } else {
      lines.push({ mark: "+", text: b[j]! });
      j += 1;
    }
  }
  const changedAt = (k: number) => lines[k] !== undefined && lines[k].mark !== " ";
  const kept = lines.filter((line, k) => line.mark !== " " || changedAt(k - 1) || changedAt(k + 1));
  return kept.map((line) => `${line.mark} ${line.text}`).join("\n").slice(0, MAX_DIFF);
}

/** A listed tool checked against its pin. */
export type PinCheck = { state: "enabled"; hash: string } | { state: "new"; hash: string } | { state: "changed"; hash: string; diff: string };

/** Whether a tool's current definition is the approved one. */
export function checkPin(definition: ToolDefinition, pin: PinnedTool | undefined): PinCheck {
  const hash = hashDefinition(definition);
  if (!pin) return { state: "new", hash };
  if (pin.hash === hash) return { state: "enabled", hash };
  return { state: "changed", hash, diff: diffDefinitions(pin.definition, definition) };
}
