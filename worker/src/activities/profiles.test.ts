import { describe, expect, it } from "vitest";
import type { CsvLayout, ImportProfile, ImportProfilesFile, SaveImportProfile } from "#protocol";
import { TestClient, errorOf } from "../../../test/client.ts";
import { importProfilesText } from "../../../relay/src/import-profiles.ts";

// Import profiles through the real worker and D1: saved by name, listed, deleted, exported and imported as a file.

async function signedIn() {
  const client = new TestClient();
  await client.register();
  return client;
}

/** A Dutch export: always-positive amounts beside an Af/Bij column. */
const LAYOUT: CsvLayout = {
  encoding: "windows-1252",
  delimiter: ";",
  decimal: ",",
  thousands: ".",
  date_order: "YMD",
  header: true,
  skip_lines: 0,
  date: "Datum",
  description: ["Naam / Omschrijving", "Mededelingen"],
  sign: { kind: "indicator", amount: "Bedrag (EUR)", indicator: "Af Bij", debit_values: ["Af"], credit_values: ["Bij"] },
  default_currency: "EUR",
};
const HEADER = ["Datum", "Naam / Omschrijving", "Rekening", "Tegenrekening", "Code", "Af Bij", "Bedrag (EUR)", "Mutatiesoort", "Mededelingen"];

const profile = (name: string, extra: Partial<SaveImportProfile> = {}): SaveImportProfile => ({ name, account: null, layout: LAYOUT, header_cells: HEADER, ...extra });

async function list(client: TestClient): Promise<ImportProfile[]> {
  const body: { profiles: ImportProfile[] } = await (await client.request("GET", "/api/import-profiles")).json();
  return body.profiles;
}

