import { DATE_ORDERS } from "#protocol";
import type { CsvLayout, CsvSign } from "#protocol";
import { csvAmount, csvDate } from "./csv-values.ts";
import type { DateOrder, Decimal, Thousands } from "./csv-values.ts";
import { CREDIT_MARKS, DEBIT_MARKS, headerScore, normaliseHeader } from "./csv-words.ts";
import type { ColumnRole } from "./csv-words.ts";

// Guessing which column is which, from the header's words when there is a header and from the values always: the
// column whose cells are dates, the numbers (and the separators they are written with), a running balance, a
// column of two or three short marks beside an always-positive amount, three-letter currency codes, the text.

/** The number format the amount-looking cells show: each cell with a separator votes for what that separator is. */
export function guessNumberFormat(cells: readonly string[], delimiter: string): { decimal: Decimal; thousands: Thousands } {
  let dot = 0;
  let comma = 0;
  const thousands = new Map<Thousands, number>();
  const vote = (t: Thousands) => thousands.set(t, (thousands.get(t) ?? 0) + 1);
  for (const raw of cells) {
    const t = raw.replace(/[^\d.,'\u2019\s\u00a0\u202f]/g, "").trim();
    if (!/^\d[\d.,'\u2019\s\u00a0\u202f]*$/.test(t)) continue;
    if (/\d[\s\u00a0\u202f]\d{3}(?!\d)/.test(t)) vote(" ");
    if (/\d['\u2019]\d{3}(?!\d)/.test(t)) vote("'");
    const bare = t.replace(/[\s\u00a0\u202f'\u2019]/g, "");
    const seps = bare.replace(/\d/g, "");
    const last = seps.at(-1);
    if (!last) continue;
    if (seps.includes(".") && seps.includes(",")) {
      // "1.234,56", "1,234.56": the last separator is the decimal mark, the other groups thousands.
      if (last === ",") comma++, vote(".");
      else dot++, vote(",");
    } else if (seps.length > 1) vote(last === "." ? "." : ",");
    else if (!/[.,]\d{3}$/.test(bare)) {
      // One separator not followed by exactly three digits ("12,50", "0.5") is a decimal mark.
      if (last === ",") comma++;
      else dot++;
    }
  }
  const fromThousands = (thousands.get(".") ?? 0) > 0 && dot === 0 ? comma + 1 : comma;
  const decimal: Decimal = fromThousands > dot || (fromThousands === dot && delimiter === ";") ? "," : ".";
  const best = [...thousands.entries()].filter(([t]) => t !== decimal).sort((a, b) => b[1] - a[1])[0]?.[0];
  return { decimal, thousands: best ?? (decimal === "," ? "." : ",") };
}

/** The orders every one of the date cells reads in (all three when there are none). */
export function dateOrdersOf(cells: readonly string[]): DateOrder[] {
  return DATE_ORDERS.filter((order) => cells.every((c) => csvDate(c, order) !== null));
}

/** Whether the dates run one way (a statement is sorted, newest first or oldest first). */
const monotonic = (dates: readonly (string | null)[]) => {
  const list = dates.filter((d): d is string => d !== null);
  return list.every((d, i) => i === 0 || d >= (list[i - 1] ?? "")) || list.every((d, i) => i === 0 || d <= (list[i - 1] ?? ""));
};

/** The date order for a column's cells: the one they all read in; on a tie, the one that keeps them sorted, then the usual one for the format. */
export function guessDateOrder(cells: readonly string[], decimal: Decimal): DateOrder {
  const orders = dateOrdersOf(cells);
  if (orders.length === 1 && orders[0]) return orders[0];
  const sorted = orders.filter((order) => monotonic(cells.map((c) => csvDate(c, order))));
  const pool = sorted.length > 0 ? sorted : orders.length > 0 ? orders : [...DATE_ORDERS];
  if (pool.length === 1 && pool[0]) return pool[0];
  const first = cells[0]?.trim() ?? "";
  if (pool.includes("YMD") && /^\d{4}/.test(first)) return "YMD";
  if (pool.includes("DMY") && (decimal === "," || /^\d{1,2}\.\d{1,2}\./.test(first))) return "DMY";
  if (pool.includes("MDY") && /^\d{1,2}\/\d{1,2}\//.test(first)) return "MDY";
  return pool.includes("DMY") ? "DMY" : (pool[0] ?? "DMY");
}

type Guess = Partial<Pick<CsvLayout, "date" | "date_order" | "description" | "sign" | "currency" | "balance" | "id" | "category">>;

/**
 * The columns' roles for a table: `names` are the header cells (or "Column n"), `rows` its data rows, `withHeader`
 * whether the names are the bank's words.
 */
export function guessColumns(names: readonly string[], rows: readonly string[][], withHeader: boolean, format: { decimal: Decimal; thousands: Thousands }): Guess {
  const columns = names.map((name, i) => {
    const values = rows.map((r) => (r[i] ?? "").trim()).filter((v) => v !== "");
    const share = (test: (v: string) => boolean) => (values.length === 0 ? 0 : values.filter(test).length / values.length);
    const dates = share((v) => DATE_ORDERS.some((o) => csvDate(v, o) !== null));
    const numbers = share((v) => /\d/.test(v) && csvAmount(v, format.decimal, format.thousands) !== null && !/^0\d{4,}$|^\d{7,}$/.test(v.replace(/^[-+]/, "")));
    const distinct = new Set(values.map((v) => normaliseHeader(v)));
    return { name, i, values, dates, numbers, distinct, text: share((v) => /\p{L}/u.test(v) && csvAmount(v, format.decimal, format.thousands) === null) };
  });
  const taken = new Set<number>();
  const score = (role: ColumnRole, c: (typeof columns)[number]) => (withHeader ? headerScore(c.name, role) : 0);
  /** The best column for a role by its header word, passing a test of its values. */
  const byWord = (role: ColumnRole, fits: (c: (typeof columns)[number]) => boolean) => {
    const found = columns.filter((c) => !taken.has(c.i) && score(role, c) > 0 && fits(c)).sort((a, b) => score(role, b) - score(role, a) || a.i - b.i)[0];
    if (found) taken.add(found.i);
    return found;
  };
  const isDate = (c: (typeof columns)[number]) => c.values.length > 0 && c.dates >= 0.8;
  const isNumber = (c: (typeof columns)[number]) => c.values.length === 0 || (c.numbers >= 0.8 && c.dates < 0.5);
  const guess: Guess = {};

  const date = byWord("date", isDate) ?? byWord("value_date", isDate) ?? columns.find((c) => !taken.has(c.i) && isDate(c));
  if (date) {
    taken.add(date.i);
    guess.date = date.name;
    guess.date_order = guessDateOrder(date.values.slice(0, 200), format.decimal);
  }
  const id = withHeader ? byWord("id", (c) => c.values.length > 0 && c.distinct.size === c.values.length) : undefined;
  const currency = byWord("currency", (c) => c.values.every((v) => /^[A-Z]{3}$|^[€£$]$/.test(v))) ?? columns.find((c) => !taken.has(c.i) && c.values.length > 0 && c.values.every((v) => /^[A-Z]{3}$/.test(v)));
  if (currency) taken.add(currency.i);
  const category = withHeader ? byWord("category", (c) => c.text > 0.5 || c.values.length === 0) : undefined;
  const debit = byWord("debit", isNumber);
  const credit = debit ? byWord("credit", isNumber) : undefined;
  if (debit && !credit) taken.delete(debit.i);
  let amount = debit && credit ? undefined : byWord("amount", (c) => c.values.length > 0 && isNumber(c));
  const balance = byWord("balance", isNumber);
  const amountOf = (c: (typeof columns)[number], r: readonly string[]) => csvAmount(r[c.i], format.decimal, format.thousands);

  let sign: CsvSign | undefined;
  if (debit && credit) sign = { kind: "split", debit: debit.name, credit: credit.name };
  const numeric = columns.filter((c) => !taken.has(c.i) && c.values.length > 0 && isNumber(c));
  if (!sign && !amount) {
    // No header words: two number columns that are never both filled are debit and credit; else the first number.
    const pair = numeric.flatMap((a, n) => numeric.slice(n + 1).map((b) => [a, b] as const)).find(([a, b]) => rows.every((r) => !(r[a.i]?.trim() && r[b.i]?.trim())));
    if (pair) {
      sign = { kind: "split", debit: pair[0].name, credit: pair[1].name };
      taken.add(pair[0].i).add(pair[1].i);
    } else {
      const running = balance ? undefined : numeric.flatMap((a) => numeric.filter((b) => b !== a).map((b) => [a, b] as const)).find(([a, b]) => isRunningBalance(rows.map((r) => amountOf(a, r)), rows.map((r) => amountOf(b, r))));
      amount = running?.[0] ?? numeric[0];
      if (running) {
        guess.balance = running[1].name;
        taken.add(running[1].i);
      }
    }
  }
  if (amount) {
    taken.add(amount.i);
    sign = { kind: "signed", amount: amount.name };
    const marks = indicatorOf(columns.filter((c) => !taken.has(c.i)), withHeader);
    const unsigned = amount.values.every((v) => !/^\s*[-−(]|-\s*$/.test(v));
    if (marks && (unsigned || (withHeader && headerScore(marks.column, "indicator") > 0))) {
      sign = { kind: "indicator", amount: amount.name, indicator: marks.column, debit_values: marks.debit, credit_values: marks.credit };
      taken.add(columns.find((c) => c.name === marks.column)?.i ?? -1);
    }
  }
  if (sign) guess.sign = sign;
  if (balance) guess.balance = balance.name;
  if (currency) guess.currency = currency.name;
  if (id) guess.id = id.name;
  if (category) guess.category = category.name;

  const payee = byWord("payee", (c) => c.text > 0);
  const text = byWord("text", (c) => c.text > 0);
  const described = [payee, text].filter((c): c is (typeof columns)[number] => c !== undefined);
  if (described.length === 0) {
    // The text column with the most to say.
    const rest = columns.filter((c) => !taken.has(c.i) && c.text > 0.5).sort((a, b) => mean(b.values) - mean(a.values) || a.i - b.i)[0];
    if (rest) described.push(rest);
  }
  if (described.length > 0) guess.description = described.map((c) => c.name);
  return guess;
}

const mean = (values: readonly string[]) => values.reduce((sum, v) => sum + v.length, 0) / Math.max(1, values.length);

/** Whether `balance` runs with `amount`: each balance is the one before plus this amount (oldest first) or the reverse. */
function isRunningBalance(amount: readonly (number | null)[], balance: readonly (number | null)[]): boolean {
  if (amount.length < 3) return false;
  const close = (x: number, y: number) => Math.abs(x - y) < 0.005;
  let up = 0;
  let down = 0;
  for (let i = 1; i < amount.length; i++) {
    const [a, b, previousA, previousB] = [amount[i], balance[i], amount[i - 1], balance[i - 1]];
    if (a == null || b == null || previousA == null || previousB == null) continue;
    if (close(previousB + a, b)) up++;
    if (close(b + previousA, previousB)) down++;
  }
  return Math.max(up, down) >= 0.8 * (amount.length - 1);
}

/** A column of two or three short marks (Af/Bij, D/C, S/H, -/+), with which mean money out and which money in. */
function indicatorOf(columns: readonly { name: string; values: string[]; distinct: Set<string> }[], withHeader: boolean): { column: string; debit: string[]; credit: string[] } | null {
  for (const c of columns) {
    if (c.values.length === 0 || c.distinct.size < 1 || c.distinct.size > 3 || c.values.some((v) => v.length > 12)) continue;
    const seen = [...new Set(c.values)];
    const debit = seen.filter((v) => DEBIT_MARKS.includes(normaliseHeader(v)));
    const credit = seen.filter((v) => CREDIT_MARKS.includes(normaliseHeader(v)));
    if (debit.length + credit.length === seen.length && (debit.length > 0 || credit.length > 0)) {
      // A file of only debits still names the credit mark its bank would use: the usual partner of what it shows.
      return { column: c.name, debit: debit.length ? debit : [partner(credit[0] ?? "")], credit: credit.length ? credit : [partner(debit[0] ?? "")] };
    }
    // Marks Hearth does not know: a guess the picker shows for the user to put right.
    if (withHeader && headerScore(c.name, "indicator") > 0 && seen.length === 2) return { column: c.name, debit: [seen[0] ?? ""], credit: [seen[1] ?? ""] };
  }
  return null;
}

const PARTNERS: Record<string, string> = { af: "Bij", bij: "Af", d: "C", c: "D", s: "H", h: "S", "-": "+", "+": "-", dbit: "CRDT", crdt: "DBIT", debit: "Credit", credit: "Debit", dr: "CR", cr: "DR", k: "D" };
const partner = (mark: string) => {
  const other = PARTNERS[normaliseHeader(mark)] ?? "";
  return mark === mark.toLowerCase() ? other.toLowerCase() || "?" : other || "?";
};
