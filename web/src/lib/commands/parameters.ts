/** How a parameter value reads in one line: strings as they are, everything else as compact JSON. */
export function formatValue(value: unknown, max = 120): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The first few parameters as label/value pairs, for prompts and command rows.
 * @example summariseParameters({ path: "~/Documents" }) // { shown: [["path", "~/Documents"]], hidden: 0 }
 */
export function summariseParameters(parameters: Record<string, unknown>, limit = 5): { shown: [string, string][]; hidden: number } {
  const entries = Object.entries(parameters);
  return {
    shown: entries.slice(0, limit).map(([key, value]) => [key, formatValue(value)]),
    hidden: Math.max(0, entries.length - limit),
  };
}

/** Pretty JSON for results and the raw view; `undefined` (no result) reads as nothing. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "";
}