describe("import profiles", () => {
  it("saves by name, replaces a profile saved again under its name, and deletes", async () => {
    const client = await signedIn();
    expect(await list(client)).toEqual([]);
    const first = await client.request("PUT", "/api/import-profiles", { json: profile("ING current", { account: "Joint" }) });
    expect(first.status).toBe(200);
    const { profile: saved }: { profile: ImportProfile } = await first.json();
    expect(saved).toMatchObject({ name: "ING current", account: "Joint", layout: LAYOUT, header_cells: HEADER });

    const changed = { ...LAYOUT, skip_lines: 2 };
    const again: { profile: ImportProfile } = await (await client.request("PUT", "/api/import-profiles", { json: profile("ING current", { layout: changed }) })).json();
    expect(again.profile).toMatchObject({ id: saved.id, created_at: saved.created_at, account: null, layout: { skip_lines: 2 } });
    expect(await list(client)).toHaveLength(1);

    expect((await client.request("DELETE", `/api/import-profiles/${saved.id}`)).status).toBe(204);
    expect(await list(client)).toEqual([]);
    const gone = await client.request("DELETE", `/api/import-profiles/${saved.id}`);
    expect(gone.status).toBe(404);
  });

  it("names the field at fault and saves nothing", async () => {
    const client = await signedIn();
    const noName = await client.request("PUT", "/api/import-profiles", { json: { ...profile(""), name: "  " } });
    expect(await errorOf(noName)).toMatchObject({ code: "validation_failed", field: "name" });
    const badSign = await client.request("PUT", "/api/import-profiles", { json: profile("x", { layout: { ...LAYOUT, sign: { kind: "indicator", amount: "Bedrag", indicator: "Af Bij", debit_values: [], credit_values: ["Bij"] } } }) });
    expect(await errorOf(badSign)).toMatchObject({ field: "layout.sign.debit_values" });
    const badCurrency = await client.request("PUT", "/api/import-profiles", { json: profile("x", { layout: { ...LAYOUT, default_currency: "euro" } }) });
    expect(await errorOf(badCurrency)).toMatchObject({ field: "layout.default_currency", message: expect.stringMatching(/3-letter/) });
    expect(await list(client)).toEqual([]);
  });

  it("keeps one profile when the same name is saved many times at once", async () => {
    const client = await signedIn();
    const saves = await Promise.all(Array.from({ length: 8 }, (_, i) => client.request("PUT", "/api/import-profiles", { json: profile("Racy", { account: `A${i}` }) })));
    expect(saves.map((r) => r.status)).toEqual(Array(8).fill(200));
    const ids = new Set(await Promise.all(saves.map(async (r) => ((await r.json()) as { profile: ImportProfile }).profile.id)));
    expect(ids.size).toBe(1);
    expect(await list(client)).toHaveLength(1);
  });

  it("exports a file that imports into another account as the same profiles", async () => {
    const client = await signedIn();
    await client.request("PUT", "/api/import-profiles", { json: profile("ING current", { account: "Joint" }) });
    await client.request("PUT", "/api/import-profiles", { json: profile("Rabobank", { header_cells: ["IBAN/BBAN", "Munt", "Datum", "Bedrag"] }) });
    const download = await client.request("GET", "/api/import-profiles/export");
    expect(download.headers.get("content-disposition")).toBe('attachment; filename="hearth-import-profiles.json"');
    const file: ImportProfilesFile = await download.json();
    expect(file.hearth_import_profiles).toBe(1);
    expect(file.profiles.map((p) => p.name)).toEqual(["ING current", "Rabobank"]);

    const other = await signedIn();
    const imported = await (await other.request("POST", "/api/import-profiles/import", { json: file })).json();
    expect(imported).toEqual({ saved: 2, refused: [] });
    const strip = (profiles: ImportProfile[]) => profiles.map(({ name, account, layout, header_cells }) => ({ name, account, layout, header_cells }));
    expect(strip(await list(other))).toEqual(strip(await list(client)));
  });

  it("imports the good profiles of a file and refuses each bad one by its index and why", async () => {
    const client = await signedIn();
    const file = {
      hearth_import_profiles: 1,
      profiles: [profile("Good"), { ...profile("No date"), layout: { ...LAYOUT, date: "" } }, "not even an object", profile("Twice", { account: "old" }), profile("Twice", { account: "new" })],
    };
    const result = await (await client.request("POST", "/api/import-profiles/import", { json: file })).json();
    expect(result).toEqual({
      saved: 2,
      refused: [
        { index: 1, reason: expect.stringMatching(/^layout\.date: /) },
        { index: 2, reason: expect.any(String) },
        { index: 3, reason: 'a later profile in the file is also named "Twice"' },
      ],
    });
    expect((await list(client)).map((p) => [p.name, p.account])).toEqual([
      ["Good", null],
      ["Twice", "new"],
    ]);
    const wrongFile = await client.request("POST", "/api/import-profiles/import", { json: { profiles: [] } });
    expect(await errorOf(wrongFile)).toMatchObject({ field: "hearth_import_profiles" });
  });

  it("caps the profiles one user keeps, with a clear error, while a save by an existing name still replaces", async () => {
    const client = await signedIn();
    const file = { hearth_import_profiles: 1, profiles: Array.from({ length: 200 }, (_, i) => profile(`Bank ${String(i).padStart(3, "0")}`)) };
    expect(await (await client.request("POST", "/api/import-profiles/import", { json: file })).json()).toEqual({ saved: 200, refused: [] });
    const over = await client.request("PUT", "/api/import-profiles", { json: profile("One more") });
    expect(over.status).toBe(409);
    expect(await errorOf(over)).toMatchObject({ field: "name", message: expect.stringMatching(/200 import profiles.*Delete one/) });
    const replace = await client.request("PUT", "/api/import-profiles", { json: profile("Bank 007", { account: "Savings" }) });
    expect(replace.status).toBe(200);
    const more = await (await client.request("POST", "/api/import-profiles/import", { json: { hearth_import_profiles: 1, profiles: [profile("Extra")] } })).json();
    expect(more).toEqual({ saved: 0, refused: [{ index: 0, reason: expect.stringMatching(/200 import profiles/) }] });
    expect(await list(client)).toHaveLength(200);
  }, 60_000);

  it("refuses a save that would make the set too large for the agent's frame, so the agent never silently misses one", async () => {
    const client = await signedIn();
    // Exports with 100 long header cells each (about 20 KB a profile): the set reaches the frame's budget after a few dozen.
    const wide = (name: string, mark: string): SaveImportProfile => {
      const cells = Array.from({ length: 100 }, (_, i) => `${mark} column ${i} `.padEnd(200, "x"));
      return { name, account: null, layout: { ...LAYOUT, date: cells[0] ?? "", description: [cells[1] ?? ""] }, header_cells: cells };
    };
    let saved = 0;
    let refused: Response | null = null;
    for (let i = 0; i < 60 && !refused; i++) {
      const response = await client.request("PUT", "/api/import-profiles", { json: wide(`Wide ${i}`, `w${i}`) });
      if (response.status === 200) saved++;
      else refused = response;
    }
    expect(saved).toBeGreaterThan(20);
    expect(refused?.status).toBe(409);
    if (refused) expect((await errorOf(refused)).message).toMatch(/would not fit .*agent.*Delete one/);
    // Everything kept reaches the agent in one frame…
    const kept = await list(client);
    expect(kept).toHaveLength(saved);
    expect(importProfilesText(kept).left).toBe(0);
    // …and a profile saved again under its name, or a small new one, still saves.
    expect((await client.request("PUT", "/api/import-profiles", { json: wide("Wide 0", "again") })).status).toBe(200);
    expect((await client.request("PUT", "/api/import-profiles", { json: profile("Small") })).status).toBe(200);
  }, 60_000);

  it("keeps each user's profiles to themselves, and is for signed-in users only", async () => {
    const owner = await signedIn();
    const { profile: saved }: { profile: ImportProfile } = await (await owner.request("PUT", "/api/import-profiles", { json: profile("Mine") })).json();
    const stranger = await signedIn();
    expect(await list(stranger)).toEqual([]);
    expect((await stranger.request("DELETE", `/api/import-profiles/${saved.id}`)).status).toBe(404);
    expect(await list(owner)).toHaveLength(1);
    expect((await new TestClient().request("GET", "/api/import-profiles")).status).toBe(401);
  });
});
