import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ActivityEvent } from "../../../protocol/src/activity.ts";
import type { CsvLayout } from "../../../protocol/src/statement-layout.ts";
import { importCamt } from "./camt.ts";
import { fixturesDir } from "./fixtures.ts";
import { importStatement, sniffCsv } from "./index.ts";
import { presetFits as fits } from "./preset-fit-for-tests.ts";
import { CSV_PRESETS, type CsvPreset } from "./presets/index.ts";

// The built-in presets and the CAMT.053 reader against the public sample exports they were first read from
// (../shared/fixtures/statements and ../shared/fixtures/csv; SOURCES.md there says where each came from). Those
// files are not committed (they are other projects' data, kept beside the project), and the statements/ folder is
// not part of shared/ as CI lays it out, so these tests run only where that folder is; presets.test.ts and
// camt.test.ts check the same presets and reader on committed statements written for Hearth, everywhere.

const sharedStatements = (() => {
  try {
    return existsSync(join(fixturesDir(), "statements", "SOURCES.md"));
  } catch {
    return false;
  }
})();
const read = (path: string) => new Uint8Array(readFileSync(join(fixturesDir(), path)));
const cents = (values: number[]) => values.reduce((s, v) => s + Math.round(v * 100), 0) / 100;
const preset = (id: string): CsvPreset => {
  const found = CSV_PRESETS.find((p) => p.id === id);
  if (!found) throw new Error(`no preset ${id}`);
  return found;
};

type Sample = {
  file: string;
  /** The preset its header picks; null for a file with no header row (read with `layout`). */
  preset: string | null;
  count: number;
  first: [date: string, amount: number];
  sum: number;
  currency: string;
  /** Text that must come through exactly (the encoding read right). */
  text?: string;
  /** What the user would answer in the picker, for a file no header identifies or an encoding corrected by hand. */
  layout?: CsvLayout;
  defaultCurrency?: string;
};

