import { describe, expect, it } from "vitest";
import type { CsvLayout, ImportProfile } from "#protocol";
import { CsvLayout as CsvLayoutSchema } from "#protocol";
import { readRecords } from "./csv-records.ts";
import { encodeText } from "./encode-for-tests.ts";
import { layoutFromMapping } from "./mapping.ts";
import { UnknownCsvLayout, sniffCsv } from "./sniff.ts";
import { importStatement } from "./statement.ts";

// The reader on lines as real banks write them: what sniffCsv makes of an unknown export, and what a layout reads.

const utf8 = (text: string) => new TextEncoder().encode(text);

/** A Dutch bank no preset knows: ";", an always-positive amount with Af/Bij, a decimal comma, YYYYMMDD dates. */
const ING_NL = [
  '"Boekdatum";"Naam tegenpartij";"Rekening";"Code";"Af/Bij";"Bedrag (EUR)";"Mededelingen"',
  '"20260105";"Albert Heijn 1234";"NL91ABNA0417164300";"BA";"Af";"23,45";"Pasvolgnr: 001 05-01-2026"',
  '"20260106";"Werkgever B.V.";"NL91ABNA0417164300";"OV";"Bij";"2.450,00";"Salaris januari"',
  '"20260107";"NS Reizigers";"NL91ABNA0417164300";"IC";"Af";"4,10";"Treinkaartje"',
].join("\r\n");

describe("sniffCsv on an export it has never seen", () => {
  it("guesses an indicator layout (Af/Bij), its separators and compact dates", () => {
    const sniff = sniffCsv(utf8(ING_NL));
    expect(sniff.matched).toBeNull();
    expect(sniff.layout).toMatchObject({
      encoding: "utf-8",
      delimiter: ";",
      decimal: ",",
      thousands: ".",
      header: true,
      skip_lines: 0,
      date: "Boekdatum",
      date_order: "YMD",
      sign: { kind: "indicator", amount: "Bedrag (EUR)", indicator: "Af/Bij", debit_values: ["Af"], credit_values: ["Bij"] },
    });
    expect(sniff.layout.description).toEqual(["Naam tegenpartij", "Mededelingen"]);
    expect(sniff.header_cells).toHaveLength(7);
    expect(sniff.rows).toHaveLength(3);
    // The guess, once the picker fills in a currency, is a whole layout that reads the file right.
    const layout = CsvLayoutSchema.parse({ ...sniff.layout, default_currency: "EUR" });
    const imported = importStatement("ing.csv", utf8(ING_NL), { layout });
    expect(imported.events.map((e) => [e.timestamp.slice(0, 10), e.details.amount])).toEqual([
      ["2026-01-05", -23.45],
      ["2026-01-06", 2450],
      ["2026-01-07", -4.1],
    ]);
  });

  it("finds the table under a preamble, and a German Soll/Haben split with a decimal comma in Windows-1252", () => {
    const text = [
      "Kontoauszug;;;;",
      "Konto;DE89 3704 0044 0532 0130 00;;;",
      "Zeitraum;01.01.2026 - 31.01.2026;;;",
      "",
      "Buchungstag;Verwendungszweck;Soll;Haben;Währung",
      "02.01.2026;Bäckerei Müller;4,20;;EUR",
      "15.01.2026;Gehalt Januar;;3.210,55;EUR",
      "28.01.2026;Miete Wohnung Köln;1.150,00;;EUR",
      "Endsaldo;;;;1.234,56",
    ].join("\r\n");
    const bytes = encodeText(text, "windows-1252");
    const sniff = sniffCsv(bytes);
    expect(sniff.layout).toMatchObject({ encoding: "windows-1252", delimiter: ";", decimal: ",", header: true, skip_lines: 4, date: "Buchungstag", date_order: "DMY", currency: "Währung" });
    expect(sniff.layout.sign).toEqual({ kind: "split", debit: "Soll", credit: "Haben" });
    expect(sniff.preamble).toEqual(["Kontoauszug;;;;", "Konto;DE89 3704 0044 0532 0130 00;;;", "Zeitraum;01.01.2026 - 31.01.2026;;;", ""]);
    const imported = importStatement("konto.csv", bytes, { layout: CsvLayoutSchema.parse(sniff.layout) });
    expect(imported.events.map((e) => [e.description, e.details.amount, e.details.currency])).toEqual([
      ["Bäckerei Müller", -4.2, "EUR"],
      ["Gehalt Januar", 3210.55, "EUR"],
      ["Miete Wohnung Köln", -1150, "EUR"],
    ]);
    // Every line is accounted for: the preamble and the closing balance are skipped, and say why.
    expect(imported.skipped.map((s) => [s.row, s.reason])).toEqual([
      [1, "above the header row"],
      [2, "above the header row"],
      [3, "above the header row"],
      [9, "a summary line after the table"],
    ]);
  });

  it("reads a file with no header row by its values: date, text, amount and a running balance", () => {
    const text = ["05/01/2026,CARD PAYMENT TESCO,-12.40,987.60", "06/01/2026,DIRECT DEBIT COUNCIL TAX,-150.00,837.60", "14/01/2026,SALARY ACME LTD,2100.00,2937.60", "20/01/2026,REFUND AMAZON,15.99,2953.59"].join("\n");
    const sniff = sniffCsv(utf8(text));
    expect(sniff.layout).toMatchObject({ header: false, date: "Column 1", date_order: "DMY", description: ["Column 2"], sign: { kind: "signed", amount: "Column 3" }, balance: "Column 4" });
    expect(sniff.header_cells).toEqual([]);
  });

  it("throws UnknownCsvLayout with the sniff when nothing knows the file", () => {
    let error: unknown;
    try {
      importStatement("ing.csv", utf8(ING_NL));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownCsvLayout);
    expect(error instanceof UnknownCsvLayout && error.sniff.layout.delimiter).toBe(";");
  });
});

