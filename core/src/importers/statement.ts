import type { CsvLayout, CsvSniff, ImportProfile } from "#protocol";
import { importCamt } from "./camt.ts";
import { readCsv } from "./csv.ts";
import { readRecords, sniffDelimiter } from "./csv-records.ts";
import { decodeCsv } from "./decode.ts";
import { layoutFromMapping } from "./mapping.ts";
import type { CsvMapping } from "./mapping.ts";
import type { ImportedStatement } from "./ofx.ts";
import { importOfx } from "./ofx.ts";
import { CSV_PRESETS } from "./presets/index.ts";
import { UnknownCsvLayout, sniffCsv } from "./sniff.ts";

// One entry point for a statement file, whichever way it arrives (the agent's watched folder, or an upload in the
// web app that the worker reads): OFX and QFX and CAMT.053 by their content, CSV with the layout the user gave, else
// the first saved profile whose header the file has, else the first preset whose header words it has.
// Runtime-neutral (Node 22 and workerd with nodejs_compat): it takes bytes and returns events.

export const STATEMENT_EXTENSIONS = [".ofx", ".qfx", ".csv", ".xml"] as const;

export type StatementOptions = {
  /** The user's saved layouts: a file whose header cells equal a profile's is read with it. */
  profiles?: readonly ImportProfile[];
  /** The user's answer in the picker: used alone, no fallback. */
  layout?: CsvLayout;
  /** For layouts that do not say the currency. */
  defaultCurrency?: string;
  /** The profile's account name, when there is one (goes into details.account and the event ids). */
  account?: string;
  /** The agent's old config.json `csv_mappings`: tried by their `needs` after the profiles, before the presets. */
  mappings?: readonly CsvMapping[];
};

export type ImportedFile = ImportedStatement & {
  /** `ofx`, `camt053`, `preset:<id>`, `profile:<id>` or `custom`. */
  layout: string;
  /** What to call it: "ING (NL)", "Your profile 'Joint'", "OFX". */
  layout_name: string;
  /** CSV files only: what the reader made of the file. */
  sniff: CsvSniff | null;
};

/** True when the name ends in an extension Hearth imports. */
export function isStatementFile(name: string): boolean {
  const lower = name.toLowerCase();
  return STATEMENT_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

/** The start of a file's text, for telling OFX and XML from CSV by content. */
const head = (bytes: Uint8Array) => new TextDecoder("utf-8").decode(bytes.subarray(0, 4096)).replace(/^\uFEFF/, "").trimStart();

/**
 * Reads one statement file. Throws UnknownCsvLayout (with `.sniff`) when no profile or preset fits a CSV and no
 * layout is given, and an Error whose message says why when the whole file cannot be read.
 */
export function importStatement(name: string, bytes: Uint8Array, options: StatementOptions = {}): ImportedFile {
  const source = `Statement ${name}`;
  const start = head(bytes);
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<Document[\s>]/.test(start) || (/\.xml$/i.test(name) && !/<OFX>/i.test(start))) {
    return { ...importCamt(bytes, source), layout: "camt053", layout_name: "CAMT.053", sniff: null };
  }
  if (!/\.csv$/i.test(name) || /^OFXHEADER|<OFX>|^<\?xml/i.test(start)) return { ...importOfx(bytes, source), layout: "ofx", layout_name: "OFX", sniff: null };

  const currency = options.defaultCurrency;
  const account = options.account;
  // With a layout given, the sniff shows the file as that layout splits it (what the picker shows beside its choices).
  const sniff = sniffCsv(bytes, { profiles: options.profiles, layout: options.layout });
  const read = (layout: CsvLayout, layoutId: string, layoutName: string, profileAccount?: string | null): ImportedFile => ({
    ...readCsv(bytes, layout, { source, layoutId, defaultCurrency: currency, account: account ?? profileAccount ?? undefined }),
    layout: layoutId,
    layout_name: layoutName,
    sniff,
  });
  if (options.layout) return read(options.layout, "custom", "Your column choices");
  const profile = sniff.matched?.kind === "profile" ? options.profiles?.find((p) => p.id === sniff.matched?.id) : undefined;
  if (profile) return read(profile.layout, `profile:${profile.id}`, `Your profile '${profile.name}'`, profile.account);
  const mapping = options.mappings?.length ? mappingFor(bytes, options.mappings) : undefined;
  if (mapping) return read(layoutFromMapping(mapping), "custom", mapping.label);
  const preset = sniff.matched?.kind === "preset" ? CSV_PRESETS.find((p) => p.id === sniff.matched?.id) : undefined;
  if (preset) return read(preset.layout, `preset:${preset.id}`, preset.label);
  throw new UnknownCsvLayout(sniff);
}

/** The first old agent mapping whose `needs` are all in one of the file's first lines. */
function mappingFor(bytes: Uint8Array, mappings: readonly CsvMapping[]): CsvMapping | undefined {
  const { text } = decodeCsv(bytes);
  const records = readRecords(text, sniffDelimiter(text), 200);
  return mappings.find((m) => records.slice(0, 30).some((r) => m.needs.every((n) => r.cells.includes(n))));
}
