import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ActivityEvent } from "../../../protocol/src/activity.ts";
import { CsvLayout } from "../../../protocol/src/statement-layout.ts";
import { importStatement, sniffCsv } from "./index.ts";
import { presetFits } from "./preset-fit-for-tests.ts";
import { CSV_PRESETS, type CsvPreset } from "./presets/index.ts";

// Every built-in preset against a statement written for Hearth in exactly that bank's layout (test/fixtures/
// statements/<country>/<preset id>.csv; SOURCES.md there names each layout's public source). The rows are made up;
// the shape is the bank's: header cells, delimiter, encoding (the real bytes), BOM, preamble and footer lines, date
// and number formats, sign convention. These files are committed, so this runs everywhere; the public sample
// exports the presets were first read from are checked in real-samples.test.ts when they are on this machine.

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/statements/", import.meta.url));
const read = (path: string) => new Uint8Array(readFileSync(FIXTURES + path));
const preset = (id: string): CsvPreset => {
  const found = CSV_PRESETS.find((p) => p.id === id);
  if (!found) throw new Error(`no preset ${id}`);
  return found;
};

type Statement = {
  file: string;
  /** The preset the file is written for. */
  preset: string;
  count: number;
  first: [date: string, amount: number];
  sum: number;
  /** The first row's currency. */
  currency: string;
  /** Text that must come through exactly (the encoding read right). */
  text: string;
  /** What the user would answer in the picker: for a file with no header row, or an encoding the preset does not expect. */
  layout?: CsvLayout;
  defaultCurrency?: string;
};

