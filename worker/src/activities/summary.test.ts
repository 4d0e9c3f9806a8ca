import { describe, expect, it } from "vitest";
import { TestClient } from "../../test/client.ts";

type Summary = {
  spending: { bucket: string; category: string; currency: string; total: number }[];
  cash_flow: { bucket: string; currency: string; income: number; spending: number }[];
  applications: { bucket: string; count: number }[];
  pipeline: { status: string; count: number }[];
  timeline: { bucket: string; activity_type: string; count: number }[];
};

let n = 0;
const money = (timestamp: string, amount: number, category?: string) => ({
  event_id: `m-${++n}`,
  activity_type: "financial",
  timestamp,
  application: "Bank",
  details: { amount, currency: "EUR", ...(category ? { category } : {}) },
});
const job = (timestamp: string, status?: string) => ({
  event_id: `j-${++n}`,
  activity_type: "job",
  timestamp,
  application: "Chrome",
  details: { company: "Acme", role: "Engineer", ...(status ? { status } : {}) },
});

async function summary(client: TestClient, query: string): Promise<Summary> {
  const response = await client.request("GET", `/api/activities/summary?${query}`);
  expect(response.status).toBe(200);
  return response.json();
}

describe("GET /api/activities/summary", () => {
  it("sums spending by category and cash flow per week and month, counts applications and the pipeline", async () => {
    const client = new TestClient();
    await client.register();
    const events = [
      money("2026-10-05T10:00:00Z", -40, "groceries"), // Monday, week of 10-05
      money("2026-10-07T10:00:00Z", -10.5, "groceries"),
      money("2026-10-08T10:00:00Z", -25), // no category
      money("2026-10-09T10:00:00Z", 2000), // income
      money("2026-10-12T10:00:00Z", -60, "groceries"), // next week
      job("2026-10-06T10:00:00Z"),
      job("2026-10-13T10:00:00Z", "interview"),
      job("2026-10-14T10:00:00Z", "rejected"),
      { event_id: `b-${++n}`, activity_type: "browser", timestamp: "2026-10-06T11:00:00Z", application: "Chrome", details: {} },
    ];
    expect(await (await client.request("POST", "/api/activities", { json: { events } })).json()).toMatchObject({ stored: 9 });

    const weekly = await summary(client, "group=week");
    expect(weekly.spending).toEqual([
      { bucket: "2026-10-05", category: "groceries", currency: "EUR", total: 50.5 },
      { bucket: "2026-10-05", category: "uncategorised", currency: "EUR", total: 25 },
      { bucket: "2026-10-12", category: "groceries", currency: "EUR", total: 60 },
    ]);
    expect(weekly.cash_flow).toEqual([
      { bucket: "2026-10-05", currency: "EUR", income: 2000, spending: 75.5 },
      { bucket: "2026-10-12", currency: "EUR", income: 0, spending: 60 },
    ]);
    expect(weekly.applications).toEqual([
      { bucket: "2026-10-05", count: 1 },
      { bucket: "2026-10-12", count: 2 },
    ]);
    expect(Object.fromEntries(weekly.pipeline.map((p) => [p.status, p.count]))).toEqual({ applied: 1, interview: 1, rejected: 1 });
    expect(weekly.timeline.find((t) => t.bucket === "2026-10-05" && t.activity_type === "browser")?.count).toBe(1);

    const monthly = await summary(client, "group=month");
    expect(monthly.cash_flow).toEqual([{ bucket: "2026-10", currency: "EUR", income: 2000, spending: 135.5 }]);

    // A range and the viewer's time zone: 23:30 UTC on the 11th is already the 12th in UTC+2.
    await client.request("POST", "/api/activities", { json: { events: [money("2026-10-11T23:30:00Z", -5, "snacks")] } });
    const local = await summary(client, `group=day&tz_offset=120&from=${Date.parse("2026-10-11T00:00:00Z")}`);
    expect(local.spending.find((s) => s.category === "snacks")?.bucket).toBe("2026-10-12");
    expect(local.spending.every((s) => s.bucket >= "2026-10-11")).toBe(true);
  });

  it("validates its query and sees only the user's own rows", async () => {
    const client = new TestClient();
    await client.register();
    expect((await client.request("GET", "/api/activities/summary?group=year")).status).toBe(400);
    const empty = await summary(client, "group=day");
    expect(empty).toMatchObject({ spending: [], cash_flow: [], applications: [], pipeline: [], timeline: [] });
  });
});
