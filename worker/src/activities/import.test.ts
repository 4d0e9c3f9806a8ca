import { describe, expect, it } from "vitest";
import type { CsvLayout, StatementImportResult } from "#protocol";
import { TestClient, errorOf } from "../../../test/client.ts";

// Statement uploads (the web app's "Import a statement") and applications added by hand, through the real worker
// and D1. The importers themselves (core/src/importers) are tested on the real-world fixtures in Node; here: that they run
// in workerd, and what the API answers.

type Activity = { id: string; event_id: string; amount: number | null; currency: string | null; merchant: string | null; description: string | null; category: string | null; company: string | null; role: string | null; job_status: string | null; url: string | null; tags: string[]; source: string; timestamp: string };

async function signedIn() {
  const client = new TestClient();
  await client.register();
  return client;
}

type ImportResult = StatementImportResult;
type Json = Record<string, unknown>;

const upload = (client: TestClient, filename: string, body: BodyInit, query = "") =>
  client.request("POST", `/api/activities/import?filename=${encodeURIComponent(filename)}${query}`, { body, headers: { "content-type": "application/octet-stream" } });

async function all(client: TestClient, query = ""): Promise<Activity[]> {
  const response = await client.request("GET", `/api/activities?limit=200${query}`);
  const page: { activities: Activity[] } = await response.json();
  return page.activities;
}

const SGML_OFX = `OFXHEADER:100
DATA:OFXSGML
VERSION:102

<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR
<BANKACCTFROM><BANKID>1<ACCTID>DE-4411<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261003<TRNAMT>-12.40<FITID>A1<NAME>Caf\xe9 M\xfcller</STMTTRN>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261005120000[+1:CET]<TRNAMT>2500.00<FITID>A2<NAME>Salary</STMTTRN>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261399<TRNAMT>-3.00<FITID>A3<NAME>Impossible date</STMTTRN>
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
`;

/** The column picker's answer for a plain Date / Description / Amount export (comma-separated, ISO dates). */
const PLAIN: CsvLayout = {
  encoding: "utf-8",
  delimiter: ",",
  decimal: ".",
  thousands: "",
  date_order: "YMD",
  header: true,
  skip_lines: 0,
  date: "Date",
  description: ["Description"],
  sign: { kind: "signed", amount: "Amount" },
};
const layoutParam = (layout: CsvLayout) => `&layout=${encodeURIComponent(JSON.stringify(layout))}`;
const COLUMNS = layoutParam(PLAIN);

/** The text as Windows-1252 bytes (every character here is below U+0100), as a European bank would export it. */
const cp1252 = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));

