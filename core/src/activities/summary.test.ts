import { describe, expect, it } from "vitest";
import { TestClient } from "../../../test/client.ts";

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

  it("counts every row inside an inclusive range once, in every part, per currency and per type", async () => {
    const client = new TestClient();
    await client.register();
    const usd = (timestamp: string, amount: number, category: string) => ({ ...money(timestamp, amount, category), details: { amount, currency: "USD", category } });
    const plain = (activity_type: string, timestamp: string) => ({ event_id: `${activity_type}-${++n}`, activity_type, timestamp, application: "Finder", details: {} });
    const events = [
      money("2026-10-04T23:59:59.999Z", -99, "groceries"), // 1 ms before the range
      money("2026-10-05T00:00:00.000Z", -10, "groceries"), // the first instant in it
      usd("2026-10-06T12:00:00Z", -7, "groceries"),
      money("2026-10-06T12:00:00Z", 3000, "salary"), // income only: cash flow, never spending
      usd("2026-10-13T08:00:00Z", 50, "refund"),
      job("2026-10-07T09:00:00Z", "offer"),
      job("2026-10-14T09:00:00Z"),
      plain("browser", "2026-10-08T10:00:00Z"),
      plain("system", "2026-10-08T11:00:00Z"),
      plain("other", "2026-10-15T11:00:00Z"),
      money("2026-10-18T23:59:59.999Z", -20, "groceries"), // the last instant in it
      job("2026-10-19T00:00:00.000Z", "rejected"), // 1 ms after it
    ];
    expect(await (await client.request("POST", "/api/activities", { json: { events } })).json()).toMatchObject({ stored: events.length });

    const range = `from=${Date.parse("2026-10-05T00:00:00Z")}&to=${Date.parse("2026-10-18T23:59:59.999Z")}`;
    const weekly = await summary(client, `group=week&${range}`);
    expect(weekly.spending).toEqual([
      { bucket: "2026-10-05", category: "groceries", currency: "EUR", total: 10 },
      { bucket: "2026-10-05", category: "groceries", currency: "USD", total: 7 },
      { bucket: "2026-10-12", category: "groceries", currency: "EUR", total: 20 },
    ]);
    expect(weekly.cash_flow).toEqual([
      { bucket: "2026-10-05", currency: "EUR", income: 3000, spending: 10 },
      { bucket: "2026-10-05", currency: "USD", income: 0, spending: 7 },
      { bucket: "2026-10-12", currency: "EUR", income: 0, spending: 20 },
      { bucket: "2026-10-12", currency: "USD", income: 50, spending: 0 },
    ]);
    expect(weekly.applications).toEqual([
      { bucket: "2026-10-05", count: 1 },
      { bucket: "2026-10-12", count: 1 },
    ]);
    expect(weekly.pipeline).toEqual([
      { status: "applied", count: 1 },
      { status: "offer", count: 1 },
    ]);
    expect(weekly.timeline).toEqual([
      { bucket: "2026-10-05", activity_type: "browser", count: 1 },
      { bucket: "2026-10-05", activity_type: "financial", count: 3 },
      { bucket: "2026-10-05", activity_type: "job", count: 1 },
      { bucket: "2026-10-05", activity_type: "system", count: 1 },
      { bucket: "2026-10-12", activity_type: "financial", count: 2 },
      { bucket: "2026-10-12", activity_type: "job", count: 1 },
      { bucket: "2026-10-12", activity_type: "other", count: 1 },
    ]);

    // Open at either end: everything up to `to`, and everything from `from` on.
    const until = await summary(client, `group=month&to=${Date.parse("2026-10-04T23:59:59.999Z")}`);
    expect(until.timeline).toEqual([{ bucket: "2026-10", activity_type: "financial", count: 1 }]);
    const since = await summary(client, `group=month&from=${Date.parse("2026-10-19T00:00:00Z")}`);
    expect(since.timeline).toEqual([{ bucket: "2026-10", activity_type: "job", count: 1 }]);
    expect(since.pipeline).toEqual([{ status: "rejected", count: 1 }]);
  });

  it("validates its query and sees only the user's own rows", async () => {
    // Someone else's rows, made here: rows other tests left behind may not be there to be left out.
    const stranger = new TestClient();
    await stranger.register();
    const theirs = [money("2026-10-05T10:00:00Z", -40, "groceries"), money("2026-10-06T10:00:00Z", 900), job("2026-10-06T10:00:00Z", "interview")];
    expect(await (await stranger.request("POST", "/api/activities", { json: { events: theirs } })).json()).toMatchObject({ stored: 3 });
    expect((await summary(stranger, "group=day")).timeline).toHaveLength(3);

    const client = new TestClient();
    await client.register();
    expect((await client.request("GET", "/api/activities/summary?group=year")).status).toBe(400);
    const empty = await summary(client, "group=day");
    expect(empty).toMatchObject({ spending: [], cash_flow: [], applications: [], pipeline: [], timeline: [] });
    await client.request("POST", "/api/activities", { json: { events: [money("2026-10-05T12:00:00Z", -3, "coffee")] } });
    const mine = await summary(client, "group=day");
    expect(mine.spending).toEqual([{ bucket: "2026-10-05", category: "coffee", currency: "EUR", total: 3 }]);
    expect(mine.pipeline).toEqual([]);
  });
});
