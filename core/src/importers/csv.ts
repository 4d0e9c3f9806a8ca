import { createHash } from "node:crypto";
import { parse } from "csv-parse/sync";
import { decodeStatement } from "./decode.ts";
import type { ImportedStatement } from "./ofx.ts";

// CSV bank exports to financial activity events. A mapping says which columns hold the date (and its day/month
// order), the amount (or separate debit and credit columns), the currency and the description. Presets cover
// common bank layouts and are picked by their header; anything else takes a custom mapping (config.json).

export type CsvMapping = {
  id: string;
  label: string;
  /** Header cells that identify the layout. */
  needs: readonly string[];
  date: string;
  order: "DMY" | "MDY" | "YMD";
  amount?: string;
  debit?: string;
  credit?: string;
  /** "," for 1.234,56. */
  decimal?: "." | ",";
  /** A column whose value "debit" makes the amount negative (Mint). */
  sign?: string;
  currency?: string;
  /** Used when there is no currency column. */
  default_currency?: string;
  description: string;
  /** A column with the bank's own transaction id, when there is one. */
  id_column?: string;
};

export const CSV_PRESETS: readonly CsvMapping[] = [
  { id: "gls-de", label: "GLS Bank (DE)", needs: ["Buchungstag", "Betrag"], date: "Buchungstag", order: "DMY", amount: "Betrag", decimal: ",", currency: "Währung", description: "Auftraggeber/Empfänger" },
  { id: "ubs-ch", label: "UBS (CH, French)", needs: ["Date de valeur", "Débit", "Crédit"], date: "Date de valeur", order: "DMY", debit: "Débit", credit: "Crédit", currency: "Monn.", description: "Description 1" },
  { id: "capitalone", label: "Capital One", needs: ["Transaction Date", "Debit", "Credit"], date: "Transaction Date", order: "YMD", debit: "Debit", credit: "Credit", default_currency: "USD", description: "Description" },
  { id: "ing-es", label: "ING (ES)", needs: ["date", "amount", "balance"], date: "date", order: "DMY", amount: "amount", default_currency: "EUR", description: "desc" },
  { id: "mint", label: "Mint", needs: ["Transaction Type", "Amount", "Original Description"], date: "Date", order: "MDY", amount: "Amount", sign: "Transaction Type", default_currency: "USD", description: "Description" },
  { id: "paypal", label: "PayPal", needs: ["Gross", "Net", "Transaction ID"], date: "Date", order: "MDY", amount: "Net", currency: "Currency", description: "Name", id_column: "Transaction ID" },
  { id: "dcu", label: "DCU", needs: ["DATE", "AMOUNT", "CURRENT BALANCE"], date: "DATE", order: "MDY", amount: "AMOUNT", default_currency: "USD", description: "DESCRIPTION", id_column: "ID" },
  { id: "fidelity", label: "Fidelity (cash management)", needs: ["Run Date", "Amount ($)"], date: "Run Date", order: "MDY", amount: "Amount ($)", default_currency: "USD", description: "Action" },
  { id: "otp-hu", label: "OTP Bank (HU)", needs: ["Könyvelés dátuma", "Összeg"], date: "Könyvelés dátuma", order: "YMD", amount: "Összeg", currency: "Devizanem", description: "Partner név" },
  { id: "date-remarque-montant", label: "Date / Remarque / Montant (FR)", needs: ["Date", "Montant"], date: "Date", order: "YMD", amount: "Montant", default_currency: "EUR", description: "Remarque" },
];

/** The delimiter that splits the first lines most consistently into more than one field. */
export function sniffDelimiter(text: string): string {
  const lines = text.split(/\r\n|\n|\r/).filter((line) => line.trim()).slice(0, 20);
  let best = { delimiter: ",", score: -1, fields: 0 };
  for (const delimiter of [",", ";", "\t", "|"]) {
    const counts = lines.map((line) => {
      let fields = 1;
      let quoted = false;
      for (const char of line) {
        if (char === '"') quoted = !quoted;
        else if (char === delimiter && !quoted) fields++;
      }
      return fields;
    });
    // Lines with one field (a title, a note) say nothing about the delimiter.
    const freq = new Map<number, number>();
    for (const c of counts) if (c > 1) freq.set(c, (freq.get(c) ?? 0) + 1);
    const [fields, score] = [...freq.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0] ?? [1, 0];
    if (fields > 1 && (score > best.score || (score === best.score && fields > best.fields))) best = { delimiter, score, fields };
  }
  return best.delimiter;
}