describe("statement upload", () => {
  it("imports an SGML OFX in Latin-1, refuses its bad row with a reason, and stores each transaction once", async () => {
    const client = await signedIn();
    const response = await upload(client, "october.ofx", cp1252(SGML_OFX));
    expect(response.status).toBe(200);
    const result: ImportResult = await response.json();
    expect(result).toMatchObject({ file: "october.ofx", layout: "ofx", found: 3, stored: 2, duplicates: 0 });
    expect(result.accounts).toEqual([{ id: "DE-4411", kind: "bank", currency: "EUR", transactions: 2 }]);
    expect(result.refused).toEqual([{ row: 3, reason: expect.stringMatching(/date/i) }]);

    const rows = await all(client);
    expect(rows.map((row) => [row.description, row.amount, row.currency, row.source]).sort()).toEqual([
      ["Café Müller", -12.4, "EUR", "upload"],
      ["Salary", 2500, "EUR", "upload"],
    ]);
    const again = await (await upload(client, "october-again.ofx", cp1252(SGML_OFX))).json();
    expect(again).toMatchObject({ stored: 0, duplicates: 2 });
    expect(await all(client)).toHaveLength(2);
  });

  it("gives a CSV a per-line report and imports the good lines, with the currency asked for", async () => {
    const client = await signedIn();
    const csv = "Date,Description,Amount\n2026-10-01,Corner grocer,-23.10\n2026-13-45,Broken,-1\n2026-10-02,Corner grocer,-5.00\n2026-10-03,Refund,abc\n";
    const result: ImportResult = await (await upload(client, "export.csv", csv, `&currency=GBP${COLUMNS}`)).json();
    expect(result).toMatchObject({ stored: 2, found: 4 });
    expect(result.refused.map((r) => r.row)).toEqual([3, 5]);
    expect(result.refused.map((r) => r.reason).join(" ")).toMatch(/date/i);
    expect((await all(client)).map((row) => row.currency)).toEqual(["GBP", "GBP"]);
  });

  it("accounts for every line of a CSV: stored, already there, refused or skipped, each by its line", async () => {
    const client = await signedIn();
    const csv = "Date,Description,Amount\n2026-10-01,Corner grocer,-23.10\nnot a date,BROKEN ROW,abc\n2026-10-02,Bakery,-3.20\nExported by My Bank\n";
    const result: ImportResult = await (await upload(client, "export.csv", csv, `&currency=EUR${COLUMNS}`)).json();
    expect(result).toMatchObject({ found: 3, stored: 2, duplicates: 0 });
    expect(result.refused).toEqual([{ row: 3, reason: expect.stringMatching(/not a date/) }]);
    expect(result.skipped).toEqual([{ row: 5, reason: expect.any(String) }]);
    const again: ImportResult = await (await upload(client, "export.csv", csv, `&currency=EUR${COLUMNS}`)).json();
    expect(again).toMatchObject({ stored: 0, duplicates: 2, refused: [{ row: 3 }] });
  });

  it("imports exports whose dates carry a time of day, or are 8 digits in quoted semicolon-separated fields", async () => {
    const client = await signedIn();
    const timed = "Date,Description,Amount\n2021-09-05 11:32:41,Coffee,-3.50\n2021-09-06 08:01:12,Lunch,-12.00\n2021-09-07 19:45:00,Salary,1500.00\n";
    const first: ImportResult = await (await upload(client, "timed.csv", timed, `&currency=EUR${COLUMNS}`)).json();
    expect(first).toMatchObject({ found: 3, stored: 3, refused: [], skipped: [] });
    const compact = '"Date";"Description";"Amount"\n"20200213";"Rent";"-850,00"\n"20200214";"Salary";"2.400,00"\n"20200215";"Groceries";"-54,20"\n';
    const columns = layoutParam({ ...PLAIN, delimiter: ";", decimal: ",", thousands: "." });
    const second: ImportResult = await (await upload(client, "compact.csv", compact, `&currency=EUR${columns}`)).json();
    expect(second).toMatchObject({ found: 3, stored: 3, refused: [], skipped: [] });
    const rows = await all(client);
    expect(rows.map((row) => [row.timestamp.slice(0, 10), row.amount]).sort()).toEqual([
      ["2020-02-13", -850],
      ["2020-02-14", 2400],
      ["2020-02-15", -54.2],
      ["2021-09-05", -3.5],
      ["2021-09-06", -12],
      ["2021-09-07", 1500],
    ]);
  });

  it("files a merchant under the category the user last gave it", async () => {
    const client = await signedIn();
    const csv = (day: string) => `Date,Description,Amount\n2026-10-${day},Corner grocer,-23.10\n`;
    await upload(client, "one.csv", csv("01"), `&currency=USD${COLUMNS}`);
    const [first] = await all(client);
    expect(first?.category).toBeNull();
    // The CSV presets file the description as the merchant too; the user corrects it once…
    await client.request("PATCH", `/api/activities/${first?.id}`, { json: { category: "groceries" } });
    await upload(client, "two.csv", csv("09"), `&currency=USD${COLUMNS}`);
    // …and the next statement's row from the same merchant arrives filed.
    const rows = await all(client);
    expect(rows.map((row) => row.category)).toEqual(["groceries", "groceries"]);
  });

  it("refuses what it cannot read, with the reason, and stores nothing", async () => {
    const client = await signedIn();
    const notOfx = await upload(client, "notes.ofx", "just some notes");
    expect(notOfx.status).toBe(400);
    expect((await errorOf(notOfx)).message).toMatch(/notes\.ofx was not imported: .*OFX/);
    const pdf = await upload(client, "statement.pdf", "%PDF-1.7");
    expect(pdf.status).toBe(400);
    expect(await errorOf(pdf)).toMatchObject({ field: "filename", message: expect.stringMatching(/\.ofx, \.qfx and \.csv/) });
    const wrongColumns = await upload(client, "export.csv", "Date,Amount\n2026-10-01,5\n", COLUMNS);
    expect(wrongColumns.status).toBe(400);
    expect((await errorOf(wrongColumns)).message).toMatch(/Description/);
    const badLayout = await upload(client, "export.csv", "Date,Amount\n", `&layout=${encodeURIComponent('{"date":"Date"}')}`);
    expect(await errorOf(badLayout)).toMatchObject({ field: expect.stringMatching(/^layout\./) });
    const notJson = await upload(client, "export.csv", "Date,Amount\n", "&layout=%7Bnope");
    expect(await errorOf(notJson)).toMatchObject({ field: "layout", message: expect.stringMatching(/not JSON/) });
    const noProfile = await upload(client, "export.csv", "Date,Amount\n", "&profile=nope");
    expect(await errorOf(noProfile)).toMatchObject({ field: "profile" });
    const empty = await upload(client, "empty.csv", "");
    expect((await errorOf(empty)).message).toMatch(/empty/);
    const big = await upload(client, "huge.csv", new Uint8Array(5 * 1024 * 1024 + 1));
    expect(big.status).toBe(413);
    expect(await all(client)).toEqual([]);
  });

  it("takes a statement over the usual 1 MiB body limit", async () => {
    const client = await signedIn();
    const memo = "card payment at terminal 0042 reference ".padEnd(170, "x");
    const lines = Array.from({ length: 6_000 }, (_, i) => `2026-09-${String((i % 28) + 1).padStart(2, "0")},Shop ${i} ${memo},-${(i % 97) + 1}.25`);
    const body = `Date,Description,Amount\n${lines.join("\n")}\n`;
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const result: ImportResult = await (await upload(client, "year.csv", body, `&currency=USD${COLUMNS}`)).json();
    expect(result).toMatchObject({ found: 6_000, stored: 6_000, refused: [] });
  }, 60_000);

  it("is for signed-in users only", async () => {
    const response = await upload(new TestClient(), "october.ofx", cp1252(SGML_OFX));
    expect(response.status).toBe(401);
  });
});

