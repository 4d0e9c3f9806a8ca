import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ActivityEvent } from "../../../protocol/src/activity.ts";
import { sniffDelimiter } from "./csv-records.ts";
import { csvAmount, csvDate } from "./csv-values.ts";
import { fixturesDir } from "./fixtures.ts";
import { layoutFromMapping } from "./mapping.ts";
import type { CsvMapping } from "./mapping.ts";
import { UnknownCsvLayout } from "./sniff.ts";
import { importStatement } from "./statement.ts";

const read = (name: string) => new Uint8Array(readFileSync(join(fixturesDir(), "csv", name)));
const bytes = (text: string) => new TextEncoder().encode(text);
/** A CSV file read as the agent and the upload read it; `mapping` stands for the user's answer in the picker. */
const importCsv = (data: Uint8Array, options: { mapping?: CsvMapping; defaultCurrency?: string } = {}) =>
  importStatement("statement.csv", data, { ...(options.mapping ? { layout: layoutFromMapping(options.mapping) } : {}), ...(options.defaultCurrency ? { defaultCurrency: options.defaultCurrency } : {}) });

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
      expect(imported.layout).toBe(`preset:${layout}`);
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
    expect(csvAmount("1\u00a0234,56", ",", " ")).toBe(1234.56);
    expect(csvAmount("12,50", ".", ",")).toBeNull();
    expect(csvAmount("12.50 DR")).toBe(-12.5);
    expect(csvAmount("EUR -1.234,56", ",")).toBe(-1234.56);
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

describe("CSV import accounts for every line", () => {
  const mapping: CsvMapping = { id: "mine", label: "My bank", needs: ["Date", "Amount"], date: "Date", order: "YMD", amount: "Amount", description: "Description", default_currency: "EUR" };
  /** Every line number an import accounts for, and how. */
  const accounted = (imported: ReturnType<typeof importCsv>) =>
    [...imported.rows.map((row) => [row, "stored"] as const), ...imported.refused.map((r) => [r.row, "refused"] as const), ...imported.skipped.map((r) => [r.row, "skipped"] as const)].sort((a, b) => a[0] - b[0]);

  it("refuses a line it cannot read, by its line number, beside the lines it imports", () => {
    const text = "Date,Description,Amount\n2026-10-01,Corner grocer,-23.10\nnot a date,BROKEN ROW,abc\n\n2026-10-02,Bakery,-3.20\n";
    const imported = importCsv(bytes(text), { mapping });
    expect(imported.events.map((e) => e.description)).toEqual(["Corner grocer", "Bakery"]);
    expect(imported.rows).toEqual([2, 5]);
    expect(imported.refused).toEqual([{ row: 3, reason: '"not a date" is not a date (YMD)' }]);
  });

  it("reads dates with a time of day, and 8-digit dates in quoted, semicolon-separated fields", () => {
    const timed = 'Date,Description,Amount\n2021-09-05 11:32:41,Coffee,-3.50\n2021-09-06T08:01:00Z,Lunch,-12.00\n2021-09-07 7:15 PM,Dinner,-30.00\n';
    expect(importCsv(bytes(timed), { mapping }).events.map((e) => e.timestamp)).toEqual(["2021-09-05T12:00:00Z", "2021-09-06T12:00:00Z", "2021-09-07T12:00:00Z"]);
    const compact = '"Date";"Description";"Amount";"Balance"\n"20200213";"Rent";"-850,00";"1.204,11"\n"20200214";"Salary";"2.400,00";"3.604,11"\n"20200215";"Groceries";"-54,20";"3.549,91"\n';
    const imported = importCsv(bytes(compact), { mapping: { ...mapping, decimal: "," } });
    expect(imported.refused).toEqual([]);
    expect(imported.events.map((e) => [e.timestamp.slice(0, 10), e.details.amount])).toEqual([
      ["2020-02-13", -850],
      ["2020-02-14", 2400],
      ["2020-02-15", -54.2],
    ]);
    expect(csvDate("13022020", "DMY")).toBe("2020-02-13");
    expect(csvDate("20201302", "YMD")).toBeNull();
  });

  it("skips a bank's disclaimer lines as text, and says so", () => {
    const imported = importCsv(read("redsimporters_fidelity_cma_preamble_rows_crlf.csv"));
    expect(imported.events).toHaveLength(11);
    expect(imported.skipped.length).toBeGreaterThan(0);
    expect(imported.skipped.every((s) => s.reason === "a line of text, not a transaction")).toBe(true);
  });

  // Lines of a generated file: transactions in the ways banks write them, lines of junk, and blank lines.
  const SAFE = fc.stringMatching(/^[A-Za-z0-9 .:/-]{0,12}$/);
  const day = fc.date({ min: new Date("1990-01-01T00:00:00Z"), max: new Date("2060-12-31T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  const transaction = fc
    .tuple(day, fc.constantFrom("plain", "time", "compact"), fc.stringMatching(/^[A-Za-z][A-Za-z ]{0,10}$/), fc.integer({ min: -99_999, max: 99_999 }))
    .map(([date, style, what, cents]) => [style === "compact" ? date.replaceAll("-", "") : style === "time" ? `${date} 11:32:41` : date, what, (cents / 100).toFixed(2)]);
  const line = fc.oneof(
    { weight: 3, arbitrary: transaction.map((cells) => ({ cells, transaction: true })) },
    { weight: 2, arbitrary: fc.array(SAFE, { minLength: 1, maxLength: 4 }).map((cells) => ({ cells, transaction: false })) },
    { weight: 1, arbitrary: fc.constant({ cells: [] as string[], transaction: false }) },
  );

  it("stores, refuses or skips each line of any file, and never returns nothing for a file with data lines", () => {
    fc.assert(
      fc.property(fc.constantFrom(",", ";", "\t"), fc.boolean(), fc.array(line, { maxLength: 30 }), (delimiter, quoted, lines) => {
        const write = (cells: string[]) => cells.map((c) => (quoted ? `"${c}"` : c)).join(delimiter);
        const text = [write(["Date", "Description", "Amount"]), ...lines.map((l) => write(l.cells))].join("\n");
        const imported = importCsv(bytes(text), { mapping });
        // Line n + 2 of the file is lines[n] (line 1 is the header).
        const withContent = lines.flatMap((l, n) => (l.cells.some((c) => c.trim() !== "") ? [n + 2] : []));
        expect(accounted(imported).map(([row]) => row)).toEqual(withContent);
        for (const [n, l] of lines.entries()) if (l.transaction) expect(imported.rows).toContain(n + 2);
        const dataLines = lines.filter((l) => l.cells.filter((c) => c.trim() !== "").length >= 2).length;
        if (dataLines > 0) expect(imported.events.length + imported.refused.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});
