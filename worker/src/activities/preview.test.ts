import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CsvLayout, CsvSniff, ImportProfile, SaveImportProfile, StatementImportResult, StatementPreview } from "#protocol";
import { TestClient, errorOf } from "../../../test/client.ts";
import { ingestActivities } from "../../../core/src/activities/ingest.ts";
// A real ING (ES) export (csv2ofx's sample; ../shared/fixtures/SOURCES.md): 10 rows with a running balance, no ids.
import ING_ES from "@shared-fixtures/csv/csv2ofx_ing_es_ddmmyyyy_crlf.csv?raw";

// The statement preview and the import with profiles, through the real worker and D1: what the user sees before
// anything is stored, that a re-imported or overlapping statement stores only what is new, and that an unknown
// layout answers with what the column picker needs.

type Activity = { id: string; event_id: string; amount: number | null; merchant: string | null; description: string | null; category: string | null; timestamp: string };

async function signedIn() {
  const client = new TestClient();
  await client.register();
  return client;
}

const post = (client: TestClient, path: string, filename: string, body: BodyInit, query = "") =>
  client.request("POST", `/api/activities/${path}?filename=${encodeURIComponent(filename)}${query}`, { body, headers: { "content-type": "application/octet-stream" } });
const preview = async (client: TestClient, filename: string, body: BodyInit, query = ""): Promise<StatementPreview> => {
  const response = await post(client, "import/preview", filename, body, query);
  expect(response.status).toBe(200);
  return response.json();
};
const upload = async (client: TestClient, filename: string, body: BodyInit, query = ""): Promise<StatementImportResult> => {
  const response = await post(client, "import", filename, body, query);
  expect(response.status).toBe(200);
  return response.json();
};

async function all(client: TestClient): Promise<Activity[]> {
  const page: { activities: Activity[] } = await (await client.request("GET", "/api/activities?limit=200")).json();
  return page.activities;
}

const lines = ING_ES.split(/\r\n/).filter((line) => line.trim());
const [ING_HEADER = ""] = lines;
/** The export's header and the given transaction lines (1-based, as in the file after the header). */
const ingWith = (...rows: number[]) => `${[ING_HEADER, ...rows.map((n) => lines[n] ?? "")].join("\r\n")}\r\n`;

/** A Dutch export Hearth has no preset for: always-positive amounts beside an Af/Bij column, in Windows-1252. */
const DUTCH_HEADER = '"Boekdatum";"Omschrijving";"Tegenpartij";"Af/Bij";"Bedrag";"Saldo na boeking"';
const dutch = (...rows: string[]) => Uint8Array.from([DUTCH_HEADER, ...rows].join("\r\n") + "\r\n", (char) => char.charCodeAt(0));
const DUTCH_LAYOUT: CsvLayout = {
  encoding: "windows-1252",
  delimiter: ";",
  decimal: ",",
  thousands: ".",
  date_order: "DMY",
  header: true,
  skip_lines: 0,
  date: "Boekdatum",
  description: ["Tegenpartij"],
  sign: { kind: "indicator", amount: "Bedrag", indicator: "Af/Bij", debit_values: ["Af"], credit_values: ["Bij"] },
  default_currency: "EUR",
  balance: "Saldo na boeking",
};
const DUTCH_CELLS = ["Boekdatum", "Omschrijving", "Tegenpartij", "Af/Bij", "Bedrag", "Saldo na boeking"];