// Counts, first rows and sums were worked out from each file with Python's csv module, apart from this code.
const SAMPLES: Sample[] = [
  { file: "statements/us/csv2ofx_schwab_checking_withdrawal_deposit_dollars.csv", preset: "schwab-us", count: 4, first: ["2022-08-17", 20], sum: -215.27, currency: "USD" },
  { file: "statements/uk/ofxstatement-lloyds_debit_credit_trailing_comma.csv", preset: "lloyds-uk", count: 12, first: ["2024-01-15", -8.99], sum: -3881.99, currency: "GBP", text: "HMRC - TAXES" },
  { file: "statements/de/ofxstatement-de-ing_umsatzanzeige_saldo_latin1_preamble.csv", preset: "ing-de", count: 9, first: ["2018-12-28", -5.5], sum: -178.6, currency: "EUR", text: "PayDude (Europe) S.a.r.l. et Cie., S .C.A." },
  { file: "statements/de/ofxstatement-de-ing_umsatzanzeige_latin1_preamble.csv", preset: "ing-de", count: 6, first: ["2018-12-28", -5.49], sum: -180.93, currency: "EUR" },
  { file: "statements/de/ofxstatement-sparkasse-freiburg_camt_csv_dd_mm_yy_latin1.csv", preset: "sparkasse-de", count: 2, first: ["2018-03-28", -1234.56], sum: -1111.56, currency: "EUR", text: "Geschenk Hans Meyer abzügl. Schulden" },
  { file: "statements/de/beancount-dkb_v2_transcribed_bom_preamble_dd_mm_yy.csv", preset: "dkb-de", count: 1, first: ["2023-06-15", -8.67], sum: -8.67, currency: "EUR", text: "EDEKA//MUENCHEN/DE" },
  { file: "statements/de/csv2ofx_n26_amount_eur.csv", preset: "n26", count: 2, first: ["2020-03-07", 328], sum: 0, currency: "EUR" },
  { file: "statements/nl/ofxstatement-dutch_ing_af_bij_yyyymmdd.csv", preset: "ing-nl", count: 6, first: ["2020-02-13", -1.25], sum: 19.38, currency: "EUR", text: "Kosten OranjePakket met korting" },
  { file: "statements/nl/ofxstatement-dutch_knab_creditdebet_preamble.csv", preset: "knab-nl", count: 28, first: ["2019-06-21", -827.75], sum: 7.01, currency: "EUR", text: "Gert Janssen (FR)" },
  { file: "statements/nl/ofxstatement-dutch_asn_no_header.csv", preset: null, layout: preset("asn-nl").layout, count: 11, first: ["2022-06-17", 223.77], sum: -46.2, currency: "EUR", text: "International Card Services B V" },
  { file: "statements/fr/boursorama_reconstructed_utf8_bom_space_thousands.csv", preset: "boursorama-fr", count: 4, first: ["2026-02-27", -850], sum: 1204.17, currency: "EUR", text: "VIR SEPA SALAIRE FÉVRIER" },
  { file: "statements/fi/nordea_fi_reconstructed_tab_preamble_blank_lines.csv", preset: "nordea-fi", count: 3, first: ["2026-02-05", -23.4], sum: 1707.15, currency: "EUR", text: "Asunto Oy Esimerkki" },
  { file: "statements/no/beancount-no-sparebank1_inn_ut_semicolon.csv", preset: "sparebank1-no", count: 15, first: ["2025-02-28", -348.56], sum: 3960.65, currency: "NOK", text: "Overføring til Sparekonto" },
  { file: "statements/se/swedbank_se_reconstructed_tab.csv", preset: "swedbank-se", count: 2, first: ["2025-09-30", -39], sum: 1261, currency: "SEK", text: "PRIS NYCKELKUND" },
  // Swedbank's summary rows (type 10 opening balance, 82 turnover, 86 closing balance) are not transactions.
  { file: "statements/lt/ofxstatement-lithuanian_swedbank_d_k_stray_quotes.csv", preset: "swedbank-lt", count: 5, first: ["2012-01-02", -14.34], sum: 1058.46, currency: "LTL", text: 'UAB "Naktida"' },
  { file: "statements/lt/ofxstatement-lithuanian_danske_cp1257_multiline_crlf.csv", preset: "danske-lt", count: 4, first: ["2012-03-01", -7.8], sum: 0, currency: "LTL", defaultCurrency: "LTL", text: "Paslaugų ir komisinių pajamos už gaunamus tarptautinius pervedimus USD" },
  // Encodings the samples do not come in, from a real layout's real text saved in that encoding (RECONSTRUCTED).
  { file: "statements/hu/actual_hu_otp_windows1250_reconstructed.csv", preset: "otp-hu", layout: { ...preset("otp-hu").layout, encoding: "windows-1250" }, count: 2, first: ["2025-12-04", 100], sum: 200, currency: "HUF" },
  { file: "statements/fr/hledger_sample_fr_iso8859_15_reconstructed.csv", preset: "date-remarque-montant", layout: { ...preset("date-remarque-montant").layout, encoding: "iso-8859-15" }, count: 3, first: ["2012-03-22", 50], sum: 20, currency: "EUR", text: "CAFÉ - €20 REÇU" },
  // The layouts Hearth knew before (legacy.ts), on the files they were read from.
  { file: "csv/actual_hu_bank_utf8_bom_reconstructed.csv", preset: "otp-hu", count: 2, first: ["2025-12-04", 100], sum: 200, currency: "HUF" },
  { file: "csv/csv2ofx_capitalone_debit_credit_iso_dates.csv", preset: "capitalone", count: 2, first: ["2015-12-31", -1000], sum: 0, currency: "USD" },
  { file: "csv/csv2ofx_gls_de_semicolon_latin1_decimal_comma.csv", preset: "gls-de", count: 1, first: ["2017-10-10", -98.76], sum: -98.76, currency: "EUR", text: "Drillisch Online AG" },
  { file: "csv/csv2ofx_ing_es_ddmmyyyy_crlf.csv", preset: "ing-es", count: 10, first: ["2022-03-24", 2.83], sum: 350.21, currency: "EUR", text: "Abono por campaña Abono Shopping NARANJA:GALP" },
  { file: "csv/csv2ofx_mint_cr_line_endings.csv", preset: "mint", count: 4, first: ["2015-06-12", -1000], sum: -3000, currency: "USD" },
  { file: "csv/csv2ofx_ubs_ch_fr_semicolon_debit_credit.csv", preset: "ubs-ch", count: 3, first: ["2019-03-31", -10], sum: 30, currency: "CHF" },
  { file: "csv/hledger_sample_fr_cp1252.csv", preset: "date-remarque-montant", count: 3, first: ["2012-03-22", 50], sum: 20, currency: "EUR", text: "CAFÉ — €20 REÇU" },
  { file: "csv/ledgerautosync_paypal_spaced_header.csv", preset: "paypal", count: 2, first: ["2016-06-04", -20], sum: 1100, currency: "USD" },
  { file: "csv/redsimporters_dcu_checking_crlf_dollar_negatives.csv", preset: "dcu", count: 10, first: ["2021-12-31", -7971.39], sum: 500, currency: "USD" },
  { file: "csv/redsimporters_fidelity_cma_preamble_rows_crlf.csv", preset: "fidelity", count: 11, first: ["2023-01-27", -10000], sum: -7671.75, currency: "USD" },
];