/** `1.234,56`, `11'373.94`, `-$7,971.39`, `(12.50)`, `"1,000.00"` → a number, or null. */
export function csvAmount(raw: string | undefined, decimal: "." | "," = "."): number | null {
  let t = (raw ?? "").trim();
  if (!t) return null;
  let negative = false;
  if (/^\(.*\)$/.test(t)) {
    negative = true;
    t = t.slice(1, -1);
  }
  t = t.replace(/[$€£\s]|CHF|EUR|USD/g, "");
  if (t.startsWith("-")) {
    negative = !negative;
    t = t.slice(1);
  } else if (t.startsWith("+")) t = t.slice(1);
  if (t.endsWith("-")) {
    negative = !negative;
    t = t.slice(0, -1);
  }
  t = t.replace(decimal === "," ? /[.'\u2019]/g : /[,'\u2019]/g, "");
  if (decimal === ",") t = t.replace(",", ".");
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  return (negative ? -1 : 1) * Number(t);
}

/** A time of day after a date ("2021-09-05 11:32:41", "…T11:32:41Z", "6/4/2016 10:46 PM"): the day is what counts. */
const TIME_OF_DAY = /(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s*(?:Z|[+-]\d{2}:?\d{2}|[A-Z]{2,5}))?$/;

/**
 * A date in the given field order → `YYYY-MM-DD`, or null when it is not a real date. Takes the separators banks
 * use (`-`, `/`, `.`), a time of day after the date, and the compact 8-digit form (`20200213` for YMD,
 * `13022020` for DMY).
 */
export function csvDate(raw: string | undefined, order: CsvMapping["order"]): string | null {
  const text = (raw ?? "").trim().replace(TIME_OF_DAY, "").trim().replace(/\.$/, "");
  const compact = /^\d{8}$/.test(text);
  const parts = compact ? (order === "YMD" ? [text.slice(0, 4), text.slice(4, 6), text.slice(6)] : [text.slice(0, 2), text.slice(2, 4), text.slice(4)]) : text.split(/[./-]/);
  if (parts.length !== 3 || parts.some((p) => !/^\d+$/.test(p))) return null;
  const at = (field: "D" | "M" | "Y") => parts[order.indexOf(field)] ?? "";
  if (![2, 4].includes(at("Y").length)) return null;
  let year = Number(at("Y"));
  if (at("Y").length === 2) year += year < 70 ? 2000 : 1900;
  const month = Number(at("M"));
  const day = Number(at("D"));
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}

/** A CSV whose header matches no preset (and no mapping given): the user has to say which column is which. */
export class UnknownCsvLayout extends Error {
  constructor() {
    super("This CSV layout is not one Hearth knows. Say which columns hold the date, the amount and the description (a column mapping).");
  }
}

export type CsvOptions = { mapping?: CsvMapping; defaultCurrency?: string; source?: string };

type CsvRecord = { cells: string[]; line: number };

