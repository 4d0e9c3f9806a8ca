import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TestClient } from "../../../../test/client.ts";
import { ingestActivities } from "../../activities/ingest.ts";
import type { ListAsk } from "./ask.ts";
import { activityAnswer } from "./answer.ts";
import { activitySource, hasActivity, lookUpActivity } from "./index.ts";
import type { Clock } from "./period.ts";

// Activity questions against a real D1 with the real migrations: what is counted, what is cited, whose rows
// (never another user's), and that the dashboard link's filters give back the same rows through the real API.

/** Wednesday 14 October 2026, noon UTC; days in UTC (a chat turn does not know the browser's zone). */
const CLOCK: Clock = { now: Date.parse("2026-10-14T12:00:00Z"), tzOffsetMinutes: null };
const SEPTEMBER = { from: Date.parse("2026-09-01T00:00:00Z"), to: Date.parse("2026-10-01T00:00:00Z") - 1 };
const OCTOBER = { from: Date.parse("2026-10-01T00:00:00Z"), to: Date.parse("2026-11-01T00:00:00Z") - 1 };

let n = 0;
const money = (day: string, amount: number, merchant: string, category?: string, description?: string) => ({
  event_id: `m-${++n}`,
  activity_type: "financial",
  timestamp: `${day}T10:00:00Z`,
  application: "Bank statement",
  ...(description ? { description } : {}),
  details: { amount, currency: "EUR", merchant, ...(category ? { category } : {}) },
});
const job = (day: string, company: string, role: string, status?: string) => ({
  event_id: `j-${++n}`,
  activity_type: "job",
  timestamp: `${day}T10:00:00Z`,
  application: "Chrome",
  details: { company, role, ...(status ? { status } : {}) },
});

/** A registered user (so the real API can be asked too) holding `events`. */
async function userWith(events: unknown[]): Promise<{ client: TestClient; userId: string }> {
  const client = new TestClient();
  const { email } = await client.register();
  const user = await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>();
  if (!user) throw new Error("the registered user is not in D1");
  const result = await ingestActivities(env.DB, user.id, { deviceId: null, source: "api", events });
  expect(result.rejected).toEqual([]);
  return { client, userId: user.id };
}

const ALICE = [
  money("2026-09-03", -40, "Lidl", "Groceries"),
  money("2026-09-20", -12.5, "Rewe", "Groceries"),
  money("2026-09-25", -99.99, "Amazon", "Shopping", "AMAZON MKTPLACE order 114-22"),
  money("2026-09-30", 2000, "Employer", "Salary"),
  money("2026-10-02", -25, "Amazon", "Shopping"),
  money("2026-10-05", 25, "Amazon", "Shopping", "Refund"),
  money("2026-10-12", -5, "Blue Bottle", "Eating out"),
  money("2026-10-13", -300, "Ikea", "Home"),
  job("2026-09-15", "Initech", "Analyst", "rejected"),
  job("2026-10-03", "Acme", "Engineer"),
  job("2026-10-10", "Globex", "Designer", "interview"),
];
/** Someone else, with rows that would match every question above. */
const BOB = [money("2026-09-10", -1000, "SecretShop", "Groceries"), money("2026-10-02", -500, "Amazon", "Shopping"), job("2026-10-04", "Umbrella", "Spy")];

/** The rows GET /api/activities gives for the link's query: what the dashboard would list. */
async function dashboardRows(client: TestClient, link: string): Promise<string[]> {
  const query = link.replace(/^\/dashboard\??/, "");
  const response = await client.request("GET", `/api/activities?${query}&limit=200`);
  expect(response.status).toBe(200);
  const body: { activities: { id: string }[] } = await response.json();
  return body.activities.map((row) => row.id).sort();
}

