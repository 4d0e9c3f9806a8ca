import { describe, expect, it } from "vitest";
import type { CsvSniff } from "#protocol";
import { decodeStart, readTable, tableOfSniff, valuesOf } from "./csv-table.ts";
import { draftFromSniff, layoutOf, listInWords, withIndicatorValues } from "./layout-draft.ts";

// The picker's table and answers, on the shapes banks write: a Dutch export with an Af/Bij indicator and a
// preamble, Windows-1252 bytes, a file without a header row.

const DUTCH = [
  "Rekeningoverzicht NL91ABNA0417164300",
  "Periode 01-10-2026 t/m 31-10-2026",
  '"Datum";"Naam / Omschrijving";"Rekening";"Af Bij";"Bedrag (EUR)";"Mededelingen"',
  '"20261002";"Albert Heijn 1234";"NL91ABNA0417164300";"Af";"23,10";"Pasvolgnummer 001"',
  '"20261005";"Werkgever BV";"NL91ABNA0417164300";"Bij";"2.450,00";"Salaris oktober"',
  '"20261007";"NS Reizigers";"NL91ABNA0417164300";"Af";"4,60";""',
  "",
].join("\r\n");

const sniff: CsvSniff = {
  layout: { encoding: "utf-8", delimiter: ";", decimal: ",", thousands: ".", date_order: "YMD", header: true, skip_lines: 2, date: "Datum", description: ["Naam / Omschrijving"] },
  header_cells: ["Datum", "Naam / Omschrijving", "Rekening", "Af Bij", "Bedrag (EUR)", "Mededelingen"],
  rows: [],
  preamble: ["Rekeningoverzicht NL91ABNA0417164300", "Periode 01-10-2026 t/m 31-10-2026"],
  matched: null,
};

describe("the picker's table", () => {
  it("shows the skipped preamble, names the columns by the header and splits quoted cells", () => {
    const table = readTable(DUTCH, { encoding: "utf-8", delimiter: ";", skip_lines: 2, header: true });
    expect(table.preamble).toEqual(["Rekeningoverzicht NL91ABNA0417164300", "Periode 01-10-2026 t/m 31-10-2026"]);
    expect(table.columns).toEqual(sniff.header_cells);
    expect(table.header_cells).toEqual(sniff.header_cells);
    expect(table.rows).toHaveLength(3);
    expect(table.rows[1]).toEqual(["20261005", "Werkgever BV", "NL91ABNA0417164300", "Bij", "2.450,00", "Salaris oktober"]);
    expect(valuesOf(table, "Af Bij")).toEqual(["Af", "Bij"]);
  });

  it("names the columns of a file without a header row by their place", () => {
    const table = readTable("02/10/2026,Coffee,-3.50,\n03/10/2026,Lunch,-12.00,\n", { encoding: "utf-8", delimiter: ",", skip_lines: 0, header: false });
    expect(table.columns).toEqual(["Column 1", "Column 2", "Column 3", "Column 4"]);
    expect(table.header_cells).toEqual([]);
    expect(table.rows).toHaveLength(2);
  });

  it("decodes Windows-1252 bytes when asked to, and drops a UTF-8 byte order mark", () => {
    const bytes = Uint8Array.from([0x43, 0x61, 0x66, 0xe9, 0x3b, 0x80, 0x0a]);
    expect(decodeStart(bytes, "windows-1252")).toBe("Café;€\n");
    expect(decodeStart(new TextEncoder().encode("\uFEFFDate,Amount\n"), "utf-8")).toBe("Date,Amount\n");
  });
});