describe.runIf(sharedStatements)("the presets on the public sample exports (only where ../shared/fixtures/statements is)", () => {
  for (const sample of SAMPLES) {
    it(`${sample.file}: its header fits ${sample.preset ?? "no preset"}, and no other`, () => {
      const bytes = read(sample.file);
      const fitting = CSV_PRESETS.filter((p) => fits(bytes, p)).map((p) => p.id);
      if (!sample.preset) expect(fitting).toEqual([]);
      // A file in an encoding its preset does not expect may not be recognised, but never as another bank's.
      else if (sample.layout) expect(fitting.filter((id) => id !== sample.preset)).toEqual([]);
      else expect(fitting).toEqual([sample.preset]);
    });
  }
});

// The reader the presets run on (`importStatement` with layouts, profiles and presets).
describe.runIf(sharedStatements)("each public sample export, read through importStatement (only where ../shared/fixtures/statements is)", () => {
  for (const sample of SAMPLES) {
    const name = sample.file.split("/").pop() ?? sample.file;
    it(`${name}: ${sample.count} rows, first ${sample.first[1]} on ${sample.first[0]}, summing to ${sample.sum} ${sample.currency}`, () => {
      const options = { ...(sample.layout ? { layout: sample.layout } : {}), ...(sample.defaultCurrency ? { defaultCurrency: sample.defaultCurrency } : {}) };
      const imported = importStatement(name, read(sample.file), options);
      if (!sample.layout && sample.preset) expect(imported.layout).toBe(`preset:${sample.preset}`);
      expect(imported.refused).toEqual([]);
      expect(imported.events).toHaveLength(sample.count);
      for (const event of imported.events) expect(ActivityEvent.safeParse(event).success).toBe(true);
      const [date, amount] = sample.first;
      expect(imported.events[0]).toMatchObject({ timestamp: `${date}T12:00:00Z`, details: { amount, currency: sample.currency } });
      expect(cents(imported.events.map((e) => Number(e.details.amount)))).toBe(sample.sum);
      if (sample.text) expect(imported.events.some((e) => JSON.stringify(e).includes(JSON.stringify(sample.text).slice(1, -1)))).toBe(true);
      // The same file again gives the same ids.
      expect(importStatement(name, read(sample.file), options).events.map((e) => e.event_id)).toEqual(imported.events.map((e) => e.event_id));
    });
  }

  it("detects Windows-1250 and ISO-8859-15 text on its own (ő is not õ, € is not ¤)", () => {
    const hungarian = sniffCsv(read("statements/hu/actual_hu_otp_windows1250_reconstructed.csv"));
    expect(hungarian.header_cells).toContain("Küldő címe");
    expect(hungarian.matched).toMatchObject({ kind: "preset", id: "otp-hu" });
    const french = sniffCsv(read("statements/fr/hledger_sample_fr_iso8859_15_reconstructed.csv"));
    expect(french.rows.flat()).toContain("CAFÉ - €20 REÇU");
  });

  it("stores Swedbank (EE)'s repeated archive id once", () => {
    const imported = importStatement("swedbank.csv", read("statements/ee/ofxstatement-ee-swedbank_no_header_d_k.csv"), { layout: preset("swedbank-ee").layout });
    expect(imported.refused).toEqual([]);
    expect(imported.events[0]).toMatchObject({ timestamp: "2022-11-24T12:00:00Z", details: { amount: -7.5, currency: "EUR" } });
    // The sample repeats one row four times, with the bank's id: one transaction, however the reader counts the rest.
    expect(new Set(imported.events.map((e) => e.event_id)).size).toBe(1);
    expect(imported.events.length + imported.skipped.length).toBeGreaterThanOrEqual(4);
  });
});