// The expected counts, first rows and sums are those of the rows the files were written from, not read back.
const WRITTEN: Statement[] = [
  { file: "us/schwab-us.csv", preset: "schwab-us", count: 4, first: ["2026-01-16", 2150], sum: 791.11, currency: "USD", text: "Café Olé Seattle" },
  { file: "us/chase-checking-us.csv", preset: "chase-checking-us", count: 5, first: ["2026-01-30", -2500], sum: -876.68, currency: "USD", text: "Crêpe Café Brooklyn" },
  { file: "us/chase-card-us.csv", preset: "chase-card-us", count: 4, first: ["2026-01-18", -84.37], sum: 169.12, currency: "USD", text: "Café Olé Miami" },
  { file: "us/capitalone.csv", preset: "capitalone", count: 4, first: ["2026-02-03", -42.17], sum: -664.67, currency: "USD", text: "Piñata Party Supply" },
  { file: "us/dcu.csv", preset: "dcu", count: 4, first: ["2026-01-30", -2400], sum: 635.93, currency: "USD", text: "POS DEBIT Crème Bakery" },
  { file: "us/fidelity.csv", preset: "fidelity", count: 4, first: ["2026-02-02", -1500], sum: 957.82, currency: "USD", text: "DEBIT CARD PURCHASE Señor Taco (Cash)" },
  { file: "gb/lloyds-uk.csv", preset: "lloyds-uk", count: 4, first: ["2026-01-28", -12.99], sum: 1285.54, currency: "GBP", text: "CAFÉ NERO LONDON CD 4411" },
  { file: "gb/barclays-uk.csv", preset: "barclays-uk", count: 4, first: ["2026-01-29", -23.45], sum: 1662.35, currency: "GBP", text: "RENT BRÍD O'NEILL" },
  { file: "gb/starling-uk.csv", preset: "starling-uk", count: 4, first: ["2026-02-11", -3.2], sum: 581.8, currency: "GBP", text: "Zoë Hart" },
  { file: "de/ing-de.csv", preset: "ing-de", count: 4, first: ["2026-02-02", -54.3], sum: 1575.71, currency: "EUR", text: "Bäckerei Größl GmbH" },
  { file: "de/sparkasse-de.csv", preset: "sparkasse-de", count: 4, first: ["2026-01-05", -1480], sum: 1600.15, currency: "EUR", text: "Gehalt Juli – Überstunden" },
  { file: "de/dkb-de.csv", preset: "dkb-de", count: 4, first: ["2026-01-31", -71.2], sum: 1100.3, currency: "EUR", text: "Café Schöne Aussicht" },
  { file: "de/n26.csv", preset: "n26", count: 4, first: ["2026-01-19", -19.9], sum: 587.92, currency: "EUR", text: "Jürgen Maier" },
  { file: "de/gls-de.csv", preset: "gls-de", count: 3, first: ["2026-01-12", -29.99], sum: 1192.57, currency: "EUR", text: "Ökostrom Süd eG" },
  { file: "nl/ing-nl.csv", preset: "ing-nl", count: 4, first: ["2026-01-27", -1.95], sum: 1872.6, currency: "EUR", text: "Café ’t Hoekje" },
  { file: "nl/knab-nl.csv", preset: "knab-nl", count: 4, first: ["2026-02-04", -2500], sum: -2979.48, currency: "EUR", text: "Crêperie Bretonne" },
  { file: "nl/asn-nl.csv", preset: "asn-nl", count: 4, first: ["2026-01-26", 2875.4], sum: 2614.25, currency: "EUR", text: "Hélène de Vries" },
  { file: "fr/boursorama-fr.csv", preset: "boursorama-fr", count: 4, first: ["2026-01-30", 2416.51], sum: 1208.12, currency: "EUR", text: "CARTE 21/03/25 BOULANGERIE DU MARCHÉ" },
  { file: "fr/date-remarque-montant.csv", preset: "date-remarque-montant", count: 3, first: ["2025-12-22", 150], sum: 94.5, currency: "EUR", text: "CAFÉ — €12 REÇU" },
  { file: "fr/date-remarque-montant-iso-8859-15.csv", preset: "date-remarque-montant", count: 3, first: ["2025-12-22", 150], sum: 94.5, currency: "EUR", text: "CAFÉ - €12 REÇU" },
  { file: "fi/nordea-fi.csv", preset: "nordea-fi", count: 4, first: ["2026-01-09", -31.75], sum: 1701.05, currency: "EUR", text: "Asunto Oy Mäntylä" },
  { file: "no/sparebank1-no.csv", preset: "sparebank1-no", count: 4, first: ["2026-01-31", -412.9], sum: 24938.1, currency: "NOK", text: "REMA 1000 GRÜNERLØKKA" },
  { file: "se/swedbank-se.csv", preset: "swedbank-se", count: 4, first: ["2026-02-01", -129], sum: 22461.5, currency: "SEK", text: "ICA Nära Södermalm" },
  { file: "lt/swedbank-lt.csv", preset: "swedbank-lt", count: 3, first: ["2025-01-03", -23.9], sum: 1810.5, currency: "EUR", text: "UAB \"Šviesa\"" },
  { file: "lt/danske-lt.csv", preset: "danske-lt", count: 3, first: ["2025-03-01", -7.8], sum: 1411.89, currency: "EUR", text: "Paslaugų ir komisinių pajamos už tarptautinius pervedimus" },
  { file: "ee/swedbank-ee.csv", preset: "swedbank-ee", count: 3, first: ["2024-11-24", -7.5], sum: 2256.51, currency: "EUR", text: "Õismäe Rimi" },
  { file: "es/ing-es.csv", preset: "ing-es", count: 4, first: ["2026-01-28", 1720.4], sum: 1208.6, currency: "EUR", text: "Pago en CAFETERÍA LA ESPAÑOLA" },
  { file: "ch/ubs-ch.csv", preset: "ubs-ch", count: 3, first: ["2026-01-31", -12.5], sum: 5437.5, currency: "CHF", text: "Salaire Société Genevoise" },
  { file: "xx/mint.csv", preset: "mint", count: 3, first: ["2026-01-06", -1250], sum: 2131.25, currency: "USD", text: "Jalapeño Grill" },
  { file: "xx/paypal.csv", preset: "paypal", count: 3, first: ["2026-01-22", -15.99], sum: 1121.51, currency: "EUR", text: "José's Bakery" },
  { file: "hu/otp-hu.csv", preset: "otp-hu", count: 3, first: ["2026-01-10", -12990], sum: 468510, currency: "HUF", text: "Szőke Étterem Kft." },
  { file: "hu/otp-hu-windows-1250.csv", preset: "otp-hu", count: 3, first: ["2026-01-10", -12990], sum: 468510, currency: "HUF", text: "Szőke Étterem Kft." },
];

// Files no header identifies, or whose encoding differs from the preset's, are read with the layout the user
// would confirm in the picker; Danske (LT) names no currency, so the user's default applies.
const STATEMENTS: Statement[] = WRITTEN.map((s) => {
  if (s.file === "nl/asn-nl.csv" || s.file === "ee/swedbank-ee.csv") return { ...s, layout: preset(s.preset).layout };
  if (s.file === "hu/otp-hu-windows-1250.csv") return { ...s, layout: { ...preset(s.preset).layout, encoding: "windows-1250" } };
  if (s.file === "fr/date-remarque-montant-iso-8859-15.csv") return { ...s, layout: { ...preset(s.preset).layout, encoding: "iso-8859-15" } };
  if (s.file === "lt/danske-lt.csv") return { ...s, defaultCurrency: "EUR" };
  return s;
});

