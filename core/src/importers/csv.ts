import { CSV_DELIMITERS } from "#protocol";
import type { CsvLayout } from "#protocol";
import type { ActivityEvent } from "../../../protocol/src/activity.ts";
import { readRecords, sniffDelimiter, trimTrailing } from "./csv-records.ts";
import type { CsvRecord } from "./csv-records.ts";
import { csvAmount, csvDate } from "./csv-values.ts";
import { decodeCsv } from "./decode.ts";
import { SUMMARY_LINES, normaliseHeader } from "./csv-words.ts";
import { csvEventId, rowKey } from "./fingerprint.ts";
import type { ImportedStatement } from "./ofx.ts";

// Reading a CSV statement with a layout (the user's profile, a preset, or the picker's answer): which lines are the
// table, and each row's date, signed amount, currency and description. Every line with something on it is accounted
// for: a transaction (`events`, with its line in `rows`), refused with its line and the reason, or skipped as what it
// is (a line above the header, a line of text like a bank's disclaimer, a line of balances or totals, a summary line
// after the last transaction).

export type CsvReadOptions = {
  /** The event's `application`: "Statement march.csv". */
  source: string;
  /** `preset:<id>`, `profile:<id>` or `custom`: kept in each event's details. */
  layoutId: string;
  defaultCurrency?: string | undefined;
  /** The profile's account name: part of each event id and kept in details. */
  account?: string | undefined;
};

/** The header cell a file with no header row gives its n-th column (1-based). */
export const columnName = (n: number) => `Column ${n}`;

/**
 * The names a header row gives its columns, each one different, so a layout can name any of them: the cell as
 * written; an empty cell is named by its place ("Column 3"); a name already taken gets " (2)", " (3)"… (the second
 * "Name" is "Name (2)", unless the file has a "Name (2)" of its own). The column picker shows these names, and
 * profiles keep them.
 */
export function columnNames(cells: readonly string[]): string[] {
  const written = cells.map((cell, i) => cell.trim() || columnName(i + 1));
  const taken = new Set(written);
  const used = new Set<string>();
  return written.map((name) => {
    let named = name;
    for (let n = 2; used.has(named) || (named !== name && taken.has(named)); n++) named = `${name} (${n})`;
    used.add(named);
    return named;
  });
}

/** Every column a layout names, for finding its header row. */
export function layoutColumns(layout: CsvLayout): string[] {
  const sign = layout.sign.kind === "split" ? [layout.sign.debit, layout.sign.credit] : layout.sign.kind === "indicator" ? [layout.sign.amount, layout.sign.indicator] : [layout.sign.amount];
  const optional = [layout.currency, layout.id, layout.balance, layout.category].filter((c): c is string => c !== undefined);
  return [...new Set([layout.date, ...layout.description, ...sign, ...optional])];
}

/** The table's header row: the first record holding every column the layout names, after the lines it skips. */
function findHeader(records: readonly CsvRecord[], layout: CsvLayout): number {
  const wanted = layoutColumns(layout);
  const fits = (r: CsvRecord) => {
    const names = new Set(columnNames(r.cells));
    return wanted.every((c) => names.has(c));
  };
  const after = records.findIndex((r) => r.line > layout.skip_lines && fits(r));
  return after >= 0 ? after : records.slice(0, 200).findIndex(fits);
}

/**
 * The records and where the table starts (the header row's index, or -1 before the first data row when there is
 * none), and the columns' names (columnNames of the header row, or "Column 1", "Column 2"… without one).
 */
function locateTable(text: string, layout: CsvLayout): { records: CsvRecord[]; header: string[]; start: number } {
  if (!layout.header) {
    const records = readRecords(text, layout.delimiter);
    const first = records.findIndex((r) => r.line > layout.skip_lines);
    const width = Math.max(0, ...records.map((r) => r.cells.length));
    return { records, header: Array.from({ length: width }, (_, i) => columnName(i + 1)), start: (first < 0 ? records.length : first) - 1 };
  }
  // A layout kept from an older file (or an old mapping, which never said) may name the wrong delimiter: the one
  // the file's own lines show is tried next, then the others.
  for (const delimiter of new Set([layout.delimiter, sniffDelimiter(text), ...CSV_DELIMITERS])) {
    const records = readRecords(text, delimiter);
    const at = findHeader(records, layout);
    if (at >= 0) return { records, header: columnNames(records[at]?.cells ?? []), start: at };
  }
  throw new Error(`The file has no header row with ${layoutColumns(layout).join(", ")}: check the delimiter and the lines to skip, or choose the columns again.`);
}