describe("a saved profile", () => {
  const layout: CsvLayout = CsvLayoutSchema.parse({ ...sniffCsv(utf8(ING_NL)).layout, default_currency: "EUR" });
  const profile: ImportProfile = { id: "p1", name: "Joint", account: "Joint checking", layout, header_cells: sniffCsv(utf8(ING_NL)).header_cells, created_at: 0, updated_at: 0 };

  it("reads the next statement with the same header, with no questions, and names the account", () => {
    const next = `${ING_NL}\r\n"20260201";"Albert Heijn 1234";"NL91ABNA0417164300";"BA";"Af";"31,10";""\r\n`;
    const imported = importStatement("ing-feb.csv", utf8(next), { profiles: [profile] });
    expect(imported.layout).toBe("profile:p1");
    expect(imported.layout_name).toBe("Your profile 'Joint'");
    expect(imported.sniff?.matched).toEqual({ kind: "profile", id: "p1", name: "Joint" });
    expect(imported.events).toHaveLength(4);
    expect(imported.events.every((e) => e.details.account === "Joint checking")).toBe(true);
    // The overlapping January rows get the ids they had when January was imported with the same profile.
    const january = importStatement("ing.csv", utf8(ING_NL), { profiles: [profile] }).events.map((e) => e.event_id);
    expect(imported.events.slice(0, 3).map((e) => e.event_id)).toEqual(january);
  });
});

