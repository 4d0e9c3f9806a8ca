import type { CsvMapping } from "./csv.ts";
import { importCsv } from "./csv.ts";
import type { ImportedStatement } from "./ofx.ts";
import { importOfx } from "./ofx.ts";

// One entry point for a statement file, whichever way it arrives (the agent's watched folder, or an upload in the
// web app that the worker reads): OFX and QFX by their content, CSV by the first layout that fits its header.
// Runtime-neutral (Node 22 and workerd with nodejs_compat): it takes bytes and returns events.

export const STATEMENT_EXTENSIONS = [".ofx", ".qfx", ".csv"] as const;

export type StatementOptions = {
  /** Custom CSV layouts, tried before the presets. */
  mappings?: readonly CsvMapping[];
  /** For CSV layouts that do not say their currency. */
  defaultCurrency?: string;
  /** The user's own answer to "which column is which": used alone, with no fallback to the presets. */
  columns?: CsvMapping;
};

export type ImportedFile = ImportedStatement & { layout: string };

/** True when the name ends in an extension Hearth imports. */
export function isStatementFile(name: string): boolean {
  const lower = name.toLowerCase();
  return STATEMENT_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

/** Reads one statement file. Throws an Error whose message says why the whole file cannot be read. */
export function importStatement(name: string, bytes: Uint8Array, options: StatementOptions = {}): ImportedFile {
  const source = `Statement ${name}`;
  if (!name.toLowerCase().endsWith(".csv")) return { ...importOfx(bytes, source), layout: "ofx" };
  const currency = options.defaultCurrency ? { defaultCurrency: options.defaultCurrency } : {};
  if (options.columns) return importCsv(bytes, { mapping: options.columns, source, ...currency });
  // A custom mapping that fits the header wins over the presets.
  for (const mapping of options.mappings ?? []) {
    try {
      return importCsv(bytes, { mapping, source, ...currency });
    } catch {
      // not this mapping
    }
  }
  return importCsv(bytes, { source, ...currency });
}
