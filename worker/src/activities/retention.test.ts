import { env } from "cloudflare:workers";
import { createScheduledController } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TestClient, errorOf } from "../../../test/client.ts";
import worker from "../index.ts";

const DAY = 24 * 60 * 60_000;
const event = (id: string, at: number) => ({
  event_id: id,
  activity_type: "other",
  timestamp: new Date(at).toISOString(),
  application: "Test",
  description: `event ${id}`,
  details: {},
});

async function ids(client: TestClient): Promise<string[]> {
  const page: { activities: { event_id: string }[] } = await (await client.request("GET", "/api/activities")).json();
  return page.activities.map((a) => a.event_id).sort();
}

const COLUMNS = encodeURIComponent(JSON.stringify({ encoding: "utf-8", delimiter: ",", decimal: ".", thousands: "", date_order: "YMD", header: true, skip_lines: 0, date: "Date", description: ["Description"], sign: { kind: "signed", amount: "Amount" } }));

/** Imports a statement of past years through the web app's upload, and adds an application by hand. */
async function importHistory(client: TestClient) {
  const csv = "Date,Description,Amount\n2010-03-01,Old car,-9000.00\n2019-07-14,Old sofa,-1800.00\n";
  const upload = await client.request("POST", `/api/activities/import?filename=history.csv&currency=USD&layout=${COLUMNS}`, { body: csv, headers: { "content-type": "application/octet-stream" } });
  expect(await upload.json()).toMatchObject({ stored: 2 });
  const added = await client.request("POST", "/api/activities/applications", { json: { company: "Acme", role: "Engineer", applied_on: "2014-05-02" } });
  expect(added.status).toBe(201);
}

const cron = (at: number) => worker.scheduled(createScheduledController({ scheduledTime: at, cron: "17 3 * * *" }), env);

describe("activity retention and deletion", () => {
  it("counts a row's age from when it was stored, and keeps imported statements and applications added by hand", async () => {
    const client = new TestClient();
    await client.register();
    const now = Date.now();
    await client.request("POST", "/api/activities", { json: { events: [event("old", now - 400 * DAY), event("recent", now - 30 * DAY)] } });
    await importHistory(client);
    const everything = await ids(client);
    expect(everything).toHaveLength(5);

    // The next night: everything was stored a day ago, however old its own date.
    await cron(now + DAY);
    expect(await ids(client)).toEqual(everything);

    // A year on: what listeners and tools recorded has had its 365 days; statements and manual entries stay.
    await cron(now + 366 * DAY);
    const left = await ids(client);
    expect(left).toHaveLength(3);
    expect(left).not.toContain("old");
    expect(left).not.toContain("recent");
    // The search index follows the table.
    expect(((await (await client.request("GET", "/api/activities?q=recent")).json()) as { activities: unknown[] }).activities).toEqual([]);
  });

  it("follows the periods each user sets per kind, in days from when a row was stored", async () => {
    const alice = new TestClient();
    await alice.register();
    const bob = new TestClient();
    await bob.register();
    expect(await (await alice.request("GET", "/api/activities/retention")).json()).toEqual({ statements: null, manual: null, recorded: 365 });
    const now = Date.now();
    for (const client of [alice, bob]) {
      await client.request("POST", "/api/activities", { json: { events: [event("listened", now)] } });
      await importHistory(client);
    }
    const saved = await alice.request("PUT", "/api/activities/retention", { json: { statements: 30, recorded: null } });
    expect(await saved.json()).toEqual({ statements: 30, manual: null, recorded: null });

    await cron(now + 29 * DAY);
    expect(await ids(alice)).toHaveLength(4);
    await cron(now + 400 * DAY);
    // Alice: her statements went after 30 days; what she chose to keep stayed. Bob's defaults: only the recorded row went.
    expect(await ids(alice)).toEqual(["listened", expect.stringMatching(/^manual:/)]);
    const bobs = await ids(bob);
    expect(bobs).toHaveLength(3);
    expect(bobs).not.toContain("listened");

    const bad = await alice.request("PUT", "/api/activities/retention", { json: { recorded: 0 } });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toMatch(/1 day or more/);
  });

  it("deletes all of one user's activity on request, and nobody else's", async () => {
    const alice = new TestClient();
    await alice.register();
    const bob = new TestClient();
    await bob.register();
    await alice.request("POST", "/api/activities", { json: { events: [event("a1", Date.now()), event("a2", Date.now())] } });
    await bob.request("POST", "/api/activities", { json: { events: [event("b1", Date.now())] } });
    const response = await alice.request("DELETE", "/api/activities");
    expect(await response.json()).toEqual({ deleted: 2 });
    expect(await ids(alice)).toEqual([]);
    expect(await ids(bob)).toEqual(["b1"]);
  });
});