const readCamt = (name: string) => read(join("statements", "camt", name));
const amounts = (file: ReturnType<typeof importCamt>) => file.events.map((e) => Number(e.details.amount));
const bytes = (text: string) => new TextEncoder().encode(text);

// What each real-world file holds (see ../shared/fixtures/statements/SOURCES.md): entries, account, currency,
// the first entry's date and signed amount, and the sum of all signed amounts (checked against Python's
// xml.etree reading of the same files).
const EXPECTED: [file: string, count: number, account: string, currency: string, first: [date: string, amount: number], sum: number][] = [
  ["ofxstatement-iso20022_camt053.xml", 1, "0035-2915203-10-000", "CHF", ["2023-01-25", 1284.3], 1284.3],
  ["ofxstatement-iso20022_davider80.xml", 16, "CHxxxxxxxxxxxxxxxxxxx", "CHF", ["2017-04-01", -905.3], -3679.85],
  ["ofxstatement-iso20022_gcamp6.xml", 5, "CH2609000000924238861", "XXX", ["2016-04-23", 10000], 13010],
  ["ofxstatement-iso20022_simple.xml", 4, "LT000000000000000000", "EUR", ["2015-12-31", -0.29], -181.01],
];

describe.runIf(sharedStatements)("CAMT.053 import, on the public sample files (only where ../shared/fixtures/statements is)", () => {
  for (const [file, count, account, currency, [date, amount], sum] of EXPECTED) {
    it(`${file}: ${count} entries in ${currency}, summing to ${sum}`, () => {
      const imported = importCamt(readCamt(file));
      expect(imported.events).toHaveLength(count);
      expect(imported.refused).toEqual([]);
      expect(imported.accounts).toEqual([{ id: account, kind: "bank", currency, transactions: count }]);
      for (const event of imported.events) expect(ActivityEvent.safeParse(event).success).toBe(true);
      expect(imported.events[0]).toMatchObject({ timestamp: `${date}T12:00:00Z`, details: { amount, currency, account } });
      expect(cents(amounts(imported))).toBe(sum);
      // The same file again gives the same ids, each unique: the server stores each entry once.
      const ids = imported.events.map((e) => e.event_id);
      expect(new Set(ids).size).toBe(count);
      expect(importCamt(readCamt(file)).events.map((e) => e.event_id)).toEqual(ids);
    });
  }

  it("describes an entry by the other party and the remittance text, accents intact", () => {
    const [fee] = importCamt(readCamt("ofxstatement-iso20022_simple.xml")).events;
    expect(fee).toMatchObject({ description: "AB DNB Bankas", details: { merchant: "AB DNB Bankas", memo: "Sąskaitos aptarnavimo mokestis" } });
    expect(fee?.event_id).toBe("camt:LT000000000000000000:FC1261858984");
    const [salary] = importCamt(readCamt("ofxstatement-iso20022_camt053.xml")).events;
    // camt.053.001.08 wraps the debtor's name in <Pty>.
    expect(salary).toMatchObject({ description: "PAYEE", details: { merchant: "PAYEE", memo: "PAYMENT INFO", type: "PMNT/RCDT/DMCT" } });
  });

  it("reads a booking date written with its time zone (2017-04-01+02:00) as that calendar date", () => {
    const dates = importCamt(readCamt("ofxstatement-iso20022_davider80.xml")).events.map((e) => e.timestamp.slice(0, 10));
    expect(dates[0]).toBe("2017-04-01");
    expect(dates.every((d) => /^2017-04-\d\d$/.test(d))).toBe(true);
  });

  it("refuses what is not a CAMT.053 statement, saying what it is", () => {
    expect(() => importCamt(readCamt("ofxstatement-iso20022_camt052_not_a_statement.xml"))).toThrow(/CAMT\.052 account report/);
    expect(() => importCamt(readCamt("ofxstatement-iso20022_unsupported.xml"))).toThrow(/namespace "urn:weird-namespace"/);
    expect(() => importCamt(bytes("Date,Amount\n2026-01-01,5\n"))).toThrow(/no <Document> element/);
    expect(() => importCamt(bytes("<Document><BkToCstmrStmt><Stmt>"))).toThrow(/not a readable XML file/);
  });
});

