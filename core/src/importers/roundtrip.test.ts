import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CsvEncoding, CsvLayout, CsvSign } from "#protocol";
import { DATE_ORDERS } from "#protocol";
import { dateOrdersOf } from "./sniff-columns.ts";
import { readingScore } from "./decode.ts";
import { encodable, encodeText } from "./encode-for-tests.ts";
import { importStatement } from "./statement.ts";
import { sniffCsv } from "./sniff.ts";

// The property the CSV reader stands on: a statement written in each layout Hearth supports (every encoding,
// delimiter, number format, date order and format, with or without a header, preamble and footer lines, each sign
// convention) reads back to the same transactions, with the exact layout and with the layout sniffCsv guesses,
// corrected only where the file cannot tell (which of two columns is the debit in a file with no header, dates
// whose days are all 12 or less). And an overlapping statement, however written, gives the shared rows the same ids.

type Txn = { date: string; cents: number; description: string };

/** Words in one language each, so each statement is in one country's language (with English merchants). */
const WORDS = {
  ascii: ["Coffee", "Rent", "Salary", "Netflix", "O'Brien & Co", 'Shop "Best"', "Smith, John", "a; b", "Tesco Express", "Ref 12345", "Card|payment"],
  french: ["Café", "Dépôt espèces", "reçu", "Prélèvement", "Carte bancaire à Genève"],
  german: ["Bäckerei Müller", "Größe", "Überweisung", "Gebühr für Kontoführung"],
  nordic: ["Smørrebrød", "Løn", "Överföring", "Købmand Ærø", "Kortköp"],
  spanish: ["Señor Pérez", "Transferencia recibida", "Cajero automático", "Comisión año"],
  euro: ["cœur", "Œuvre d'art", "€20 reçu", "Café"],
  polish: ["Płatność kartą", "Łódź", "Zażółć gęślą jaźń", "Przelew przychodzący"],
  czech: ["Převod na účet", "Příchozí platba", "nákup Tesco Brno", "Výběr z bankomatu"],
  lithuanian: ["Mokėjimas už prekes", "Įmoka į sąskaitą", "gautų pinigų", "Šiaulių Žalgiris"],
  latvian: ["Pārskaitījums saņemts", "maksājums Ķekava", "Karšu darījums", "Rīgas ūdens"],
} as const;
const POOLS: Record<CsvEncoding, readonly (keyof typeof WORDS)[]> = {
  "utf-8": ["french", "german", "nordic", "spanish", "euro", "polish", "czech", "lithuanian", "latvian"],
  "windows-1252": ["french", "german", "nordic", "spanish", "euro"],
  "iso-8859-1": ["french", "german", "nordic", "spanish"],
  "iso-8859-15": ["french", "german", "nordic", "spanish", "euro"],
  "windows-1250": ["polish", "czech"],
  "windows-1257": ["lithuanian", "latvian"],
};

/** Header words in a few languages; a language whose words the encoding cannot write falls back to English. */
const HEADERS = [
  { date: "Date", text: "Description", amount: "Amount", debit: "Debit", credit: "Credit", mark: "Type", balance: "Balance" },
  { date: "Buchungstag", text: "Verwendungszweck", amount: "Betrag", debit: "Soll", credit: "Haben", mark: "S/H", balance: "Saldo" },
  { date: "Datum", text: "Omschrijving", amount: "Bedrag", debit: "Debet", credit: "Credit", mark: "Af Bij", balance: "Saldo" },
  { date: "Date de l'opération", text: "Libellé", amount: "Montant", debit: "Débit", credit: "Crédit", mark: "Sens", balance: "Solde" },
  { date: "Data operacji", text: "Opis", amount: "Kwota", debit: "Obciążenia", credit: "Uznania", mark: "Typ", balance: "Saldo" },
] as const;
const MARKS = [["Af", "Bij"], ["D", "C"], ["S", "H"], ["Debit", "Credit"], ["-", "+"], ["DBIT", "CRDT"]] as const;

