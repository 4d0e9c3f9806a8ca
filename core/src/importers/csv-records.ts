import { CSV_DELIMITERS } from "#protocol";

// Splitting CSV text into records the way banks actually write it, forgiving where they are sloppy: a quote inside
// a quoted field that is not doubled ("Say "hi" now") is kept as a quote, a field may run over a few lines inside
// quotes, a trailing delimiter gives an empty last cell, and blank lines (or lines of only delimiters) are left
// out. Each record keeps the line it starts on, the number a text editor shows, so a refusal can name it.

export type CsvRecord = {
  /** The cells, trimmed. */
  cells: string[];
  /** The file's line the record starts on (1-based). */
  line: number;
  /** The record's text as written, for the picker's preamble. */
  text: string;
};

export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** A quoted field may hold line breaks, but no more than this many: past it, the quote was a stray one. */
const MAX_LINES_IN_FIELD = 20;

/** The file's lines, whatever the line endings (CRLF, LF, or the old Mac CR). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

/**
 * Reads one record starting at `lines[at]`: its cells and how many lines it took. A quote opens a quoted field
 * only at the start of a field; inside one, `""` is a quote and a `"` followed by the delimiter or the end of the
 * line closes it; any other quote is kept as written.
 */
function readRecord(lines: readonly string[], at: number, delimiter: string, multiline: boolean): { cells: string[]; used: number } | null {
  const cells: string[] = [];
  let cell = "";
  let line = lines[at] ?? "";
  let used = 1;
  let i = 0;
  let fieldStart = true;
  let quoted = false;
  for (;;) {
    if (i >= line.length) {
      if (quoted) {
        // The quoted field goes on to the next line, unless the file ends or it runs too long.
        if (!multiline || used >= MAX_LINES_IN_FIELD || at + used >= lines.length) return null;
        cell += "\n";
        line = lines[at + used] ?? "";
        used += 1;
        i = 0;
        continue;
      }
      cells.push(cell);
      return { cells, used };
    }
    const char = line[i] ?? "";
    if (quoted) {
      if (char === '"') {
        // `""` is a quote, unless the delimiter or the line's end follows it: then it is a stray quote closing
        // the field ("UAB "Naktida"",), as Swedbank (LT) writes.
        const closes = (at: number) => {
          const after = line.slice(at).replace(delimiter === "\t" ? /^ +/ : /^[ \t]+/, "");
          return after === "" || after.startsWith(delimiter);
        };
        if (line[i + 1] === '"' && closes(i + 2)) {
          cell += '"';
          quoted = false;
          i += 2;
          continue;
        }
        if (line[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        // A closing quote is followed (after spaces) by the delimiter or the end of the line.
        if (closes(i + 1)) {
          quoted = false;
          i += 1;
          continue;
        }
      }
      cell += char;
      i += 1;
      continue;
    }
    if (fieldStart && char === '"') {
      quoted = true;
      fieldStart = false;
      cell = "";
      i += 1;
      continue;
    }
    if (fieldStart && (char === " " || char === "\t") && char !== delimiter) {
      i += 1;
      continue;
    }
    if (line.startsWith(delimiter, i)) {
      cells.push(cell);
      cell = "";
      fieldStart = true;
      i += delimiter.length;
      continue;
    }
    fieldStart = false;
    cell += char;
    i += 1;
  }
}

/** The text's records with the given delimiter, blank ones left out. */
export function readRecords(text: string, delimiter: CsvDelimiter): CsvRecord[] {
  const lines = splitLines(text);
  const records: CsvRecord[] = [];
  for (let at = 0; at < lines.length; ) {
    const raw = lines[at] ?? "";
    if (raw.trim() === "") {
      at += 1;
      continue;
    }
    // A quote that never closes is a stray one: read the line alone, taking its quotes as written.
    const read = readRecord(lines, at, delimiter, true) ?? { cells: raw.split(delimiter).map((c) => c.replace(/^\s*"|"\s*$/g, "")), used: 1 };
    const cells = read.cells.map((c) => c.trim());
    if (cells.some((c) => c !== "")) records.push({ cells, line: at + 1, text: lines.slice(at, at + read.used).join("\n") });
    at += read.used;
  }
  return records;
}

/** A record's cells without the empty ones at its end (what a trailing delimiter leaves). */
export function trimTrailing(cells: readonly string[]): string[] {
  let end = cells.length;
  while (end > 0 && cells[end - 1] === "") end--;
  return cells.slice(0, end);
}

/**
 * The delimiter that splits the first lines most consistently into more than one field: the one whose most common
 * field count (above one) is shared by the most lines, the larger count on a tie.
 */
export function sniffDelimiter(text: string): CsvDelimiter {
  const lines = splitLines(text)
    .filter((line) => line.trim())
    .slice(0, 60)
    .join("\n");
  let best: { delimiter: CsvDelimiter; score: number; fields: number } = { delimiter: ",", score: -1, fields: 0 };
  for (const delimiter of CSV_DELIMITERS) {
    const counts = readRecords(lines, delimiter).map((r) => r.cells.length);
    // Lines with one field (a title, a note) say nothing about the delimiter.
    const freq = new Map<number, number>();
    for (const c of counts) if (c > 1) freq.set(c, (freq.get(c) ?? 0) + 1);
    const [fields, score] = [...freq.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0] ?? [1, 0];
    if (fields > 1 && (score > best.score || (score === best.score && fields > best.fields))) best = { delimiter, score, fields };
  }
  return best.delimiter;
}