describe("activity lookups", () => {
  it("totals spending on a category over last month, cites the rows, and links to the same filters", async () => {
    const alice = await userWith(ALICE);
    await userWith(BOB);
    const ask: ListAsk = { kind: "spending", about: "groceries", period: "last_month" };
    const found = await lookUpActivity(env.DB, alice.userId, ask, CLOCK);

    expect(found.topic).toEqual({ as: "category", value: "Groceries" });
    expect(found.filters).toEqual({ type: "financial", category: "Groceries", ...SEPTEMBER, max_amount: -0.01 });
    expect(found.matched).toBe(2);
    expect(found.money).toEqual([{ currency: "EUR", count: 2, spent: 52.5, received: 0 }]);
    expect(found.rows.map((row) => row.merchant)).toEqual(["Rewe", "Lidl"]);

    const answer = activityAnswer(found, CLOCK.tzOffsetMinutes);
    const link = `/dashboard?type=financial&category=Groceries&from=${SEPTEMBER.from}&to=${SEPTEMBER.to}&max_amount=-0.01&group=day`;
    expect(answer).toBe(
      [
        "You spent **€52.50** on Groceries last month (September 2026), across 2 purchases.",
        "| Date | What | Category | Spent |\n| --- | --- | --- | --- |\n| 2026-09-20 | Rewe | Groceries | €12.50 |\n| 2026-09-03 | Lidl | Groceries | €40.00 |",
        `[Open in dashboard](${link}) · _Days are counted in UTC._`,
      ].join("\n\n"),
    );
    expect(await dashboardRows(alice.client, link)).toEqual(found.rows.map((row) => row.id).sort());
  });

  it("searches merchants it has no category for, counting only money spent", async () => {
    const alice = await userWith(ALICE);
    await userWith(BOB);
    const found = await lookUpActivity(env.DB, alice.userId, { kind: "purchases", order: "recent", about: "Amazon" }, CLOCK);

    expect(found.filters).toEqual({ type: "financial", max_amount: -0.01, q: "Amazon" });
    expect(found.rows.map((row) => [row.timestamp, row.amount])).toEqual([["2026-10-02T10:00:00Z", -25], ["2026-09-25T10:00:00Z", -99.99]]);
    const answer = activityAnswer(found, null);
    expect(answer).toMatch(/^You made 2 purchases matching “Amazon”\. \*\*€124\.99\*\* in all\./);
    expect(answer).not.toContain("SecretShop");
    expect(answer).not.toContain("€500");
    expect(answer).not.toContain("UTC"); // no period, so no days were counted
    expect(await dashboardRows(alice.client, "/dashboard?type=financial&max_amount=-0.01&q=Amazon")).toEqual(found.rows.map((row) => row.id).sort());
  });

  it("lists the biggest purchases of a period, biggest first, and says how many there were", async () => {
    const alice = await userWith(ALICE);
    const found = await lookUpActivity(env.DB, alice.userId, { kind: "purchases", order: "amount", period: "this_month", limit: 2 }, CLOCK);
    expect(found.rows.map((row) => [row.merchant, row.amount])).toEqual([["Ikea", -300], ["Amazon", -25]]);
    const answer = activityAnswer(found, null);
    expect(answer).toContain("Your 2 biggest purchases this month (October 2026), out of 3. In all: **€330.00** on 3 purchases.");
    expect(answer).toContain("| 2026-10-13 | Ikea | Home | €300.00 |");
    expect(answer).not.toContain("more.");
  });

  it("lists the job applications of a month with their status, and only the user's", async () => {
    const alice = await userWith(ALICE);
    await userWith(BOB);
    const found = await lookUpActivity(env.DB, alice.userId, { kind: "applications", period: "october" }, CLOCK);
    const answer = activityAnswer(found, null);
    const link = `/dashboard?type=job&from=${OCTOBER.from}&to=${OCTOBER.to}&group=day`;
    expect(answer).toBe(
      [
        "You have 2 job applications in October 2026: 1 applied, 1 interview.",
        "| Date | Company | Role | Status |\n| --- | --- | --- | --- |\n| 2026-10-10 | Globex | Designer | interview |\n| 2026-10-03 | Acme | Engineer | applied |",
        `[Open in dashboard](${link}) · _Days are counted in UTC._`,
      ].join("\n\n"),
    );
    expect(await dashboardRows(alice.client, link)).toEqual(found.rows.map((row) => row.id).sort());
  });

  it("says plainly when nothing matches, and still links", async () => {
    const alice = await userWith(ALICE);
    const answer = activityAnswer(await lookUpActivity(env.DB, alice.userId, { kind: "spending", about: "flights", period: "last_month" }, CLOCK), null);
    expect(answer).toBe(
      "I found no purchases matching “flights” last month (September 2026): nothing spent.\n\n" +
        `[Open in dashboard](/dashboard?type=financial&from=${SEPTEMBER.from}&to=${SEPTEMBER.to}&max_amount=-0.01&q=flights&group=day) · _Days are counted in UTC._`,
    );
  });

  it("cites at most ten rows and says how many more there are", async () => {
    const coffees = Array.from({ length: 13 }, (_, i) => money(`2026-10-${String(i + 1).padStart(2, "0")}`, -3, "Blue Bottle", "Eating out"));
    const { userId } = await userWith(coffees);
    const found = await lookUpActivity(env.DB, userId, { kind: "spending", about: "eating out", period: "this_month" }, CLOCK);
    const answer = activityAnswer(found, null);
    expect(answer).toContain("You spent **€39.00** on Eating out this month (October 2026), across 13 purchases.");
    expect(answer.match(/\| Blue Bottle \|/g)).toHaveLength(10);
    expect(answer).toContain("…and 3 more.");
  });

  it("keeps what a row says as text: markdown in a merchant cannot make a link", async () => {
    const { userId } = await userWith([money("2026-10-02", -1, "[click me](https://evil.example)|x", "Shopping")]);
    const answer = activityAnswer(await lookUpActivity(env.DB, userId, { kind: "purchases", order: "recent" }, CLOCK), null);
    expect(answer).toContain("\\[click me\\]\\(https://evil.example\\)\\|x");
    expect(answer).not.toContain("[click me](");
  });

  it("knows whether a user has activity at all, and answers through the source with the real clock", async () => {
    const alice = await userWith(ALICE);
    const empty = await userWith([]);
    expect(await hasActivity(env.DB, alice.userId)).toBe(true);
    expect(await hasActivity(env.DB, empty.userId)).toBe(false);
    const source = activitySource(env.DB, alice.userId, { now: () => CLOCK.now, tzOffsetMinutes: 120 });
    const answer = await source.answer({ kind: "applications", period: "this_month" });
    expect(answer).toContain("| 2026-10-10 | Globex | Designer | interview |");
    expect(answer).not.toContain("UTC"); // the zone was known
  });
});
