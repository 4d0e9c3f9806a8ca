import type { CsvEncoding, CsvLayout, CsvSniff } from "#protocol";
import { directionOf, guessDelimiter } from "./csv-table.ts";

// The column picker's answers while the user gives them: every CsvLayout field, with "" for a column not chosen
// yet. `layoutOf` turns a finished draft into the layout the server reads with, or says in words what is left.
// The choices' labels live here too (plain values, so the picker needs no zod in the page's first JS).

export type SignKind = "signed" | "split" | "indicator";
/** What each value of an indicator column means: money out, money in, or not chosen. */
export type Direction = "out" | "in" | "";

export type Draft = {
  encoding: CsvEncoding;
  delimiter: CsvLayout["delimiter"];
  decimal: CsvLayout["decimal"];
  thousands: CsvLayout["thousands"];
  date_order: CsvLayout["date_order"];
  header: boolean;
  skip_lines: number;
  date: string;
  /** Up to four columns, joined in this order; "" for an unused place. */
  description: string[];
  sign: SignKind;
  amount: string;
  debit: string;
  credit: string;
  indicator: string;
  /** Indicator value → direction, for the values the file holds (and those the saved layout named). */
  directions: Record<string, Direction>;
  currency: string;
  default_currency: string;
  id: string;
  balance: string;
  category: string;
};

export const ENCODINGS: { value: CsvEncoding; label: string }[] = [
  { value: "utf-8", label: "UTF-8 (most files)" },
  { value: "windows-1252", label: "Windows-1252 (Western Europe)" },
  { value: "windows-1250", label: "Windows-1250 (Central Europe)" },
  { value: "windows-1257", label: "Windows-1257 (Baltic)" },
  { value: "iso-8859-1", label: "ISO-8859-1 (Latin-1)" },
  { value: "iso-8859-15", label: "ISO-8859-15 (Latin-9, with €)" },
];
export const DELIMITERS: { value: CsvLayout["delimiter"]; label: string }[] = [
  { value: ",", label: "Comma ( , )" },
  { value: ";", label: "Semicolon ( ; )" },
  { value: "\t", label: "Tab" },
  { value: "|", label: "Bar ( | )" },
];
export const DECIMALS: { value: CsvLayout["decimal"]; label: string }[] = [
  { value: ".", label: "Point: 12.50" },
  { value: ",", label: "Comma: 12,50" },
];
export const THOUSANDS: { value: CsvLayout["thousands"]; label: string }[] = [
  { value: "", label: "None: 1234" },
  { value: ",", label: "Comma: 1,234" },
  { value: ".", label: "Point: 1.234" },
  { value: " ", label: "Space: 1 234" },
  { value: "'", label: "Apostrophe: 1'234" },
];
export const DATE_ORDERS: { value: CsvLayout["date_order"]; label: string }[] = [
  { value: "DMY", label: "Day, month, year (31.12.2026)" },
  { value: "MDY", label: "Month, day, year (12/31/2026)" },
  { value: "YMD", label: "Year, month, day (2026-12-31)" },
];
export const SIGN_KINDS: { value: SignKind; label: string }[] = [
  { value: "signed", label: "One amount, with a minus for money out" },
  { value: "split", label: "Separate money-out and money-in columns" },
  { value: "indicator", label: "An amount and a column saying which way (Af/Bij, D/C…)" },
];