type Row = { date: string; amount: number; currency: string; description: string; merchant: string; bankId: string; balance: number | null; category: string };

/** One data row to a transaction, or the reason it cannot be one. */
function readRow(cell: (column: string | undefined) => string, layout: CsvLayout, defaultCurrency: string | undefined): Row | string {
  const number = (raw: string) => csvAmount(raw, layout.decimal, layout.thousands);
  const notAmount = (raw: string) => `"${raw}" is not an amount (decimal "${layout.decimal}"${layout.thousands ? `, thousands "${layout.thousands === " " ? "space" : layout.thousands}"` : ""})`;
  const rawDate = cell(layout.date);
  if (!rawDate) return `it has no date (the ${layout.date} column is empty)`;
  const date = csvDate(rawDate, layout.date_order);
  if (!date) return `"${rawDate}" is not a date (${layout.date_order})`;

  let amount: number;
  const sign = layout.sign;
  if (sign.kind === "signed") {
    const raw = cell(sign.amount);
    if (!raw) return "it has no amount";
    const value = number(raw);
    if (value === null) return notAmount(raw);
    amount = value;
  } else if (sign.kind === "split") {
    const [rawDebit, rawCredit] = [cell(sign.debit), cell(sign.credit)];
    if (!rawDebit && !rawCredit) return `it has no amount (neither ${sign.debit} nor ${sign.credit})`;
    const debit = rawDebit ? number(rawDebit) : 0;
    const credit = rawCredit ? number(rawCredit) : 0;
    if (debit === null) return notAmount(rawDebit);
    if (credit === null) return notAmount(rawCredit);
    // A debit is money out whatever sign the bank writes it with, a credit money in.
    amount = Math.abs(credit) - Math.abs(debit);
  } else {
    const raw = cell(sign.amount);
    if (!raw) return "it has no amount";
    const value = number(raw);
    if (value === null) return notAmount(raw);
    const mark = cell(sign.indicator).toLowerCase();
    const is = (values: readonly string[]) => values.some((v) => v.trim().toLowerCase() === mark);
    if (is(sign.debit_values)) amount = -Math.abs(value);
    else if (is(sign.credit_values)) amount = Math.abs(value);
    else return `its ${sign.indicator} "${cell(sign.indicator)}" is neither ${[...sign.debit_values, ...sign.credit_values].map((v) => `"${v}"`).join(", ").replace(/, ([^,]*)$/, " nor $1")}`;
  }
  amount = Math.round(amount * 100) / 100 || 0;

  const written = cell(layout.currency).toUpperCase();
  const symbol: Record<string, string> = { "€": "EUR", "£": "GBP", "ZŁ": "PLN", "KČ": "CZK", FT: "HUF" };
  const currency = /^[A-Z]{3}$/.test(written) ? written : (symbol[written] ?? layout.default_currency ?? defaultCurrency ?? "");
  if (!/^[A-Z]{3}$/.test(currency)) return written ? `"${cell(layout.currency)}" is not a currency code (like EUR)` : "the file does not say its currency; set a default currency for it";

  const parts = layout.description.map((c) => cell(c)).filter((v) => v !== "");
  const rawBalance = cell(layout.balance);
  return {
    date,
    amount,
    currency,
    description: [...new Set(parts)].join(" · ") || "Transaction",
    merchant: parts[0] ?? "",
    bankId: cell(layout.id),
    balance: rawBalance ? number(rawBalance) : null,
    category: cell(layout.category),
  };
}