describe("refusals name the line and the reason", () => {
  const base = { encoding: "utf-8", delimiter: ";", decimal: ",", thousands: ".", date_order: "DMY", header: true, skip_lines: 0, date: "Datum", description: ["Text"], default_currency: "EUR" } satisfies Omit<CsvLayout, "sign">;

  it("refuses a split row with neither debit nor credit, and an indicator that is neither value", () => {
    const split = "Datum;Text;Soll;Haben\n01.02.2026;Miete;500,00;\n02.02.2026;Nichts;;\n03.02.2026;Zins;;0,12\n";
    const imported = importStatement("a.csv", utf8(split), { layout: { ...base, sign: { kind: "split", debit: "Soll", credit: "Haben" } } });
    expect(imported.events.map((e) => e.details.amount)).toEqual([-500, 0.12]);
    expect(imported.refused).toEqual([{ row: 3, reason: "it has no amount (neither Soll nor Haben)" }]);
    const marked = "Datum;Text;Betrag;S/H\n01.02.2026;Miete;500,00;S\n02.02.2026;Storno;5,00;X\n03.02.2026;Zins;0,12;H\n";
    const read = importStatement("b.csv", utf8(marked), { layout: { ...base, sign: { kind: "indicator", amount: "Betrag", indicator: "S/H", debit_values: ["S"], credit_values: ["H"] } } });
    expect(read.events.map((e) => e.details.amount)).toEqual([-500, 0.12]);
    expect(read.refused).toEqual([{ row: 3, reason: 'its S/H "X" is neither "S" nor "H"' }]);
  });

  it("refuses an amount written in another format than the layout's, rather than misread it", () => {
    const text = "Datum;Text;Betrag\n01.02.2026;Miete;-500.00\n02.02.2026;Zins;0,12\n";
    const imported = importStatement("c.csv", utf8(text), { layout: { ...base, sign: { kind: "signed", amount: "Betrag" } } });
    expect(imported.events.map((e) => e.details.amount)).toEqual([0.12]);
    expect(imported.refused).toEqual([{ row: 2, reason: '"-500.00" is not an amount (decimal ",", thousands ".")' }]);
  });
});

describe("robust splitting", () => {
  it("keeps stray quotes, reads trailing delimiters and multi-line fields, and numbers records by their first line", () => {
    const text = 'a;"Say "hi" now";c;\n\n"x";"two\nlines";"z"\n"UAB "Naktida"";1\n';
    expect(readRecords(text, ";").map((r) => [r.line, r.cells])).toEqual([
      [1, ["a", 'Say "hi" now', "c", ""]],
      [3, ["x", "two\nlines", "z"]],
      [5, ['UAB "Naktida"', "1"]],
    ]);
  });
});

describe("fingerprints", () => {
  const text = "Date;Description;Amount\n05.01.2026;Café Crème;-3,50\n05.01.2026;Café Crème;-3,50\n06.01.2026;Rent;-800,00\n";
  const layout = layoutFromMapping({ id: "x", label: "X", needs: ["Date", "Amount"], date: "Date", order: "DMY", amount: "Amount", decimal: ",", description: "Description", default_currency: "EUR" });

  it("do not depend on the encoding, the delimiter or how the description is cased and spaced", () => {
    const ids = importStatement("a.csv", encodeText(text, "windows-1252"), { layout }).events.map((e) => e.event_id);
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((id) => /^csv:[0-9a-f]{24}$/.test(id))).toBe(true);
    const rewritten = text.replaceAll(";", "\t").replaceAll("Café Crème", "  CAFÉ   crème ");
    expect(importStatement("b.csv", utf8(rewritten), { layout: { ...layout, delimiter: "\t" } }).events.map((e) => e.event_id)).toEqual(ids);
    // An account makes them the account's own: the same rows in two accounts are two transactions.
    expect(importStatement("a.csv", utf8(text), { layout, account: "Savings" }).events.map((e) => e.event_id)).not.toEqual(ids);
  });

  it("are the same whether or not the layout maps the running balance, so an overlap is not stored twice", () => {
    const withBalance = "Date;Description;Amount;Balance\n05.01.2026;Café Crème;-3,50;996,50\n05.01.2026;Café Crème;-3,50;993,00\n06.01.2026;Rent;-800,00;193,00\n";
    const ids = importStatement("a.csv", utf8(text), { layout }).events.map((e) => e.event_id);
    const read = importStatement("b.csv", utf8(withBalance), { layout: { ...layout, balance: "Balance" } });
    expect(read.events.map((e) => e.details.balance)).toEqual([996.5, 993, 193]);
    expect(read.events.map((e) => e.event_id)).toEqual(ids);
  });
});