describe("the statement preview", () => {
  it("shows a real export as it would be stored, stores nothing, and counts it as already there once imported", async () => {
    const client = await signedIn();
    const first = await preview(client, "ing.csv", ING_ES);
    expect(first).toMatchObject({ file: "ing.csv", layout: "preset:ing-es", counts: { found: 10, new: 10, already: 0, refused: 0, skipped: 0 } });
    expect(first.rows).toHaveLength(10);
    expect(first.rows[0]).toMatchObject({ row: 2, status: "new", date: "2022-03-24", amount: 2.83, currency: "EUR", reason: null });
    expect(first.rows[0]?.description).toMatch(/Abono Shopping NARANJA/);
    expect(first.rows.find((row) => row.amount === -1000)).toMatchObject({ date: "2022-07-29", status: "new" });
    // The sum, with every sign, is the file's own amount column's.
    expect(first.rows.reduce((sum, row) => sum + (row.amount ?? 0), 0)).toBeCloseTo(lines.slice(1).reduce((sum, line) => sum + Number(line.split(",")[6]), 0), 2);
    expect(await all(client)).toEqual([]);

    const imported = await upload(client, "ing.csv", ING_ES);
    expect(imported).toMatchObject({ layout: "preset:ing-es", layout_name: expect.stringMatching(/ING/), found: 10, stored: 10, duplicates: 0 });
    const again = await preview(client, "ing.csv", ING_ES);
    expect(again.counts).toEqual({ found: 10, new: 0, already: 10, refused: 0, skipped: 0 });
    expect(again.rows.every((row) => row.status === "already")).toBe(true);
  });

  it("lists a line it cannot read as refused, with its row and reason, among the rest", async () => {
    const client = await signedIn();
    const broken = `${ING_HEADER}\r\n${lines[1]}\r\n31/02/2022,Compras,Compras (otros),Impossible day,,No,-5.00,100.00\r\n${lines[2]}\r\n`;
    const shown = await preview(client, "ing.csv", broken);
    expect(shown.counts).toMatchObject({ found: 3, new: 2, refused: 1 });
    expect(shown.rows.map((row) => [row.row, row.status])).toEqual([
      [2, "new"],
      [3, "refused"],
      [4, "new"],
    ]);
    expect(shown.rows[1]?.reason).toMatch(/date/i);
    const stored = await upload(client, "ing.csv", broken);
    expect(stored).toMatchObject({ stored: 2, refused: [{ row: 3, reason: expect.stringMatching(/date/i) }] });
  });

  it("stores only what is new from an overlapping statement with no transaction ids", async () => {
    const client = await signedIn();
    expect(await upload(client, "jan-jun.csv", ingWith(1, 2, 3, 4, 5, 6))).toMatchObject({ stored: 6 });
    const overlap = ingWith(4, 5, 6, 7, 8, 9, 10);
    expect((await preview(client, "apr-dec.csv", overlap)).counts).toMatchObject({ found: 7, new: 4, already: 3 });
    expect(await upload(client, "apr-dec.csv", overlap)).toMatchObject({ found: 7, stored: 4, duplicates: 3 });
    expect(await all(client)).toHaveLength(10);
  });

  it("shows the category the user gave the merchant before", async () => {
    const client = await signedIn();
    await upload(client, "one.csv", ingWith(5));
    const [row] = await all(client);
    await client.request("PATCH", `/api/activities/${row?.id}`, { json: { category: "eating out" } });
    // The same bar, a later statement's line (another day and balance).
    const later = `${ING_HEADER}\r\n${(lines[5] ?? "").replace("14/05/2022", "21/05/2022").replace("1852.43", "1800.00")}\r\n`;
    const shown = await preview(client, "later.csv", later);
    expect(shown.rows[0]).toMatchObject({ status: "new", category: "eating out" });
  });

  it("opens the picker on an unknown layout, then reads it with the layout chosen and the profile saved", async () => {
    const client = await signedIn();
    const october = dutch('"03-10-2026";"Betaalautomaat";"Albert Heijn 1234";"Af";"23,10";"1.476,90"', '"05-10-2026";"Overschrijving";"Werkgever BV";"Bij";"2.500,00";"3.976,90"');
    const unknown = await preview(client, "october.csv", october);
    expect(unknown).toMatchObject({ layout: "unknown", rows: [], counts: { found: 0, new: 0, already: 0, refused: 0, skipped: 0 } });
    expect(unknown.sniff?.header_cells).toEqual(DUTCH_CELLS);
    expect(unknown.sniff?.layout).toMatchObject({ delimiter: ";" });
    const refused = await post(client, "import", "october.csv", october);
    expect(refused.status).toBe(400);
    const body: { error: { code: string; field: string; details: { sniff: CsvSniff } } } = await refused.json();
    expect(body.error).toMatchObject({ code: "validation_failed", field: "layout" });
    expect(body.error.details.sniff.header_cells).toEqual(DUTCH_CELLS);
    expect(await all(client)).toEqual([]);

    // The picker's answer, previewed, then saved as a profile for the joint account…
    const chosen = await preview(client, "october.csv", october, `&layout=${encodeURIComponent(JSON.stringify(DUTCH_LAYOUT))}`);
    expect(chosen.rows.map((row) => [row.date, row.amount, row.description])).toEqual([
      ["2026-10-03", -23.1, "Albert Heijn 1234"],
      ["2026-10-05", 2500, "Werkgever BV"],
    ]);
    const save: SaveImportProfile = { name: "ING NL joint", account: "Joint", layout: DUTCH_LAYOUT, header_cells: DUTCH_CELLS };
    const { profile }: { profile: ImportProfile } = await (await client.request("PUT", "/api/import-profiles", { json: save })).json();
    expect(await upload(client, "october.csv", october, `&profile=${profile.id}`)).toMatchObject({ layout: `profile:${profile.id}`, stored: 2 });

    // …and the next month's statement is read with it, no questions asked.
    const november = dutch('"03-11-2026";"Betaalautomaat";"Albert Heijn 1234";"Af";"31,45";"3.945,45"');
    const next = await preview(client, "november.csv", november);
    expect(next).toMatchObject({ layout: `profile:${profile.id}`, layout_name: expect.stringContaining("ING NL joint"), counts: { found: 1, new: 1 } });
    expect(await upload(client, "november.csv", november)).toMatchObject({ layout: `profile:${profile.id}`, stored: 1 });
    const rows = await all(client);
    expect(rows.map((row) => row.amount ?? 0).sort((a, b) => a - b)).toEqual([-31.45, -23.1, 2500]);
  });

  it("counts a row stored under an older CSV id as already there, so an overlapping re-import does not double it", async () => {
    const client = await signedIn();
    const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
    // What an import before profiles stored for line 5 (its id named the preset, not today's fingerprint).
    const old = await ingestActivities(env.DB, me.user.id, {
      deviceId: null,
      source: "upload",
      events: [
        {
          event_id: "csv:ing-es:2022-05-14|-17.6|Pago en SPORTS BAR DANI JARQUE S BOI LLOBREGES",
          activity_type: "financial",
          timestamp: "2022-05-14T12:00:00Z",
          application: "Statement ing.csv",
          description: "Pago en SPORTS BAR DANI JARQUE S BOI LLOBREGES",
          details: { amount: -17.6, currency: "EUR", merchant: "Pago en SPORTS BAR DANI JARQUE S BOI LLOBREGES" },
        },
      ],
    });
    expect(old.stored).toBe(1);
    const shown = await preview(client, "ing.csv", ingWith(4, 5, 6));
    expect(shown.counts).toMatchObject({ found: 3, new: 2, already: 1 });
    expect(await upload(client, "ing.csv", ingWith(4, 5, 6))).toMatchObject({ stored: 2, duplicates: 1 });
    expect(await all(client)).toHaveLength(3);
  });

  it("shows the file as the picker's choices split it, also when those choices do not read", async () => {
    const client = await signedIn();
    const body = "Konto;DE12 3456 7890\r\nDatum;Text;Betrag\r\n01.10.2026;Baeckerei;-3,10\r\n02.10.2026;Gehalt;2500,00\r\n";
    const chosen: CsvLayout = { encoding: "utf-8", delimiter: ";", decimal: ",", thousands: "", date_order: "DMY", header: true, skip_lines: 1, date: "Datum", description: ["Text"], sign: { kind: "signed", amount: "Betrag" }, default_currency: "EUR" };
    const shown = await preview(client, "konto.csv", body, `&layout=${encodeURIComponent(JSON.stringify(chosen))}`);
    expect(shown.sniff).toMatchObject({ preamble: ["Konto;DE12 3456 7890"], header_cells: ["Datum", "Text", "Betrag"], rows: [["01.10.2026", "Baeckerei", "-3,10"], ["02.10.2026", "Gehalt", "2500,00"]] });
    expect(shown.rows.map((row) => row.amount)).toEqual([-3.1, 2500]);
    // A column the file does not have (kept from another bank's export): refused, with the file as the choices split
    // it, so the picker shows which columns there are.
    const wrong = await post(client, "import/preview", "konto.csv", body, `&layout=${encodeURIComponent(JSON.stringify({ ...chosen, date: "Buchungstag" }))}`);
    expect(wrong.status).toBe(400);
    const refused: { error: { field: string; message: string; details: { sniff: CsvSniff } } } = await wrong.json();
    expect(refused.error.message).toMatch(/konto\.csv was not imported: .*Buchungstag/);
    expect(refused.error.details.sniff).toMatchObject({ preamble: ["Konto;DE12 3456 7890"], header_cells: ["Datum", "Text", "Betrag"] });
    expect(await all(client)).toEqual([]);
  });

  it("counts years of rows against what is stored in a few queries", async () => {
    const client = await signedIn();
    const body = `Date,Description,Amount\n${Array.from({ length: 4_000 }, (_, i) => `20${String(18 + Math.floor(i / 1000)).padStart(2, "0")}-${String((i % 12) + 1).padStart(2, "0")}-${String((i % 28) + 1).padStart(2, "0")},Shop ${i},-${(i % 97) + 1}.25`).join("\n")}\n`;
    const layout = `&currency=EUR&layout=${encodeURIComponent(JSON.stringify({ ...DUTCH_LAYOUT, encoding: "utf-8", delimiter: ",", decimal: ".", thousands: "", date_order: "YMD", date: "Date", description: ["Description"], sign: { kind: "signed", amount: "Amount" }, balance: undefined }))}`;
    expect(await upload(client, "years.csv", body, layout)).toMatchObject({ found: 4_000, stored: 4_000 });
    const shown = await preview(client, "years.csv", body, layout);
    expect(shown.counts).toEqual({ found: 4_000, new: 0, already: 4_000, refused: 0, skipped: 0 });
    expect(shown.rows).toHaveLength(100);
  }, 90_000);

  it("is for signed-in users only, and keeps the upload limit", async () => {
    expect((await post(new TestClient(), "import/preview", "ing.csv", ING_ES)).status).toBe(401);
    const client = await signedIn();
    const big = await post(client, "import/preview", "huge.csv", new Uint8Array(5 * 1024 * 1024 + 1));
    expect(big.status).toBe(413);
    expect(await errorOf(await post(client, "import/preview", "empty.csv", ""))).toMatchObject({ field: "file" });
  });
});