describe("the built-in presets", () => {
  it("are valid layouts with unique ids, each citing a public source", () => {
    expect(new Set(CSV_PRESETS.map((p) => p.id)).size).toBe(CSV_PRESETS.length);
    for (const p of CSV_PRESETS) {
      expect(CsvLayout.safeParse(p.layout).error, p.id).toBeUndefined();
      expect(p.source, p.id).toMatch(/^https:\/\/(github\.com\/[^/]+\/[^/]+\/blob\/|[a-z0-9.-]+\/)/);
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

  it("each have a statement written in their layout", () => {
    const covered = new Set(STATEMENTS.map((s) => s.preset));
    expect(CSV_PRESETS.map((p) => p.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  it("each name their layout's source in the fixtures' SOURCES.md, beside their file", () => {
    const sources = readFileSync(`${FIXTURES}SOURCES.md`, "utf8").split("\n");
    for (const s of STATEMENTS) {
      const line = sources.find((l) => l.startsWith(`| \`${s.file}\``));
      expect(line, s.file).toBeDefined();
      if (!line?.includes("| the same |")) expect(line, s.file).toContain(preset(s.preset).source);
    }
  });

  it("cover every sign convention and every encoding the reader offers", () => {
    const used = STATEMENTS.map((s) => s.layout ?? preset(s.preset).layout);
    expect(new Set(used.map((l) => l.sign.kind))).toEqual(new Set(["signed", "split", "indicator"]));
    expect(new Set(used.map((l) => l.encoding))).toEqual(new Set(["utf-8", "windows-1250", "windows-1252", "windows-1257", "iso-8859-1", "iso-8859-15"]));
    // With and without a byte-order mark.
    const boms = STATEMENTS.map((s) => read(s.file).slice(0, 3).join());
    expect(boms).toContain("239,187,191");
    expect(boms.some((b) => b !== "239,187,191")).toBe(true);
  });

  for (const s of STATEMENTS) {
    it(`${s.file}: its header fits ${s.layout?.header === false ? "no preset" : s.preset}, and no other`, () => {
      const bytes = read(s.file);
      const fitting = CSV_PRESETS.filter((p) => presetFits(bytes, p)).map((p) => p.id);
      if (s.layout?.header === false) expect(fitting).toEqual([]);
      // A file in an encoding its preset does not expect may not be recognised, but never as another bank's.
      else if (s.layout) expect(fitting.filter((id) => id !== s.preset)).toEqual([]);
      else expect(fitting).toEqual([s.preset]);
    });
  }
});

describe("each written statement, read through importStatement", () => {
  const cents = (values: number[]) => values.reduce((sum, v) => sum + Math.round(v * 100), 0) / 100;
  for (const s of STATEMENTS) {
    it(`${s.file}: ${s.count} rows, first ${s.first[1]} on ${s.first[0]}, summing to ${s.sum}`, () => {
      const options = { ...(s.layout ? { layout: s.layout } : {}), ...(s.defaultCurrency ? { defaultCurrency: s.defaultCurrency } : {}) };
      const name = s.file.split("/").pop() ?? s.file;
      const imported = importStatement(name, read(s.file), options);
      expect(imported.layout).toBe(s.layout ? "custom" : `preset:${s.preset}`);
      expect(imported.refused).toEqual([]);
      expect(imported.events).toHaveLength(s.count);
      for (const event of imported.events) expect(ActivityEvent.safeParse(event).success).toBe(true);
      const [date, amount] = s.first;
      expect(imported.events[0]).toMatchObject({ timestamp: `${date}T12:00:00Z`, details: { amount, currency: s.currency } });
      expect(cents(imported.events.map((e) => Number(e.details.amount)))).toBe(s.sum);
      expect(imported.events.some((e) => (e.description ?? "").includes(s.text) || JSON.stringify(e.details).includes(JSON.stringify(s.text).slice(1, -1)))).toBe(true);
      // Ids are unique and the same file again gives the same ones.
      const ids = imported.events.map((e) => e.event_id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(importStatement(name, read(s.file), options).events.map((e) => e.event_id)).toEqual(ids);
    });
  }

  it("detects Windows-1250 and ISO-8859-15 on its own (ő is not õ, € is not ¤)", () => {
    const hungarian = sniffCsv(read("hu/otp-hu-windows-1250.csv"));
    expect(hungarian.header_cells).toContain("Küldő címe");
    expect(hungarian.matched).toMatchObject({ kind: "preset", id: "otp-hu" });
    expect(hungarian.rows.flat()).toContain("Szőke Étterem Kft.");
    const french = sniffCsv(read("fr/date-remarque-montant-iso-8859-15.csv"));
    expect(french.rows.flat()).toContain("CAFÉ - €12 REÇU");
  });

  it("skips Swedbank (LT)'s opening and closing balance rows, and reads a name with stray quotes", () => {
    const imported = importStatement("swedbank.csv", read("lt/swedbank-lt.csv"));
    expect(imported.skipped.map((s) => s.reason)).toEqual(["a balance or total line, not a transaction", "a balance or total line, not a transaction"]);
    expect(imported.events.map((e) => e.details.merchant)).toContain('UAB "Šviesa"');
  });
});
