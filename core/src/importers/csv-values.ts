import type { CsvLayout } from "#protocol";

// Reading one cell: an amount the way banks write it, and a date in a given day/month/year order.

export type DateOrder = CsvLayout["date_order"];
export type Decimal = CsvLayout["decimal"];
export type Thousands = CsvLayout["thousands"];

/** Currency signs and codes written beside an amount ("-$7,971.39", "12,50 €", "CHF 1'200.00"). */
const CURRENCY = /[$€£¥₹₽₩₪₺฿₫₴₦₱¢]|(?<!\p{L})(?:[A-Z]{3}|kr|zł|Kč|Ft|lei)(?!\p{L})\.?/gu;
/** Every space a thousands group may be written with: plain, no-break, narrow no-break, thin. */
const SPACES = /[\s\u00a0\u202f\u2009\u2007]/gu;

/**
 * An amount cell → a number, or null when it is not one. Takes a sign before or after the number (`-12,50`,
 * `12,50-`), parentheses for negatives, currency signs and codes, and thousands groups with the layout's separator
 * (checked: groups of three digits), spaces of any kind or apostrophes, and a DR/CR mark after it. A number whose separators do not fit the
 * layout (`12,50` in a layout with a decimal point) is not read as something else: it is null.
 *
 * @example csvAmount("1.234,56", ",", ".") // 1234.56
 */
