import type { CsvEncoding, CsvSniff } from "#protocol";

// What the column picker shows of a CSV while the user changes how it is read: the start of the file decoded
// with the chosen encoding, the lines skipped as a preamble, and the table (header and first rows) split with
// the chosen delimiter. Only for showing and choosing: the file itself is read on the server, by the same reader
// as the agent's statements folder, and the preview beside the picker shows what that reader made of it.

/** How much of the file the picker reads: enough for a preamble, the header and a screenful of rows. */
export const START_BYTES = 256 * 1024;
/** Rows the picker's table shows (and reads an indicator column's values from). */
const SHOWN_ROWS = 200;

export type TableSettings = { encoding: CsvEncoding; delimiter: string; skip_lines: number; header: boolean };
export type CsvTable = {
  /** The lines skipped before the table, as text. */
  preamble: string[];
  /** The columns' names: the header row's cells, or "Column 1", "Column 2"… without a header row. */
  columns: string[];
  /** The header row's cells as written (empty without a header row): what a saved profile recognises. */
  header_cells: string[];
  rows: string[][];
};

/** The file's first bytes as text in `encoding` (a character cut at the end is dropped, not called an error). */
export function decodeStart(bytes: Uint8Array, encoding: CsvEncoding): string {
  return new TextDecoder(encoding).decode(bytes, { stream: true }).replace(/^\uFEFF/, "");
}

/** The cells of one CSV line: quoted fields may hold the delimiter and doubled quotes; cells are trimmed. */
export function cellsOf(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (char === '"') {
      if (quoted && line[i + 1] === '"') {
        current += '"';
        i++;
      } else quoted = !quoted;
    } else if (char === delimiter && !quoted) {
      out.push(current.trim());
      current = "";
    } else current += char;
  }
  out.push(current.trim());
  return out;
}

/** The table as the settings read it. Blank lines are left out of the rows (but count among the skipped lines). */
export function readTable(text: string, settings: TableSettings): CsvTable {
  const lines = text.split(/\r\n|\n|\r/);
  // A cut at START_BYTES leaves a partial last line: it is not shown.
  if (lines.length > 1) lines.pop();
  const preamble = lines.slice(0, settings.skip_lines);
  const table = lines
    .slice(settings.skip_lines)
    .filter((line) => line.trim() !== "")
    .slice(0, SHOWN_ROWS + 1)
    .map((line) => cellsOf(line, settings.delimiter));
  // As the server keeps a header: without the empty cells a trailing delimiter leaves, and a repeated name
  // numbered ("Name", "Name (2)") as the engine numbers it, so each column can be chosen.
  const header_cells = settings.header ? numberRepeats(trimTrailing(table.shift() ?? [])) : [];
  const width = Math.max(header_cells.length, ...table.map((row) => row.length));
  // An empty header cell (a trailing delimiter, an unnamed column) is named by its place, like a headerless file's.
  const columns = numberRepeats(Array.from({ length: width }, (_, i) => header_cells[i] || `Column ${i + 1}`));
  return { preamble, columns, header_cells, rows: table.slice(0, SHOWN_ROWS) };
}

/**
 * The table as the server's reader split it, when the newest preview's sniff was split with these same settings
 * (the preview sends the picker's answer, and the server splits the file with it): the picker then shows the
 * reader's own split, quoted line breaks and stray quotes included, and a profile saved from it keeps the header
 * the reader will see next time. Null when the settings differ (the user just changed one, or the answer is not
 * complete yet): the picker shows the browser's split until the next preview comes.
 */
export function tableOfSniff(sniff: CsvSniff | null | undefined, settings: TableSettings): CsvTable | null {
  const split = sniff?.layout;
  if (!sniff || !split) return null;
  const same = split.encoding === settings.encoding && split.delimiter === settings.delimiter && (split.skip_lines ?? 0) === settings.skip_lines && split.header === settings.header;
  if (!same) return null;
  const header_cells = settings.header ? sniff.header_cells : [];
  const width = Math.max(header_cells.length, ...sniff.rows.map((row) => row.length));
  const columns = numberRepeats(Array.from({ length: width }, (_, i) => header_cells[i] || `Column ${i + 1}`));
  return { preamble: sniff.preamble, columns, header_cells, rows: sniff.rows };
}

/** Names repeated in a header get " (2)", " (3)"… from their second time on; empty cells stay empty. */
export function numberRepeats(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    if (name === "") return name;
    const times = (seen.get(name) ?? 0) + 1;
    seen.set(name, times);
    return times === 1 ? name : `${name} (${times})`;
  });
}

function trimTrailing(cells: string[]): string[] {
  let end = cells.length;
  while (end > 0 && cells[end - 1] === "") end--;
  return cells.slice(0, end);
}

/** The distinct values of a column (an indicator's `Af`/`Bij`), most frequent first, at most `limit`. */
export function valuesOf(table: CsvTable, column: string, limit = 10): string[] {
  const at = table.columns.indexOf(column);
  if (at === -1) return [];
  const counts = new Map<string, number>();
  for (const row of table.rows) {
    const value = row[at]?.trim();
    if (value) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([value]) => value);
}

/** The delimiter that splits the first lines into the most equal columns (the first guess before the server's). */
export function guessDelimiter(text: string): string {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "").slice(0, 20);
  let best = ",";
  let bestScore = 0;
  for (const delimiter of [",", ";", "\t", "|"]) {
    const widths = lines.map((line) => cellsOf(line, delimiter).length);
    // The most common width above one, weighted by how many lines have it: a preamble line does not decide.
    const counts = new Map<number, number>();
    for (const width of widths) if (width > 1) counts.set(width, (counts.get(width) ?? 0) + 1);
    const score = Math.max(0, ...[...counts.entries()].map(([width, n]) => width * n));
    if (score > bestScore) {
      best = delimiter;
      bestScore = score;
    }
  }
  return best;
}

/** Values that mean money out or money in, in the indicator columns banks write (compared case-blind). */
const OUT_VALUES = ["af", "d", "debit", "dr", "s", "soll", "-", "out", "debet", "uit", "db"];
const IN_VALUES = ["bij", "c", "credit", "cr", "h", "haben", "+", "in", "kredit", "cd"];

/** Which way a value of an indicator column points, when it is one banks commonly write. */
export function directionOf(value: string): "out" | "in" | null {
  const key = value.trim().toLowerCase();
  return OUT_VALUES.includes(key) ? "out" : IN_VALUES.includes(key) ? "in" : null;
}