const FORMATS = [
  { decimal: ".", thousands: "" },
  { decimal: ".", thousands: "," },
  { decimal: ",", thousands: "" },
  { decimal: ",", thousands: "." },
  { decimal: ",", thousands: " " },
  { decimal: ".", thousands: "'" },
] as const;

const day = fc.integer({ min: Date.UTC(2001, 0, 1) / 86_400_000, max: Date.UTC(2060, 11, 31) / 86_400_000 });

const statement = (encoding: CsvEncoding) =>
  fc
    .tuple(
      day,
      fc.constantFrom(...POOLS[encoding]),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: -900_000, max: 900_000 }).filter((c) => c !== 0), fc.array(fc.tuple(fc.boolean(), fc.nat()), { minLength: 1, maxLength: 3 })), { minLength: 3, maxLength: 25 }),
    )
    .map(([start, pool, rows]) => {
      let at = start;
      const words: readonly string[] = WORDS[pool];
      return rows.map(([gap, cents, picks]): Txn => {
        at += gap;
        const description = picks.map(([native, n]) => (native ? words[n % words.length] : WORDS.ascii[n % WORDS.ascii.length]) ?? "x").join(" ");
        return { date: new Date(at * 86_400_000).toISOString().slice(0, 10), cents, description };
      });
    });

const layoutArb = fc.record({
  encoding: fc.constantFrom<CsvEncoding>("utf-8", "windows-1250", "windows-1252", "windows-1257", "iso-8859-1", "iso-8859-15"),
  bom: fc.boolean(),
  delimiter: fc.constantFrom<CsvLayout["delimiter"]>(",", ";", "\t", "|"),
  format: fc.constantFrom(...FORMATS),
  order: fc.constantFrom(...DATE_ORDERS),
  dateStyle: fc.constantFrom("-", "/", ".", "compact", "yy", "time"),
  header: fc.boolean(),
  language: fc.nat({ max: HEADERS.length - 1 }),
  sign: fc.constantFrom("signed", "trailing", "split", "indicator"),
  marks: fc.constantFrom(...MARKS),
  balance: fc.boolean(),
  quoteAll: fc.boolean(),
  preamble: fc.nat({ max: 3 }),
  footer: fc.nat({ max: 2 }),
  reversed: fc.boolean(),
});
type Shape = typeof layoutArb extends fc.Arbitrary<infer T> ? T : never;

function writeDate(date: string, shape: Shape): string {
  const [y = "", m = "", d = ""] = date.split("-");
  if (shape.dateStyle === "compact") return shape.order === "YMD" ? `${y}${m}${d}` : shape.order === "DMY" ? `${d}${m}${y}` : `${m}${d}${y}`;
  const year = shape.dateStyle === "yy" && shape.order !== "YMD" ? y.slice(2) : y;
  const sep = shape.dateStyle === "/" || shape.dateStyle === "." ? shape.dateStyle : "-";
  const fields = { Y: year, M: m, D: d };
  const written = [...shape.order].map((f) => fields[f as "Y" | "M" | "D"]).join(shape.dateStyle === "yy" ? "." : sep);
  return shape.dateStyle === "time" ? `${written} 14:05:09` : written;
}

function writeNumber(cents: number, shape: Shape, style: "minus" | "trailing" = "minus"): string {
  const abs = Math.abs(cents);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, shape.format.thousands === " " ? "\u00a0" : shape.format.thousands);
  const text = `${whole}${shape.format.decimal}${String(abs % 100).padStart(2, "0")}`;
  if (cents >= 0) return text;
  return style === "trailing" ? `${text}-` : `-${text}`;
}