export function csvAmount(raw: string | undefined, decimal: Decimal = ".", thousands: Thousands = decimal === "," ? "." : ","): number | null {
  let t = (raw ?? "").replace(CURRENCY, "").replace(SPACES, "");
  if (!t) return null;
  let negative = false;
  // "12.50 DR" / "12.50 CR", as some card statements write it.
  const marked = /^(.*\d)(DR|CR)\.?$/i.exec(t);
  if (marked) {
    negative = marked[2]?.toUpperCase() === "DR";
    t = marked[1] ?? "";
  }
  if (/^\(.*\)$/.test(t)) {
    negative = true;
    t = t.slice(1, -1);
  }
  if (/^[-−+]/.test(t)) {
    negative = t[0] === "+" ? negative : !negative;
    t = t.slice(1);
  } else if (/[-−+]$/.test(t)) {
    negative = t.endsWith("+") ? negative : !negative;
    t = t.slice(0, -1);
  }
  // Apostrophes and spaces group thousands wherever they are written; neither is ever a decimal mark.
  t = t.replace(/['\u2019]/g, "");
  const [whole = "", fraction, extra] = t.split(decimal);
  if (extra !== undefined) return null;
  if (fraction !== undefined && !/^\d+$/.test(fraction)) return null;
  let digits = whole;
  const sep = thousands === " " || thousands === "'" ? "" : thousands;
  if (sep && whole.includes(sep)) {
    const groups = whole.split(sep);
    if (!/^\d{1,3}$/.test(groups[0] ?? "") || groups.slice(1).some((g) => !/^\d{3}$/.test(g))) return null;
    digits = groups.join("");
  }
  if (!/^\d*$/.test(digits) || (digits === "" && fraction === undefined)) return null;
  const value = Number(`${digits || "0"}.${fraction ?? "0"}`);
  return negative && value !== 0 ? -value : value;
}

/** A time of day after a date ("2021-09-05 11:32:41", "…T11:32:41Z", "6/4/2016 10:46 PM"): the day is what counts. */
const TIME_OF_DAY = /(?:\s+|T|\s*,\s*)\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:[.,]\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s*(?:Z|[+-]\d{2}:?\d{2}|[A-Z]{2,5}))?$/;

/** Month names and abbreviations in the languages of the header words (EN, DE, NL, FR, ES, IT, Nordic), lower case. */
const MONTHS: readonly (readonly string[])[] = [
  ["jan", "january", "januar", "januari", "janvier", "janv", "enero", "ene", "gennaio", "gen", "tammikuu"],
  ["feb", "february", "februar", "februari", "février", "fevrier", "févr", "fevr", "febrero", "febbraio", "helmikuu"],
  ["mar", "march", "märz", "maerz", "mär", "maart", "mrt", "mars", "marzo", "maaliskuu"],
  ["apr", "april", "avril", "avr", "abril", "abr", "aprile", "huhtikuu"],
  ["may", "mai", "mei", "mayo", "maggio", "mag", "maj", "toukokuu"],
  ["jun", "june", "juni", "juin", "junio", "giugno", "giu", "kesäkuu"],
  ["jul", "july", "juli", "juillet", "juil", "julio", "luglio", "lug", "heinäkuu"],
  ["aug", "august", "augustus", "août", "aout", "agosto", "ago", "elokuu"],
  ["sep", "sept", "september", "septembre", "septiembre", "settembre", "set", "syyskuu"],
  ["oct", "october", "oktober", "okt", "octobre", "octubre", "ottobre", "ott", "lokakuu"],
  ["nov", "november", "novembre", "noviembre", "marraskuu"],
  ["dec", "december", "dezember", "dez", "décembre", "decembre", "déc", "diciembre", "dic", "dicembre", "joulukuu"],
];
const monthNumber = (word: string): number | null => {
  const w = word.toLowerCase().replace(/\.$/, "");
  const index = MONTHS.findIndex((names) => names.includes(w));
  return index < 0 ? null : index + 1;
};

/**
 * A date cell in the given field order → `YYYY-MM-DD`, or null when it is not a real date. Takes the separators
 * banks use (`-`, `/`, `.`, spaces), a time of day after the date, two-digit years (00–69 are 2000s), month names
 * (`05 Sep 2021`, `Sep 5, 2021`), and the compact 8-digit form (`20200213` for YMD, `13022020` for DMY) and
 * 6-digit form (`200213`, `130220`).
 */
export function csvDate(raw: string | undefined, order: DateOrder): string | null {
  const text = (raw ?? "").trim().replace(TIME_OF_DAY, "").trim().replace(/\.$/, "");
  let parts: string[];
  if (/^\d{8}$/.test(text)) parts = order === "YMD" ? [text.slice(0, 4), text.slice(4, 6), text.slice(6)] : [text.slice(0, 2), text.slice(2, 4), text.slice(4)];
  else if (/^\d{6}$/.test(text)) parts = [text.slice(0, 2), text.slice(2, 4), text.slice(4)];
  // "2012:03:01", as Danske (LT) writes it: colons only with a four-digit year first, never a time of day.
  else if (/^\d{4}:\d{1,2}:\d{1,2}$/.test(text)) parts = text.split(":");
  else parts = text.split(/\s*[./-]\s*|,?\s+/).filter((p) => p !== "");
  if (parts.length !== 3) return null;
  let fields: { Y: string; M: string; D: string };
  const named = parts.findIndex((p) => !/^\d+$/.test(p));
  if (named >= 0) {
    // A month name: the other two are the day and the year, in the order's day/year order unless one is 4 digits.
    const month = monthNumber(parts[named] ?? "");
    const rest = parts.filter((_, i) => i !== named);
    if (month === null || rest.some((p) => !/^\d+$/.test(p))) return null;
    const [a = "", b = ""] = rest;
    const yearFirst = a.length === 4 || (b.length !== 4 && order.indexOf("Y") < order.indexOf("D"));
    fields = yearFirst ? { Y: a, M: String(month), D: b } : { Y: b, M: String(month), D: a };
  } else {
    const at = (field: "D" | "M" | "Y") => parts[order.indexOf(field)] ?? "";
    fields = { Y: at("Y"), M: at("M"), D: at("D") };
  }
  if (![2, 4].includes(fields.Y.length) || fields.M.length > 2 || fields.D.length > 2) return null;
  let year = Number(fields.Y);
  if (fields.Y.length === 2) year += year < 70 ? 2000 : 1900;
  const month = Number(fields.M);
  const day = Number(fields.D);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 1000 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}