/** The file's records, each with the line it ends on (what a text editor shows), blank lines left out. */
function readRecords(text: string): CsvRecord[] {
  // Each kept record's line, in order; `info: true` would give the same, but its typings say string[][].
  const lines: number[] = [];
  let cells: string[][];
  try {
    cells = parse(text, {
      delimiter: sniffDelimiter(text),
      relax_column_count: true,
      relax_quotes: true,
      trim: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      on_record: (record, context) => {
        lines.push(context.lines);
        return record;
      },
    });
  } catch (error) {
    throw new Error(`This CSV file could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (lines.length !== cells.length) throw new Error("This CSV file could not be read: its lines and records do not match up.");
  return cells.map((record, i) => ({ cells: record, line: lines[i] ?? 0 }));
}

/**
 * A CSV statement's transactions. Every line with something on it is accounted for: a transaction (`events`,
 * with its line in `rows`), refused with its line and the reason, or skipped as what it is (a line above the
 * header, or a line of text like a bank's disclaimer). A line with two or more values is a transaction or is
 * refused, never skipped, so a file with data lines can never come back with nothing stored and nothing refused.
 */
export function importCsv(bytes: Uint8Array, options: CsvOptions = {}): ImportedStatement & { layout: string } {
  const records = readRecords(decodeStatement(bytes));
  const candidates = options.mapping ? [options.mapping] : CSV_PRESETS;
  let headerAt = -1;
  let mapping: CsvMapping | undefined;
  for (let i = 0; i < Math.min(records.length, 30) && !mapping; i++) {
    mapping = candidates.find((m) => m.needs.every((name) => records[i]?.cells.includes(name)));
    if (mapping) headerAt = i;
  }
  if (!mapping) {
    if (!options.mapping) throw new UnknownCsvLayout();
    throw new Error(`The file has no header row with ${options.mapping.needs.join(", ")}.`);
  }
  const header = records[headerAt]?.cells ?? [];
  const cell = (row: string[], column: string | undefined) => (column === undefined ? undefined : row[header.indexOf(column)]);
  const result: ImportedStatement & { layout: string } = { events: [], rows: [], refused: [], skipped: [], accounts: [], layout: mapping.id };
  for (const { line } of records.slice(0, headerAt)) result.skipped.push({ row: line, reason: "above the header row" });
  const seen = new Map<string, number>();
  for (const { cells: row, line } of records.slice(headerAt + 1)) {
    const filled = row.filter((value) => value !== "");
    if (filled.length === 1 && csvDate(filled[0], mapping.order) === null) {
      result.skipped.push({ row: line, reason: "a line of text, not a transaction" });
      continue;
    }
    const refuse = (reason: string) => result.refused.push({ row: line, reason });
    const date = csvDate(cell(row, mapping.date), mapping.order);
    if (!date) {
      refuse(`"${cell(row, mapping.date) ?? ""}" is not a date (${mapping.order})`);
      continue;
    }
    let amount: number | null;
    if (mapping.debit !== undefined || mapping.credit !== undefined) {
      const credit = csvAmount(cell(row, mapping.credit), mapping.decimal);
      const debit = csvAmount(cell(row, mapping.debit), mapping.decimal);
      amount = credit !== null && credit !== 0 ? credit : debit !== null ? -Math.abs(debit) : null;
    } else {
      amount = csvAmount(cell(row, mapping.amount), mapping.decimal);
      if (amount !== null && mapping.sign && /^debit$/i.test(cell(row, mapping.sign) ?? "")) amount = -Math.abs(amount);
    }
    if (amount === null) {
      refuse("it has no amount");
      continue;
    }
    const currency = (cell(row, mapping.currency) || mapping.default_currency || options.defaultCurrency || "").toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) {
      refuse("the file does not say its currency; set a default currency for it");
      continue;
    }
    const description = cell(row, mapping.description) || "Transaction";
    // The bank's id when there is one; else what the row says, plus how many identical rows came before it.
    const own = cell(row, mapping.id_column);
    const key = own || createHash("sha256").update([date, amount, description].join("\u0000")).digest("hex").slice(0, 20);
    const repeat = seen.get(key) ?? 0;
    seen.set(key, repeat + 1);
    result.events.push({
      event_id: `csv:${mapping.id}:${key}${repeat > 0 ? `:${repeat}` : ""}`.slice(0, 200),
      activity_type: "financial",
      timestamp: `${date}T12:00:00Z`,
      application: options.source ?? `${mapping.label} CSV`,
      description,
      details: { amount, currency, merchant: description, layout: mapping.id },
    });
    result.rows.push(line);
  }
  return result;
}