/** The file's text and the layout it is written in. */
function writeStatement(txns: readonly Txn[], shape: Shape, opening = 1_000_000): { text: string; layout: CsvLayout } {
  // A bank writes its header in its own country's language: Polish in 1250, the western ones in 1252 and its twins.
  const allowed: Record<CsvEncoding, readonly number[]> = { "utf-8": [0, 1, 2, 3, 4], "windows-1250": [0, 4], "windows-1257": [0], "windows-1252": [0, 1, 2, 3], "iso-8859-1": [0, 1, 2, 3], "iso-8859-15": [0, 1, 2, 3] };
  const words = HEADERS[shape.language] ?? HEADERS[0];
  const names = allowed[shape.encoding].includes(shape.language) && Object.values(words).every((w) => encodable(w, shape.encoding)) ? words : HEADERS[0];
  const columns: string[] = [names.date, names.text];
  let sign: CsvSign;
  if (shape.sign === "split") sign = { kind: "split", debit: names.debit, credit: names.credit };
  else if (shape.sign === "indicator") sign = { kind: "indicator", amount: names.amount, indicator: names.mark, debit_values: [shape.marks[0]], credit_values: [shape.marks[1]] };
  else sign = { kind: "signed", amount: names.amount };
  columns.push(...(sign.kind === "split" ? [sign.debit, sign.credit] : sign.kind === "indicator" ? [sign.amount, sign.indicator] : [sign.amount]));
  if (shape.balance) columns.push(names.balance);
  const header = shape.header ? columns : columns.map((_, i) => `Column ${i + 1}`);
  const at = (name: string) => header[columns.indexOf(name)] ?? name;

  const cell = (value: string) => (shape.quoteAll || /["\r\n]|^\s|\s$/.test(value) || value.includes(shape.delimiter) ? `"${value.replaceAll('"', '""')}"` : value);
  const line = (cells: readonly string[]) => cells.map(cell).join(shape.delimiter);
  let balance = opening;
  const rows = txns.map((t) => {
    balance += t.cents;
    const values: string[] = [writeDate(t.date, shape), t.description];
    if (sign.kind === "split") values.push(t.cents < 0 ? writeNumber(-t.cents, shape) : "", t.cents > 0 ? writeNumber(t.cents, shape) : "");
    else if (sign.kind === "indicator") values.push(writeNumber(Math.abs(t.cents), shape), t.cents < 0 ? shape.marks[0] : shape.marks[1]);
    else values.push(writeNumber(t.cents, shape, shape.sign === "trailing" ? "trailing" : "minus"));
    if (shape.balance) values.push(writeNumber(balance, shape));
    return line(values);
  });
  const preamble = ["Account statement", line(["Account", "NL91 ABNA 0417 1643 00"]), "", line(["Period", "2001 - 2060"])].slice(0, shape.preamble);
  const footer = [line(["Total", writeNumber(12345, shape)]), "Closing balance"].slice(0, shape.footer);
  const table = [...(shape.header ? [line(columns)] : []), ...(shape.reversed ? rows.reverse() : rows)];
  const text = [...preamble, ...table, ...footer].join(shape.delimiter === "\t" ? "\r\n" : "\n");
  const layout: CsvLayout = {
    encoding: shape.encoding,
    delimiter: shape.delimiter,
    decimal: shape.format.decimal,
    thousands: shape.format.thousands,
    date_order: shape.order,
    header: shape.header,
    skip_lines: preamble.length,
    date: at(names.date),
    description: [at(names.text)],
    sign: sign.kind === "split" ? { ...sign, debit: at(sign.debit), credit: at(sign.credit) } : sign.kind === "indicator" ? { ...sign, amount: at(sign.amount), indicator: at(sign.indicator) } : { ...sign, amount: at(sign.amount) },
    ...(shape.balance ? { balance: at(names.balance) } : {}),
  };
  return { text, layout };
}

const bytesOf = (text: string, shape: Shape) => encodeText(text, shape.encoding, shape.bom && shape.encoding === "utf-8");
const read = (bytes: Uint8Array, layout: CsvLayout) => importStatement("statement.csv", bytes, { layout, defaultCurrency: "EUR" });
const transactions = (imported: ReturnType<typeof read>) => imported.events.map((e) => ({ date: e.timestamp.slice(0, 10), cents: Math.round(Number(e.details.amount) * 100), description: e.description }));
const sorted = (txns: readonly Txn[], shape: Shape) => (shape.reversed ? [...txns].reverse() : [...txns]);

describe("a statement written in every supported layout reads back to the same transactions", () => {
  const cases = layoutArb.chain((shape) => statement(shape.encoding).map((txns) => ({ shape, txns })));

  it("with the exact layout", () => {
    fc.assert(
      fc.property(cases, ({ shape, txns }) => {
        const { text, layout } = writeStatement(txns, shape);
        const imported = read(bytesOf(text, shape), layout);
        expect(imported.refused).toEqual([]);
        expect(transactions(imported)).toEqual(sorted(txns, shape));
        // Every non-blank line but the header is accounted for.
        const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "").length - (shape.header ? 1 : 0);
        expect(imported.events.length + imported.skipped.length).toBe(lines);
      }),
      { numRuns: 250 },
    );
  }, 60_000);

  it("with the layout sniffCsv guesses, corrected only where the file cannot tell", () => {
    fc.assert(
      fc.property(cases, ({ shape, txns }) => {
        const { text, layout } = writeStatement(txns, shape);
        const bytes = bytesOf(text, shape);
        const sniff = sniffCsv(bytes);
        const guessed = { ...sniff.layout };
        // Dates whose every day is 12 or less read in more than one order: the file cannot say which.
        const dates = txns.map((t) => writeDate(t.date, shape));
        if (guessed.date_order !== layout.date_order && guessed.date_order && dateOrdersOf(dates).includes(guessed.date_order)) guessed.date_order = layout.date_order;
        // Without a header, nothing says which of two number columns is the debit, nor that an empty one is.
        const oneSided = txns.every((t) => t.cents > 0) || txns.every((t) => t.cents < 0);
        if (!shape.header && layout.sign.kind === "split" && (oneSided || (guessed.sign?.kind === "split" && guessed.sign.debit === layout.sign.credit))) guessed.sign = layout.sign;
        // A few accented letters can read as two languages' words alike (Lithuanian "ų" is Danish "ø" in 1252): when
        // the wrong reading is as plausible as the right one, the bytes cannot tell.
        const sniffedText = guessed.encoding && guessed.encoding !== "utf-8" ? new TextDecoder(guessed.encoding).decode(bytes) : text;
        if (sniffedText !== text && readingScore(sniffedText) >= readingScore(text)) guessed.encoding = layout.encoding;
        const parsed = (): CsvLayout => {
          const full = { ...layout, ...guessed };
          expect({ date: guessed.date, description: guessed.description, sign: guessed.sign }).toEqual({ date: layout.date, description: layout.description, sign: layout.sign });
          return full;
        };
        const imported = read(bytes, parsed());
        expect(imported.refused).toEqual([]);
        expect(transactions(imported)).toEqual(sorted(txns, shape));
      }),
      { numRuns: 250 },
    );
  }, 60_000);

  it("gives the rows two overlapping statements share the same ids, however each is written", () => {
    fc.assert(
      fc.property(cases, layoutArb, fc.nat(), fc.nat(), ({ shape, txns }, other, a, b) => {
        const cut = 1 + (a % (txns.length - 1));
        const from = b % cut;
        // The second statement may map a running balance where the first did not, or the other way round.
        const second: Shape = { ...other, encoding: "utf-8" };
        const first = writeStatement(txns.slice(0, cut), { ...shape, reversed: false });
        const next = writeStatement(txns.slice(from), { ...second, reversed: false }, 1_000_000 + txns.slice(0, from).reduce((sum, t) => sum + t.cents, 0));
        const ids = read(bytesOf(first.text, shape), first.layout).events.map((e) => e.event_id);
        const again = read(bytesOf(next.text, second), next.layout).events.map((e) => e.event_id);
        // Identical rows are told apart by their place among their twins: a cut between twins moves it.
        const key = (t: Txn) => `${t.date}|${t.cents}|${t.description.toLowerCase()}`;
        const twins = new Set(txns.map(key)).size !== txns.length;
        if (!twins) expect(again.slice(0, cut - from)).toEqual(ids.slice(from));
        expect(new Set(ids).size).toBe(ids.length);
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
