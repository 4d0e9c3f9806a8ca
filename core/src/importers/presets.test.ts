import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ActivityEvent } from "../../../protocol/src/activity.ts";
import { CsvLayout } from "../../../protocol/src/statement-layout.ts";
import { fixturesDir } from "./fixtures.ts";
import * as importers from "./index.ts";
import { CSV_PRESETS, type CsvPreset } from "./presets/index.ts";

// Every built-in preset against the public sample exports it was read from (../shared/fixtures/statements and
// ../shared/fixtures/csv; SOURCES.md there says where each came from): the header picks exactly one preset, and
// the file reads to the right rows, first date and signed amount, sum, and accented text.

const read = (path: string) => new Uint8Array(readFileSync(join(fixturesDir(), path)));
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

/** The first lines of a file as the preset would read them: decoded in its encoding, split on its delimiter. */
function headerCandidates(bytes: Uint8Array, p: CsvPreset): string[][] {
  const text = new TextDecoder(p.layout.encoding).decode(bytes).replace(/^\uFEFF/, "");
  return text
    .split(/\r\n|\n|\r/)
    .slice(0, 40)
    .map((line) => {
      const cells: string[] = [];
      let cell = "";
      let quoted = false;
      for (const char of line) {
        if (char === '"') quoted = !quoted;
        else if (char === p.layout.delimiter && !quoted) {
          cells.push(cell.trim());
          cell = "";
        } else cell += char;
      }
      return [...cells, cell.trim()];
    });
}
const fits = (bytes: Uint8Array, p: CsvPreset) => p.needs.length > 0 && headerCandidates(bytes, p).some((row) => p.needs.every((need) => row.includes(need)));

describe("the built-in presets", () => {
  it("are valid layouts with unique ids, each citing a public source", () => {
    expect(new Set(CSV_PRESETS.map((p) => p.id)).size).toBe(CSV_PRESETS.length);
    for (const p of CSV_PRESETS) {
      expect(CsvLayout.safeParse(p.layout).error, p.id).toBeUndefined();
      expect(p.source, p.id).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+\/blob\//);
      expect(p.country, p.id).toMatch(/^[A-Z]{2}$/);
      // A preset with no header row has nothing to be recognised by, and one with a header must name cells.
      expect(p.needs.length === 0, p.id).toBe(!p.layout.header);
      for (const column of [p.layout.date, ...(p.layout.header ? p.needs : [])]) expect(column.length, p.id).toBeGreaterThan(0);
    }
  });

  it("cover the US, UK, DE, NL, FR, ES, the Nordic and the Baltic countries", () => {
    const countries = new Set(CSV_PRESETS.map((p) => p.country));
    for (const country of ["US", "GB", "DE", "NL", "FR", "ES", "FI", "NO", "SE", "LT", "EE"]) expect(countries, country).toContain(country);
    const count = (codes: string[]) => CSV_PRESETS.filter((p) => codes.includes(p.country)).length;
    for (const group of [["US"], ["GB"], ["DE"], ["NL"], ["FI", "SE", "NO", "DK"], ["LT", "LV", "EE"]]) expect(count(group), group.join()).toBeGreaterThanOrEqual(2);
  });

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

// The reader the presets run on is the engine's (`importStatement` with layouts, profiles and presets). These
// checks run once it is there; until then the header checks above stand alone.
const engineReady = "sniffCsv" in importers;

describe.skipIf(!engineReady)("each sample export, read through importStatement", () => {
  const cents = (values: number[]) => values.reduce((s, v) => s + Math.round(v * 100), 0) / 100;
  for (const sample of SAMPLES) {
    const name = sample.file.split("/").pop() ?? sample.file;
    it(`${name}: ${sample.count} rows, first ${sample.first[1]} on ${sample.first[0]}, summing to ${sample.sum} ${sample.currency}`, () => {
      const options = { ...(sample.layout ? { layout: sample.layout } : {}), ...(sample.defaultCurrency ? { defaultCurrency: sample.defaultCurrency } : {}) };
      const imported = importers.importStatement(name, read(sample.file), options);
      if (!sample.layout && sample.preset) expect(imported.layout).toBe(`preset:${sample.preset}`);
      expect(imported.refused).toEqual([]);
      expect(imported.events).toHaveLength(sample.count);
      for (const event of imported.events) expect(ActivityEvent.safeParse(event).success).toBe(true);
      const [date, amount] = sample.first;
      expect(imported.events[0]).toMatchObject({ timestamp: `${date}T12:00:00Z`, details: { amount, currency: sample.currency } });
      expect(cents(imported.events.map((e) => Number(e.details.amount)))).toBe(sample.sum);
      if (sample.text) expect(imported.events.some((e) => JSON.stringify(e).includes(JSON.stringify(sample.text).slice(1, -1)))).toBe(true);
      // The same file again gives the same ids.
      expect(importers.importStatement(name, read(sample.file), options).events.map((e) => e.event_id)).toEqual(imported.events.map((e) => e.event_id));
    });
  }

  it("reads the Windows-1250 header right (ő is not õ)", () => {
    const imported = importers.importStatement("otp.csv", read("statements/hu/actual_hu_otp_windows1250_reconstructed.csv"), { layout: { ...preset("otp-hu").layout, encoding: "windows-1250" } });
    expect(imported.sniff?.header_cells).toContain("Küldő címe");
  });

  it("stores Swedbank (EE)'s repeated archive id once", () => {
    const imported = importers.importStatement("swedbank.csv", read("statements/ee/ofxstatement-ee-swedbank_no_header_d_k.csv"), { layout: preset("swedbank-ee").layout });
    expect(imported.refused).toEqual([]);
    expect(imported.events[0]).toMatchObject({ timestamp: "2022-11-24T12:00:00Z", details: { amount: -7.5, currency: "EUR" } });
    // The sample repeats one row four times, with the bank's id: one transaction, however the reader counts the rest.
    expect(new Set(imported.events.map((e) => e.event_id)).size).toBe(1);
    expect(imported.events.length + imported.skipped.length).toBeGreaterThanOrEqual(4);
  });
});
