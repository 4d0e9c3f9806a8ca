import { CSV_DELIMITERS } from "#protocol";
import type { CsvLayout, CsvSniff, ImportProfile } from "#protocol";
import { columnName, columnNames } from "./csv.ts";
import { readRecords, sniffDelimiter, splitLines, trimTrailing } from "./csv-records.ts";
import type { CsvDelimiter, CsvRecord } from "./csv-records.ts";
import { csvAmount, csvDate } from "./csv-values.ts";
import { decodeCsv } from "./decode.ts";
import { CSV_PRESETS } from "./presets/index.ts";
import type { CsvPreset } from "./presets/index.ts";
import { guessColumns, guessNumberFormat } from "./sniff-columns.ts";

// What a CSV file looks like before anyone says how to read it: its encoding, delimiter, number and date formats,
// where its table starts (after a preamble of account details) and whether it has a header row, and a best guess
// of which column is which. A file whose header a saved profile or a preset knows is recognised by it; anything
// else goes to the column picker with this guess filled in.

/** A CSV whose header matches no profile or preset (and no layout given): the user has to say how to read it. */
export class UnknownCsvLayout extends Error {
  readonly sniff: CsvSniff;
  constructor(sniff: CsvSniff) {
    super("This CSV layout is not one Hearth knows. Say which columns hold the date, the amount and the description, and how they are written.");
    this.name = "UnknownCsvLayout";
    this.sniff = sniff;
  }
}

/**
 * A header row's cells as profiles keep them and the picker shows them: trimmed, without the empty cells a trailing
 * delimiter leaves, and named as the reader names columns (an empty cell "Column 3", a second "Name" "Name (2)").
 */
export const headerCells = (cells: readonly string[]) => columnNames(trimTrailing(cells.map((c) => c.trim())));

export type LayoutMatch = { kind: "profile"; profile: ImportProfile; at: number } | { kind: "preset"; preset: CsvPreset; at: number };

/** The first profile whose header cells are a header row of the file, else the first preset whose `needs` all are in one. */
export function matchLayout(records: readonly CsvRecord[], profiles: readonly ImportProfile[]): LayoutMatch | null {
  const heads = records.slice(0, 50).map((r) => headerCells(r.cells).join("\u0000"));
  for (const profile of profiles) {
    if (profile.header_cells.length === 0) continue;
    const at = heads.indexOf(headerCells(profile.header_cells).join("\u0000"));
    if (at >= 0) return { kind: "profile", profile, at };
  }
  for (const preset of CSV_PRESETS) {
    if (preset.needs.length === 0) continue;
    const at = records.slice(0, 30).findIndex((r) => preset.needs.every((name) => r.cells.includes(name)));
    if (at >= 0) return { kind: "preset", preset, at };
  }
  return null;
}

/** Whether a cell reads as a date in some order, or as a number. */
const isDate = (cell: string) => csvDate(cell, "YMD") !== null || csvDate(cell, "DMY") !== null || csvDate(cell, "MDY") !== null;
const isNumber = (cell: string) => /\d/.test(cell) && (csvAmount(cell, ".", ",") !== null || csvAmount(cell, ",", ".") !== null);

/**
 * Where the table is: the index of its first record (the header row, or the first data row), and whether that is a
 * header. The table's rows are those of its most common width; its header is a row of that width with no date or
 * number in it, right above a row with a date.
 */
function findTable(records: readonly CsvRecord[]): { start: number; header: boolean; near: (r: CsvRecord | undefined) => boolean } {
  const widths = new Map<number, number>();
  for (const r of records) {
    const w = r.cells.length;
    if (headerCells(r.cells).length > 1) widths.set(w, (widths.get(w) ?? 0) + 1);
  }
  const width = [...widths.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]?.[0] ?? 1;
  // Of the table's width: a preamble line ("Account;NL12 INGB…") is narrower; a trailing delimiter adds an empty cell.
  const near = (r: CsvRecord | undefined) => r !== undefined && headerCells(r.cells).length > 1 && (r.cells.length === width || headerCells(r.cells).length === width);
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (!near(record)) continue;
    const cells = record?.cells ?? [];
    const filled = cells.filter((c) => c !== "");
    if (cells.some(isDate) && cells.some((c) => isNumber(c) && !isDate(c))) return { start: i, header: false, near };
    const next = records[i + 1];
    if (filled.length >= 2 && !filled.some((c) => isDate(c) || isNumber(c)) && near(next) && (next?.cells ?? []).some(isDate)) return { start: i, header: true, near };
  }
  const first = records.findIndex(near);
  return { start: Math.max(0, first), header: true, near };
}

