import { describe, expect, it } from "vitest";
import type { CsvLayout } from "#protocol";
import { encodeText } from "./encode-for-tests.ts";
import { sniffCsv } from "./sniff.ts";
import { importStatement } from "./statement.ts";

// What the column picker shows beside its choices: the file as the server's reader splits it with the picker's
// encoding, delimiter, lines to skip and header flag, not as a second parser in the browser would.

const utf8 = (text: string) => new TextEncoder().encode(text);

/** A Polish export: a preamble, a quoted header cell that runs over two lines, and a stray quote in a row. */
const PKO = [
  "Rachunek;PL61 1090 1014 0000 0712 1981 2874",
  "Okres;01.03.2026 - 31.03.2026",
  'Data operacji;"Opis',
  'transakcji";Kwota;Waluta',
  '02.03.2026;Sklep "Żabka 12;-14,99;PLN',
  "03.03.2026;Wynagrodzenie;5200,00;PLN",
].join("\r\n");

const layout: CsvLayout = {
  encoding: "windows-1250",
  delimiter: ";",
  decimal: ",",
  thousands: "",
  date_order: "DMY",
  header: true,
  skip_lines: 2,
  date: "Data operacji",
  description: ["Opis\ntransakcji"],
  sign: { kind: "signed", amount: "Kwota" },
  currency: "Waluta",
};

describe("sniffCsv with the layout the file is read with", () => {
  it("splits the header, rows and preamble with the layout's settings, as the reader does", () => {
    const bytes = encodeText(PKO, "windows-1250");
    const sniff = sniffCsv(bytes, { layout });
    expect(sniff.preamble).toEqual(["Rachunek;PL61 1090 1014 0000 0712 1981 2874", "Okres;01.03.2026 - 31.03.2026"]);
    expect(sniff.header_cells).toEqual(["Data operacji", "Opis\ntransakcji", "Kwota", "Waluta"]);
    expect(sniff.rows).toEqual([
      ["02.03.2026", 'Sklep "Żabka 12', "-14,99", "PLN"],
      ["03.03.2026", "Wynagrodzenie", "5200,00", "PLN"],
    ]);
    expect(sniff.matched).toBeNull();
    // The columns the picker names from that header are the ones the reader finds.
    const read = importStatement("pko.csv", bytes, { layout });
    expect(read.events.map((e) => [e.description, e.details.amount])).toEqual([
      ['Sklep "Żabka 12', -14.99],
      ["Wynagrodzenie", 5200],
    ]);
    expect(read.sniff?.header_cells).toEqual(sniff.header_cells);
  });

  it("follows the user's choices even where they differ from the guess: fewer lines skipped, no header row", () => {
    const bytes = encodeText(PKO, "windows-1250");
    const sniff = sniffCsv(bytes, { layout: { ...layout, skip_lines: 0, header: false, delimiter: "," } });
    expect(sniff.preamble).toEqual([]);
    expect(sniff.header_cells).toEqual([]);
    expect(sniff.rows[0]).toEqual(["Rachunek;PL61 1090 1014 0000 0712 1981 2874"]);
    expect(sniff.rows).toHaveLength(6);
  });
});

describe("columns with the same name", () => {
  /** A Revolut-like export with two "Name" columns (payer and payee) and an unnamed one. */
  const text = ["Date,Name,Amount,Name,,Currency", "2026-03-02,Alice Smith,-20.00,Bob's Bikes,x,EUR", "2026-03-04,Alice Smith,-7.50,Corner Café,y,EUR"].join("\n");

  it("are named apart, and a layout can choose the second one", () => {
    const sniff = sniffCsv(utf8(text));
    expect(sniff.header_cells).toEqual(["Date", "Name", "Amount", "Name (2)", "Column 5", "Currency"]);
    const layout: CsvLayout = { encoding: "utf-8", delimiter: ",", decimal: ".", thousands: "", date_order: "YMD", header: true, skip_lines: 0, date: "Date", description: ["Name (2)"], sign: { kind: "signed", amount: "Amount" }, currency: "Currency" };
    expect(sniffCsv(utf8(text), { layout }).header_cells).toEqual(sniff.header_cells);
    const read = importStatement("revolut.csv", utf8(text), { layout });
    expect(read.events.map((e) => e.description)).toEqual(["Bob's Bikes", "Corner Café"]);
    // A profile saved with these names recognises the next file with the same header.
    const profile = { id: "p", name: "Revolut", account: null, layout, header_cells: sniff.header_cells, created_at: 0, updated_at: 0 };
    expect(sniffCsv(utf8(text), { profiles: [profile] }).matched).toEqual({ kind: "profile", id: "p", name: "Revolut" });
  });

  it("keep a file's own 'Name (2)' and give the repeat the next free number", () => {
    const header = "Date,Name,Name (2),Name,Amount";
    const sniff = sniffCsv(utf8(`${header}\n2026-03-02,a,b,c,-1.00\n2026-03-03,d,e,f,-2.00\n`));
    expect(sniff.header_cells).toEqual(["Date", "Name", "Name (2)", "Name (3)", "Amount"]);
  });
});