describe("applications added by hand", () => {
  it("adds one, then moves it through the pipeline", async () => {
    const client = await signedIn();
    const response = await client.request("POST", "/api/activities/applications", {
      json: { company: "Acme", role: "Staff Engineer", url: "https://jobs.acme.example/42", applied_on: "2026-10-14", notes: "Referred by Sam" },
    });
    expect(response.status).toBe(201);
    const { activity }: { activity: Activity } = await response.json();
    expect(activity).toMatchObject({ company: "Acme", role: "Staff Engineer", job_status: "applied", url: "https://jobs.acme.example/42", tags: ["manual"], source: "manual", timestamp: "2026-10-14T12:00:00.000Z" });
    const moved = await client.request("PATCH", `/api/activities/${activity.id}`, { json: { job_status: "interview" } });
    const after: { activity: Activity } = await moved.json();
    expect(after.activity.job_status).toBe("interview");
    const summary: Json = await (await client.request("GET", "/api/activities/summary")).json();
    expect(summary.pipeline).toEqual([{ status: "interview", count: 1 }]);
  });

  it("says which field is missing or wrong", async () => {
    const client = await signedIn();
    const noRole = await client.request("POST", "/api/activities/applications", { json: { company: "Acme" } });
    expect(await errorOf(noRole)).toMatchObject({ field: "role" });
    const badUrl = await client.request("POST", "/api/activities/applications", { json: { company: "Acme", role: "Dev", url: "acme dot com" } });
    expect(await errorOf(badUrl)).toMatchObject({ field: "url", message: expect.stringMatching(/web address/) });
    const badDate = await client.request("POST", "/api/activities/applications", { json: { company: "Acme", role: "Dev", applied_on: "14/10/2026" } });
    expect(await errorOf(badDate)).toMatchObject({ field: "applied_on" });
    expect(await all(client)).toEqual([]);
  });
});
