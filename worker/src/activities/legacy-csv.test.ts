import { describe, expect, it } from "vitest";
import { TestClient } from "../../../test/client.ts";

// Rows stored before issue 19 kept ids of the form `csv:<preset>:…`. A statement read after the upgrade (the web
// upload, the agent's statements folder, POST /api/activities) must not store those transactions a second time,
// and must still store every real new one.

type Activity = { event_id: string; amount: number | null; description: string | null; merchant: string | null };
type Ingested = { stored: number; duplicates: number; rejected: unknown[] };

async function signedIn() {
  const client = new TestClient();
  await client.register();
  return client;
}

/** A CSV row as an importer makes it; `merchant` as a preset with a separate name column reads it. */
const row = (eventId: string, day: string, amount: number, description: string, merchant = description) => ({
  event_id: eventId,
  activity_type: "financial",
  timestamp: `2025-${day}T12:00:00.000Z`,
  application: "Statement bank.csv",
  description,
  details: { amount, currency: "EUR", merchant },
});

async function ingest(client: TestClient, events: unknown[]): Promise<Ingested> {
  const response = await client.request("POST", "/api/activities", { json: { events } });
  expect(response.status).toBe(200);
  return response.json();
}

async function all(client: TestClient): Promise<Activity[]> {
  const page: { activities: Activity[] } = await (await client.request("GET", "/api/activities?limit=200")).json();
  return page.activities;
}

describe("rows stored under the CSV ids before issue 19", () => {
  it("are not doubled by a statement that arrives through POST /api/activities (the agent's way in)", async () => {
    const client = await signedIn();
    const before = await ingest(client, [
      row("csv:dkb:aaa", "03-01", -850, "Miete Wohnung"),
      row("csv:dkb:bbb", "03-02", -3.2, "Baeckerei Mueller"),
    ]);
    expect(before.stored).toBe(2);
    // The same two and a new one, with today's fingerprints.
    const after = await ingest(client, [
      row("csv:1111", "03-01", -850, "Miete Wohnung"),
      row("csv:2222", "03-02", -3.2, "Baeckerei Mueller"),
      row("csv:3333", "03-03", -12, "Kino"),
    ]);
    expect(after).toEqual({ stored: 1, duplicates: 2, rejected: [] });
    expect((await all(client)).map((a) => a.event_id).sort()).toEqual(["csv:3333", "csv:dkb:aaa", "csv:dkb:bbb"]);
  });

  it("absorb only as many identical new rows as there are old ones, so a second real coffee is stored", async () => {
    const client = await signedIn();
    expect((await ingest(client, [row("csv:dkb:c1", "04-05", -3.2, "Cafe Central")])).stored).toBe(1);
    const twoCoffees = [row("csv:aaaa", "04-05", -3.2, "Cafe Central"), row("csv:bbbb", "04-05", -3.2, "Cafe Central")];
    expect(await ingest(client, twoCoffees)).toEqual({ stored: 1, duplicates: 1, rejected: [] });
    // Sent again (the agent retries, or the file is dropped in twice), nothing more is stored.
    expect(await ingest(client, twoCoffees)).toEqual({ stored: 0, duplicates: 2, rejected: [] });
    const coffees = (await all(client)).filter((a) => a.description === "Cafe Central");
    expect(coffees).toHaveLength(2);
  });

  it("match by the description, so a preset that now reads a separate merchant column still finds them", async () => {
    const client = await signedIn();
    // Old rows copied the description into the merchant.
    expect((await ingest(client, [row("csv:ing-nl:x", "05-07", -31.45, "Albert Heijn 1234 Amsterdam")])).stored).toBe(1);
    const now = await ingest(client, [row("csv:cccc", "05-07", -31.45, "Albert Heijn 1234 Amsterdam", "Albert Heijn")]);
    expect(now).toEqual({ stored: 0, duplicates: 1, rejected: [] });
    // Another day, amount or description is another transaction.
    const others = await ingest(client, [
      row("csv:dddd", "05-08", -31.45, "Albert Heijn 1234 Amsterdam"),
      row("csv:eeee", "05-07", -31.46, "Albert Heijn 1234 Amsterdam"),
      row("csv:ffff", "05-07", -31.45, "Jumbo Amsterdam"),
    ]);
    expect(others).toEqual({ stored: 3, duplicates: 0, rejected: [] });
  });

  it("leave rows with a bank's own id (csv:id:…) and other users' rows alone", async () => {
    const client = await signedIn();
    expect((await ingest(client, [row("csv:id:TX-9", "06-01", -9.99, "Netflix")])).stored).toBe(1);
    expect(await ingest(client, [row("csv:gggg", "06-01", -9.99, "Netflix")])).toEqual({ stored: 1, duplicates: 0, rejected: [] });
    const other = await signedIn();
    expect((await ingest(other, [row("csv:dkb:n", "06-02", -9.99, "Netflix")])).stored).toBe(1);
    expect(await ingest(client, [row("csv:hhhh", "06-02", -9.99, "Netflix")])).toEqual({ stored: 1, duplicates: 0, rejected: [] });
  });
});
