import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ActivityEvent } from "#protocol";
import { UnknownCsvLayout, csvAmount, csvDate, importCsv, sniffDelimiter } from "./csv.ts";
import type { CsvMapping } from "./csv.ts";
import { fixturesDir } from "./fixtures.ts";

const read = (name: string) => new Uint8Array(readFileSync(join(fixturesDir(), "csv", name)));
const bytes = (text: string) => new TextEncoder().encode(text);

// What each real-world export holds (see ../shared/fixtures/SOURCES.md): its layout, rows, and the first row.
const EXPECTED: [file: string, layout: string, count: number, date: string, amount: number, currency: string][] = [
  ["actual_hu_bank_utf8_bom_reconstructed.csv", "otp-hu", 2, "2025-12-04", 100, "HUF"],
  ["csv2ofx_capitalone_debit_credit_iso_dates.csv", "capitalone", 2, "2015-12-31", -1000, "USD"],
  ["csv2ofx_gls_de_semicolon_latin1_decimal_comma.csv", "gls-de", 1, "2017-10-10", -98.76, "EUR"],
  ["csv2ofx_ing_es_ddmmyyyy_crlf.csv", "ing-es", 10, "2022-03-24", 2.83, "EUR"],
  ["csv2ofx_mint_cr_line_endings.csv", "mint", 4, "2015-06-12", -1000, "USD"],
  ["csv2ofx_ubs_ch_fr_semicolon_debit_credit.csv", "ubs-ch", 3, "2019-03-31", -10, "CHF"],
  ["hledger_sample_fr_cp1252.csv", "date-remarque-montant", 3, "2012-03-22", 50, "EUR"],
  ["ledgerautosync_paypal_spaced_header.csv", "paypal", 2, "2016-06-04", -20, "USD"],
  ["redsimporters_dcu_checking_crlf_dollar_negatives.csv", "dcu", 10, "2021-12-31", -7971.39, "USD"],
  ["redsimporters_fidelity_cma_preamble_rows_crlf.csv", "fidelity", 11, "2023-01-27", -10000, "USD"],
];

describe("CSV import, on real-world bank exports", () => {
  for (const [file, layout, count, date, amount, currency] of EXPECTED) {
    it(`${file}: the ${layout} layout, ${count} transactions`, () => {
      const imported = importCsv(read(file));
      expect(imported.layout).toBe(layout);
      expect(imported.events).toHaveLength(count);
      expect(imported.refused).toEqual([]);
      expect(imported.events[0]).toMatchObject({ timestamp: `${date}T12:00:00Z`, details: { amount, currency } });
      for (const event of imported.events) expect(ActivityEvent.safeParse(event).success).toBe(true);
      expect(new Set(imported.events.map((e) => e.event_id)).size).toBe(count);
      expect(importCsv(read(file)).events.map((e) => e.event_id)).toEqual(imported.events.map((e) => e.event_id));
    });
  }

  it("reads CP1252 text, and takes the sign from a split debit/credit layout", () => {
    const french = importCsv(read("hledger_sample_fr_cp1252.csv")).events.map((e) => e.description);
    expect(french[0]).toBe("DÉPÔT");
    expect(french.some((d) => d?.includes("€"))).toBe(true);
    expect(importCsv(read("csv2ofx_capitalone_debit_credit_iso_dates.csv")).events.map((e) => e.details.amount)).toEqual([-1000, 1000]);
  });

  it("takes a custom mapping for a layout it does not know, and refuses bad rows by line", () => {
    const text = "When;What;How much\n31/01/2026;Bakery;-3,20\n31/02/2026;Nowhere;-1,00\n01/02/2026;Refund;\n02/02/2026;Bakery;-3,20\n02/02/2026;Bakery;-3,20\n";
    expect(() => importCsv(bytes(text))).toThrow(UnknownCsvLayout);
    const mapping: CsvMapping = { id: "mine", label: "My bank", needs: ["When", "How much"], date: "When", order: "DMY", amount: "How much", decimal: ",", description: "What", default_currency: "EUR" };
    const imported = importCsv(bytes(text), { mapping });
    expect(imported.events.map((e) => [e.timestamp.slice(0, 10), e.details.amount])).toEqual([
      ["2026-01-31", -3.2],
      ["2026-02-02", -3.2],
      ["2026-02-02", -3.2],
    ]);
    expect(imported.refused).toEqual([
      { row: 3, reason: '"31/02/2026" is not a date (DMY)' },
      { row: 4, reason: "it has no amount" },
    ]);
    // Two identical rows are two transactions, with ids that stay the same on a re-import.
    const ids = imported.events.map((e) => e.event_id);
    expect(new Set(ids).size).toBe(3);
    expect(importCsv(bytes(text), { mapping }).events.map((e) => e.event_id)).toEqual(ids);
  });

  it("asks for a currency when neither the file nor the mapping says it", () => {
    const mapping: CsvMapping = { id: "x", label: "X", needs: ["Date", "Amount"], date: "Date", order: "YMD", amount: "Amount", description: "Date" };
    const imported = importCsv(bytes("Date,Amount\n2026-01-02,5\n"), { mapping });
    expect(imported.refused[0]?.reason).toMatch(/currency/);
    expect(importCsv(bytes("Date,Amount\n2026-01-02,5\n"), { mapping, defaultCurrency: "GBP" }).events[0]?.details.currency).toBe("GBP");
  });

  it("parses amounts, dates and delimiters the way banks write them", () => {
    expect(csvAmount("1.234,56", ",")).toBe(1234.56);
    expect(csvAmount("11'373.94")).toBe(11373.94);
    expect(csvAmount("-$7,971.39")).toBe(-7971.39);
    expect(csvAmount("(12.50)")).toBe(-12.5);
    expect(csvAmount("12,50-", ",")).toBe(-12.5);
    expect(csvAmount("twelve")).toBeNull();
    expect(csvDate("6/12/15", "MDY")).toBe("2015-06-12");
    expect(csvDate("10.10.2017", "DMY")).toBe("2017-10-10");
    expect(csvDate("2012/3/22", "YMD")).toBe("2012-03-22");
    expect(csvDate("2/30/2020", "MDY")).toBeNull();
    expect(sniffDelimiter("a;b;c\n1;2;3\n")).toBe(";");
    expect(sniffDelimiter('a,"b;c",d\n1,"2;3",4\n')).toBe(",");
  });
});