describe("the picker's answers", () => {
  it("say in words what is missing, then make a layout with the indicator's values", () => {
    const draft = draftFromSniff(sniff, DUTCH, "EUR");
    const columns = sniff.header_cells;
    const first = layoutOf(draft, columns);
    expect(first.layout).toBeNull();
    expect(listInWords(first.missing)).toBe("the amount column");

    const directions = withIndicatorValues({}, ["Af", "Bij"]);
    expect(directions).toEqual({ Af: "out", Bij: "in" });
    const answered = layoutOf({ ...draft, sign: "indicator", amount: "Bedrag (EUR)", indicator: "Af Bij", directions }, columns);
    expect(answered.layout).toEqual({
      encoding: "utf-8",
      delimiter: ";",
      decimal: ",",
      thousands: ".",
      date_order: "YMD",
      header: true,
      skip_lines: 2,
      date: "Datum",
      description: ["Naam / Omschrijving"],
      sign: { kind: "indicator", amount: "Bedrag (EUR)", indicator: "Af Bij", debit_values: ["Af"], credit_values: ["Bij"] },
      default_currency: "EUR",
    });
  });

  it("asks for both directions of an indicator, and forgets a column the file no longer has", () => {
    const draft = { ...draftFromSniff(sniff, DUTCH, "EUR"), sign: "indicator" as const, amount: "Bedrag (EUR)", indicator: "Af Bij", directions: { Af: "out" as const, Bij: "" as const } };
    expect(layoutOf(draft, sniff.header_cells).missing).toEqual(["which value means money in"]);
    // Read with a comma, the file has one column: none of the chosen columns is in it.
    expect(layoutOf(draft, ["Column 1"]).missing).toEqual(["the date column", "a description column", "the amount column", "the column saying which way"]);
  });

  it("starts a file the server could not guess from the page's currency and the delimiter the lines suggest", () => {
    const draft = draftFromSniff(null, "Posted;Payee;Money out;Money in\n02/10/2026;Corner Grocer;23,10;\n", "GBP");
    expect(draft).toMatchObject({ delimiter: ";", decimal: ",", default_currency: "GBP", header: true, skip_lines: 0, sign: "signed" });
  });
});

describe("a header that repeats a name", () => {
  // A bank writing two "Naam" columns (payer and payee), and a trailing empty cell beside a real "Column 4".
  const REPEATED = ["Datum;Naam;Naam;Column 4;;Bedrag", "20261002;Jan;Albert Heijn;x;y;-23,10", "20261003;Jan;NS;x;y;-4,60", ""].join("\n");
  const settings = { encoding: "utf-8", delimiter: ";", skip_lines: 0, header: true } as const;

  it("numbers the second one, so each column can be chosen and shown once", () => {
    const table = readTable(REPEATED, settings);
    expect(table.columns).toEqual(["Datum", "Naam", "Naam (2)", "Column 4", "Column 5", "Bedrag"]);
    expect(new Set(table.columns).size).toBe(table.columns.length);
    expect(table.header_cells).toEqual(["Datum", "Naam", "Naam (2)", "Column 4", "", "Bedrag"]);
    expect(valuesOf(table, "Naam (2)")).toEqual(["Albert Heijn", "NS"]);
  });

  it("numbers a real header cell and an unnamed column given the same name", () => {
    const table = readTable(["A;;Column 2", "1;2;3", ""].join("\n"), settings);
    expect(table.columns).toEqual(["A", "Column 2", "Column 2 (2)"]);
  });
});

describe("the picker's table from the server's split", () => {
  // A quoted memo that runs over two lines: the browser's line split cuts the row in two, the server's reader keeps it.
  const TEXT = 'Datum;Omschrijving;Bedrag\n2026-10-02;"Albert Heijn\nUtrecht";-23,10\n2026-10-05;Werkgever BV;2450,00\n';
  const settings = { encoding: "utf-8", delimiter: ";", skip_lines: 0, header: true } as const;
  const served: CsvSniff = {
    layout: { ...settings },
    header_cells: ["Datum", "Omschrijving", "Bedrag"],
    rows: [["2026-10-02", "Albert Heijn\nUtrecht", "-23,10"], ["2026-10-05", "Werkgever BV", "2450,00"]],
    preamble: [],
    matched: null,
  };

  it("shows the reader's rows when the preview was split with the picker's settings", () => {
    expect(readTable(TEXT, settings).rows).toHaveLength(3);
    const table = tableOfSniff(served, settings);
    expect(table?.rows).toEqual(served.rows);
    expect(table?.columns).toEqual(["Datum", "Omschrijving", "Bedrag"]);
    expect(table?.header_cells).toEqual(["Datum", "Omschrijving", "Bedrag"]);
  });

  it("falls back to the browser's split while a changed setting has not been previewed yet", () => {
    expect(tableOfSniff(served, { ...settings, delimiter: "," })).toBeNull();
    expect(tableOfSniff(served, { ...settings, skip_lines: 1 })).toBeNull();
    expect(tableOfSniff(null, settings)).toBeNull();
  });
});
