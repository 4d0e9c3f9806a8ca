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