/** Reads a CSV statement with a layout. Throws an Error when the file has no table the layout fits. */
export function readCsv(bytes: Uint8Array, layout: CsvLayout, options: CsvReadOptions): ImportedStatement {
  const { text } = decodeCsv(bytes, layout.encoding);
  const { records, header, start } = locateTable(text, layout);
  const result: ImportedStatement = { events: [], rows: [], refused: [], skipped: [], accounts: [] };
  // The header row itself is the one line not reported: it is what the layout was recognised by.
  const before = layout.header ? start : start + 1;
  for (const { line } of records.slice(0, Math.max(0, before))) result.skipped.push({ row: line, reason: layout.header ? "above the header row" : "a line before the table" });

  const headerKey = trimTrailing(records[start]?.cells ?? []).join("\u0000");
  // Each column's place, found once: a cell is read by its column's name for every row.
  const places = new Map(header.map((name, i) => [name, i]));
  const seen = new Map<string, number>();
  const repeated = new Map<string, number>();
  /** Each refused row's line, when the reason is its date: a run of these after the last transaction is a footer. */
  const undated = new Set<number>();
  let lastDated = 0;
  for (const { cells, line } of records.slice(start + 1)) {
    const filled = cells.filter((value) => value !== "");
    if (layout.header && trimTrailing(cells).join("\u0000") === headerKey) {
      result.skipped.push({ row: line, reason: "the header row again" });
      continue;
    }
    if (filled.length === 1 && csvDate(filled[0], layout.date_order) === null) {
      result.skipped.push({ row: line, reason: "a line of text, not a transaction" });
      continue;
    }
    const cell = (column: string | undefined) => {
      const at = column === undefined ? undefined : places.get(column);
      return at === undefined ? "" : (cells[at] ?? "").trim();
    };
    const row = readRow(cell, layout, options.defaultCurrency);
    if (typeof row === "string") {
      result.refused.push({ row: line, reason: row });
      if (csvDate(cell(layout.date), layout.date_order) === null) undated.add(line);
      else lastDated = line;
      continue;
    }
    lastDated = line;
    if (SUMMARY_LINES.has(normaliseHeader(row.description))) {
      result.skipped.push({ row: line, reason: "a balance or total line, not a transaction" });
      continue;
    }
    const key = rowKey(row);
    // The bank's id written twice on the same row is one transaction listed twice; on different rows, two.
    const again = row.bankId ? repeated.get(`${row.bankId}\u0000${key}`) : undefined;
    if (again !== undefined) {
      result.skipped.push({ row: line, reason: `the same transaction as row ${again} (${row.bankId})` });
      continue;
    }
    if (row.bankId) repeated.set(`${row.bankId}\u0000${key}`, line);
    const identity = row.bankId ? `id\u0000${row.bankId}` : key;
    const position = seen.get(identity) ?? 0;
    seen.set(identity, position + 1);
    result.rows.push(line);
    result.events.push(eventOf(row, csvEventId({ key, position, account: options.account, bankId: row.bankId || undefined }), options));
  }
  // Summary lines after the table ("Total", "Closing balance;1.234,56") are not transactions the file failed to give.
  if (result.events.length > 0) {
    // A set and a loop, not includes() and a spread: a file may end in a million such lines.
    const footer = new Set(result.refused.filter((r) => r.row > lastDated && undated.has(r.row)).map((r) => r.row));
    result.refused = result.refused.filter((r) => !footer.has(r.row));
    for (const row of footer) result.skipped.push({ row, reason: "a summary line after the table" });
    result.skipped.sort((a, b) => a.row - b.row);
  }
  return result;
}

function eventOf(row: Row, eventId: string, options: CsvReadOptions): ActivityEvent {
  return {
    event_id: eventId,
    activity_type: "financial",
    timestamp: `${row.date}T12:00:00Z`,
    application: options.source.slice(0, 200),
    description: row.description.slice(0, 2000),
    details: {
      amount: row.amount,
      currency: row.currency,
      merchant: (row.merchant || row.description).slice(0, 200),
      description: row.description.slice(0, 2000),
      ...(row.category ? { category: row.category.slice(0, 100) } : {}),
      ...(options.account ? { account: options.account } : {}),
      ...(row.balance !== null ? { balance: row.balance } : {}),
      ...(row.bankId ? { bank_id: row.bankId } : {}),
      layout: options.layoutId,
    },
  };
}