/** The file's lines before the record at `at`, as written (the picker's preamble), and how many there are. */
function preambleOf(text: string, records: readonly CsvRecord[], at: number): string[] {
  const line = records[at]?.line ?? 1;
  return splitLines(text).slice(0, Math.min(line - 1, 200));
}

/**
 * The file's records with the delimiter its lines show, and the profile or preset that knows its header. When none
 * does, the other delimiters are tried too: a header a layout names is better evidence than a count of separators
 * (a decimal comma in a tab-separated file looks like a delimiter).
 */
export function recordsOf(text: string, profiles: readonly ImportProfile[]): { delimiter: CsvDelimiter; records: CsvRecord[]; match: LayoutMatch | null } {
  const sniffed = sniffDelimiter(text);
  // A header is near the top: the other delimiters are tried on the file's start only, then the whole file is read once.
  for (const delimiter of new Set([sniffed, ...CSV_DELIMITERS])) {
    const match = matchLayout(readRecords(text, delimiter, HEAD_LINES), profiles);
    if (match) return { delimiter, records: readRecords(text, delimiter), match };
  }
  return { delimiter: sniffed, records: readRecords(text, sniffed), match: null };
}

/** How far into a file a header row is looked for. */
const HEAD_LINES = 400;

/** The settings of a layout that decide how a file is split into a header, rows and a preamble. */
export type CsvSplit = Pick<CsvLayout, "encoding" | "delimiter" | "skip_lines" | "header">;

export type SniffOptions = {
  profiles?: readonly ImportProfile[] | undefined;
  /**
   * The layout the file is being read with (the picker's answer, or a profile's): the header, rows and preamble are
   * then split with its encoding, delimiter, lines to skip and header flag, as the reader will, not guessed.
   */
  layout?: (CsvSplit & Partial<CsvLayout>) | undefined;
};

/**
 * Reads a CSV file's shape and guesses its layout, or recognises it by a profile's or a preset's header. With a
 * layout given, shows the file as that layout splits it (and `matched` is null: the file is read with the layout).
 */
export function sniffCsv(bytes: Uint8Array, options: SniffOptions = {}): CsvSniff {
  if (options.layout) return splitWith(bytes, options.layout);
  const { text, encoding } = decodeCsv(bytes);
  const { delimiter, records, match } = recordsOf(text, options.profiles ?? []);
  if (match) {
    const layout: CsvLayout = match.kind === "profile" ? match.profile.layout : match.preset.layout;
    const named = match.kind === "profile" ? { kind: "profile" as const, id: match.profile.id, name: match.profile.name } : { kind: "preset" as const, id: match.preset.id, name: match.preset.label };
    return {
      layout,
      header_cells: headerCells(records[match.at]?.cells ?? []),
      rows: records.slice(match.at + 1, match.at + 51).map((r) => r.cells),
      preamble: preambleOf(text, records, match.at),
      matched: named,
    };
  }
  const table = findTable(records);
  const header = table.header ? headerCells(records[table.start]?.cells ?? []) : [];
  const body = records.slice(table.header ? table.start + 1 : table.start).map((r) => r.cells);
  // The guess is made on the table's own rows: a summary line after it ("Total;123,45") is of another width.
  const sample = records
    .slice(table.header ? table.start + 1 : table.start)
    .filter(table.near)
    .slice(0, 500)
    .map((r) => r.cells);
  const width = Math.max(header.length, ...body.slice(0, 200).map((r) => headerCells(r).length));
  const names = table.header ? columnNames([...header, ...Array.from({ length: Math.max(0, width - header.length) }, () => "")]) : Array.from({ length: width }, (_, i) => columnName(i + 1));
  const format = guessNumberFormat(
    sample.flatMap((r) => r.filter((c) => !isDate(c))),
    delimiter,
  );
  const columns = guessColumns(names, sample, table.header, format);
  const preamble = preambleOf(text, records, table.start);
  return {
    layout: { encoding, delimiter, ...format, header: table.header, skip_lines: preamble.length, ...columns },
    header_cells: header,
    rows: body.slice(0, 50),
    preamble,
    matched: null,
  };
}

/** The file as a layout splits it: the skipped lines, then (when it has one) the header row, then the rows. */
function splitWith(bytes: Uint8Array, layout: CsvSplit & Partial<CsvLayout>): CsvSniff {
  const { text } = decodeCsv(bytes, layout.encoding);
  const table = readRecords(text, layout.delimiter).filter((r) => r.line > layout.skip_lines);
  const first = layout.header ? table[0] : undefined;
  return {
    layout: { ...layout },
    header_cells: first ? headerCells(first.cells) : [],
    rows: table.slice(first ? 1 : 0, (first ? 1 : 0) + 50).map((r) => r.cells),
    preamble: splitLines(text).slice(0, Math.min(layout.skip_lines, 200)),
    matched: null,
  };
}
