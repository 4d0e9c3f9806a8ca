import { env } from "cloudflare:workers";
import { createScheduledController } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TestClient } from "../../test/client.ts";
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

describe("activity retention and deletion", () => {
  it("the daily cleanup deletes activity past the retention period (365 days by default), and keeps the rest", async () => {
    const client = new TestClient();
    await client.register();
    const now = Date.parse("2026-11-26T03:17:00Z");
    await client.request("POST", "/api/activities", { json: { events: [event("old", now - 400 * DAY), event("recent", now - 30 * DAY), event("edge", now - 364 * DAY)] } });

    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "17 3 * * *" }), env);
    expect(await ids(client)).toEqual(["edge", "recent"]);
    // The search index follows the table.
    expect(((await (await client.request("GET", "/api/activities?q=old")).json()) as { activities: unknown[] }).activities).toEqual([]);
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