/** The starting answers: the server's guesses from the sniff, then the page's, for whatever it left out. */
export function draftFromSniff(sniff: CsvSniff | null, start: string, currency: string): Draft {
  const guess = sniff?.layout ?? {};
  const sign = guess.sign;
  const directions: Record<string, Direction> = {};
  if (sign?.kind === "indicator") {
    for (const value of sign.debit_values) directions[value] = "out";
    for (const value of sign.credit_values) directions[value] = "in";
  }
  const delimiter = guess.delimiter ?? guessDelimiter(start);
  return {
    encoding: guess.encoding ?? "utf-8",
    delimiter: delimiter === ";" || delimiter === "\t" || delimiter === "|" ? delimiter : ",",
    decimal: guess.decimal ?? (delimiter === ";" ? "," : "."),
    thousands: guess.thousands ?? "",
    date_order: guess.date_order ?? (typeof navigator !== "undefined" && navigator.language.startsWith("en-US") ? "MDY" : "DMY"),
    header: guess.header ?? true,
    skip_lines: guess.skip_lines ?? 0,
    date: guess.date ?? "",
    description: [...(guess.description ?? []), "", "", "", ""].slice(0, 4),
    sign: sign?.kind ?? "signed",
    amount: sign?.kind === "signed" || sign?.kind === "indicator" ? sign.amount : "",
    debit: sign?.kind === "split" ? sign.debit : "",
    credit: sign?.kind === "split" ? sign.credit : "",
    indicator: sign?.kind === "indicator" ? sign.indicator : "",
    directions,
    currency: guess.currency ?? "",
    default_currency: guess.default_currency ?? currency,
    id: guess.id ?? "",
    balance: guess.balance ?? "",
    category: guess.category ?? "",
  };
}

/** Gives each indicator value the file holds a direction: the one chosen before, else the usual meaning. */
export function withIndicatorValues(directions: Record<string, Direction>, values: string[]): Record<string, Direction> {
  const out: Record<string, Direction> = {};
  for (const value of values) out[value] = directions[value] ?? directionOf(value) ?? "";
  return out;
}

/** The layout the answers make, or what is still missing, in words ("the date column"). */
export function layoutOf(draft: Draft, columns: string[]): { layout: CsvLayout; missing: [] } | { layout: null; missing: string[] } {
  const missing: string[] = [];
  const known = (column: string) => column !== "" && columns.includes(column);
  if (!known(draft.date)) missing.push("the date column");
  const description = draft.description.filter(known);
  if (description.length === 0) missing.push("a description column");
  const out = Object.entries(draft.directions).filter(([, d]) => d === "out").map(([v]) => v);
  const into = Object.entries(draft.directions).filter(([, d]) => d === "in").map(([v]) => v);
  if (draft.sign === "signed" && !known(draft.amount)) missing.push("the amount column");
  if (draft.sign === "split") {
    if (!known(draft.debit)) missing.push("the money-out column");
    if (!known(draft.credit)) missing.push("the money-in column");
  }
  if (draft.sign === "indicator") {
    if (!known(draft.amount)) missing.push("the amount column");
    if (!known(draft.indicator)) missing.push("the column saying which way");
    else {
      if (out.length === 0) missing.push("which value means money out");
      if (into.length === 0) missing.push("which value means money in");
    }
  }
  if (!known(draft.currency) && !/^[A-Z]{3}$/.test(draft.default_currency)) missing.push("a currency");
  if (missing.length > 0) return { layout: null, missing };
  const sign: CsvLayout["sign"] =
    draft.sign === "signed"
      ? { kind: "signed", amount: draft.amount }
      : draft.sign === "split"
        ? { kind: "split", debit: draft.debit, credit: draft.credit }
        : { kind: "indicator", amount: draft.amount, indicator: draft.indicator, debit_values: out, credit_values: into };
  const layout: CsvLayout = {
    encoding: draft.encoding,
    delimiter: draft.delimiter,
    decimal: draft.decimal,
    thousands: draft.thousands,
    date_order: draft.date_order,
    header: draft.header,
    skip_lines: draft.skip_lines,
    date: draft.date,
    description: [...new Set(description)],
    sign,
    ...(known(draft.currency) ? { currency: draft.currency } : {}),
    ...(/^[A-Z]{3}$/.test(draft.default_currency) ? { default_currency: draft.default_currency } : {}),
    ...(known(draft.id) ? { id: draft.id } : {}),
    ...(known(draft.balance) ? { balance: draft.balance } : {}),
    ...(known(draft.category) ? { category: draft.category } : {}),
  };
  return { layout, missing: [] };
}

/** "the date column and a currency", for the line that says what is left to choose. */
export function listInWords(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** The currencies offered for files that do not say theirs. */
export const CURRENCIES = ["USD", "EUR", "GBP", "CAD", "AUD", "CHF", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RON", "BRL", "INR", "NZD"];
