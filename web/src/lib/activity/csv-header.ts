import type { CsvColumns } from "#protocol";

// Just enough CSV reading in the browser to ask "which column is which" for a layout Hearth does not know: the
// header row's cells, and a first guess for each answer. The file itself is read on the server.

export type CsvPreview = { header: string[]; sample: string[]; guess: Partial<CsvColumns> };

const DELIMITERS = [",", ";", "\t", "|"] as const;

function cells(line: string, delimiter: string): string[] {
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

const find = (header: string[], pattern: RegExp) => header.find((name) => pattern.test(name));

/** The day/month order the sample dates suggest (a first number over 12 is a day; a 4-digit first is a year). */
function orderOf(values: (string | undefined)[]): CsvColumns["order"] {
  const dates = values.map((value) => value?.match(/\d+/g) ?? []);
  // 2026-10-05, and the compact 20261005 some banks write (a date's first part is a year when it starts one).
  if (dates.some((parts) => (parts[0]?.length ?? 0) === 4 || /^(19|20)\d{6}$/.test(parts[0] ?? ""))) return "YMD";
  if (dates.some((parts) => Number(parts[0]) > 12)) return "DMY";
  if (dates.some((parts) => Number(parts[1]) > 12)) return "MDY";
  return navigator.language.startsWith("en-US") ? "MDY" : "DMY";
}

/** The header (the widest of the first rows, which skips a bank's preamble lines) and guesses from its names. */
export function previewCsv(text: string): CsvPreview {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/).filter((line) => line.trim() !== "").slice(0, 20);
  const delimiter = DELIMITERS.map((d) => ({ d, n: cells(lines[0] ?? "", d).length + cells(lines[1] ?? "", d).length })).sort((a, b) => b.n - a.n)[0]?.d ?? ",";
  const rows = lines.map((line) => cells(line, delimiter));
  const widest = Math.max(0, ...rows.map((row) => row.length));
  const at = rows.findIndex((row) => row.length === widest && row.every((cell) => !/^-?[\d.,\s/-]+$/.test(cell)));
  const header = rows[at] ?? rows[0] ?? [];
  const sample = rows[at + 1] ?? [];
  const date = find(header, /date|datum|fecha|tag|posted|booked|booking|when/i);
  const debit = find(header, /debit|withdraw|out/i);
  const credit = find(header, /credit|deposit|in$/i);
  const amount = find(header, /amount|betrag|montant|importe|sum|value/i);
  const guess: Partial<CsvColumns> = {
    ...(date ? { date } : {}),
    order: orderOf(date ? rows.slice(at + 1).map((row) => row[header.indexOf(date)]) : []),
    ...(amount ? { amount } : debit && credit ? { debit, credit } : {}),
    description: find(header, /desc|payee|memo|narrative|details|name|merchant/i) ?? "",
    decimal: sample.some((cell) => /^-?\d+,\d{2}$/.test(cell)) ? "," : ".",
  };
  return { header, sample, guess };
}

/** Reads the start of a file as text (UTF-8, or Windows-1252 when it is not UTF-8). */
export async function fileStart(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.slice(0, 64 * 1024).arrayBuffer());
  try {
    // `stream` lets the 64 KiB cut fall inside a character without calling the file not UTF-8.
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
  } catch {
    return new TextDecoder("windows-1252").decode(bytes);
  }
}
