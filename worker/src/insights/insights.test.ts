import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { NotificationView, SubscriptionsResponse, UnusualResponse } from "#protocol";
import { TestClient, errorOf } from "../../../test/client.ts";
import { loadHistory } from "../../../core/src/insights/history.ts";
import { storeInsightNotices } from "../../../core/src/insights/notified.ts";
import { tellInsights } from "../../../relay/src/insight-notices.ts";
import { sweep } from "./sweep.ts";

// Insights through the real worker, relay and D1: the Subscriptions and unusual-spending API, the notices the relay
// raises as activity is stored (a dearer Netflix, once), and the hourly sweep's missed payment (once).

const DAY = 86_400_000;

async function signedIn(): Promise<{ client: TestClient; userId: string }> {
  const client = new TestClient();
  await client.register();
  const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
  return { client, userId: me.user.id };
}

let n = 0;
/** A payment `daysAgo` days before now, at noon UTC, as a tool pushes it. */
const payment = (daysAgo: number, amount: number, merchant: string, extra: Record<string, unknown> = {}) => ({
  event_id: `p${++n}`,
  activity_type: "financial",
  timestamp: `${new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10)}T12:00:00Z`,
  application: "Bank",
  details: { amount, currency: "EUR", merchant, ...extra },
});

async function push(client: TestClient, events: unknown[]): Promise<void> {
  const response = await client.request("POST", "/api/activities", { json: { events } });
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ stored: events.length });
}

async function notifications(client: TestClient, kind: string): Promise<string[]> {
  const page: { notifications: NotificationView[] } = await (await client.request("GET", `/api/notifications?kind=${kind}`)).json();
  return page.notifications.map((v) => `${v.title} | ${v.body}`);
}

/** Time passes for the user's relay: its last insight run is a minute ago, and its alarm fires (rows waiting are told). */
async function relayWakes(userId: string): Promise<void> {
  const relay = env.RELAY.getByName(userId);
  await runInDurableObject(relay, (_relay, state) => state.storage.put("insights:last_run", Date.now() - 60_000));
  await runDurableObjectAlarm(relay);
}

/** Every ~30 days back from `from` days ago, `count` payments (oldest first). */
const monthly = (count: number, from: number, amount: (i: number) => number, merchant: string, extra: Record<string, unknown> = {}) =>
  Array.from({ length: count }, (_, i) => payment(from + (count - 1 - i) * 30, amount(i), merchant, extra));

describe("insights API", () => {
  it("lists subscriptions, bills and income with next dates and a month's total, for the user only", async () => {
    const { client } = await signedIn();
    await push(client, [
      ...monthly(14, 5, () => -15.49, "NETFLIX.COM 866-579-7172"),
      ...monthly(14, 8, (i) => -(80 + ((i * 37) % 25)), "SEPA-LASTSCHRIFT Vattenfall Europe Sales GmbH", { category: "Utilities" }),
      ...monthly(14, 3, () => 3200, "ACME BV SALARIS"),
      payment(20, -42.1, "Albert Heijn 1234"),
    ]);
    const response = await client.request("GET", "/api/insights/subscriptions");
    expect(response.status).toBe(200);
    const body: SubscriptionsResponse = await response.json();
    expect(body.outgoing.map((s) => [s.merchant, s.group, s.cadence, s.status]).sort()).toEqual([
      ["Netflix", "subscription", "monthly", "active"],
      ["Vattenfall", "bill", "monthly", "active"],
    ]);
    expect(body.outgoing.find((s) => s.merchant === "Netflix")).toMatchObject({ payments: 14, new: false, price_change: null, next_day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    expect(body.income.map((s) => [s.merchant, s.typical_amount])).toEqual([["Acme Salaris", 3200]]);
    const eur = body.monthly_totals.find((t) => t.currency === "EUR");
    expect(eur?.in).toBe(3200);
    expect(eur?.out).toBeGreaterThan(95);

    // A card payment late in the evening in Los Angeles is on the bank's day there, not UTC's next day.
    const late = Array.from({ length: 6 }, (_, i) => {
      const month = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1 - i, 15));
      return { ...payment(0, -11.99, "Spotify USA"), timestamp: `${month.toISOString().slice(0, 10)}T23:30:00-08:00` };
    });
    await push(client, late);
    const again: SubscriptionsResponse = await (await client.request("GET", "/api/insights/subscriptions")).json();
    expect(again.outgoing.find((s) => s.merchant === "Spotify")).toMatchObject({ last_day: expect.stringMatching(/-15$/), next_day: expect.stringMatching(/-15$/) });

    const other = await signedIn();
    const theirs: SubscriptionsResponse = await (await other.client.request("GET", "/api/insights/subscriptions")).json();
    expect(theirs).toMatchObject({ outgoing: [], income: [], monthly_totals: [] });
    expect((await new TestClient().request("GET", "/api/insights/subscriptions")).status).toBe(401);
  });

  it("says which spending this month is unusual, and why; refuses an unknown period by name", async () => {
    const { client } = await signedIn();
    const today = new Date();
    const dom = today.getUTCDate(); // days into this month (so the history is all before it)
    const history = [];
    for (let d = dom + 1; d < dom + 400; d += 4) history.push(payment(d, -(50 + (d % 20)), "Albert Heijn", { category: "Groceries" }));
    history.push(payment(0, -900, "Albert Heijn", { category: "Groceries" }));
    await push(client, history);
    const response = await client.request("GET", "/api/insights/unusual?period=month");
    expect(response.status).toBe(200);
    const body: UnusualResponse = await response.json();
    const groceries = body.findings.find((f) => f.kind === "category");
    expect(groceries?.why).toMatch(/^\d+(\.\d)?× your usual for groceries in a month/);
    expect(body.findings.find((f) => f.kind === "transaction")?.why).toMatch(/^€900\.00 at Albert Heijn; you usually spend €\d+/);

    const both: { week: UnusualResponse; month: UnusualResponse } = await (await client.request("GET", "/api/insights/unusual/week-and-month")).json();
    expect(both.month).toEqual(body);
    expect(both.week.period).toBe("week");
    const bad = await client.request("GET", "/api/insights/unusual?period=year");
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).field).toBe("period");
  });
});

describe("insight history", () => {
  it("keeps the newest payments when a busy account has more rows than detection reads", async () => {
    const { client, userId } = await signedIn();
    await push(client, [payment(400, -1, "Old One"), payment(300, -2, "Old Two"), payment(20, -3, "Recent"), payment(2, -4, "Newest")]);
    const history = await loadHistory(env.DB, userId, Date.now(), 2);
    expect(history.map((t) => [t.merchant, t.amount])).toEqual([["Recent", -3], ["Newest", -4]]);
  });
});

describe("insight notifications", () => {
  it("keeps a price change in the outbox when telling the relay fails, and stores it once", async () => {
    const { client, userId } = await signedIn();
    await push(client, monthly(6, 32, () => -9.99, "Spotify AB Stockholm SE"));
    const dearer = payment(1, -11.99, "PAYPAL *SPOTIFY");
    // Stored straight into D1 (so the relay is not told), then told by hand with a hand-over that fails.
    await env.DB.prepare(
      "INSERT INTO activities (id, user_id, event_id, source, activity_type, timestamp, occurred_at, application, details, amount_minor, currency, merchant, created_at, updated_at) VALUES (?1, ?2, ?3, 'api', 'financial', ?4, ?5, 'Bank', '{}', -1199, 'EUR', 'PAYPAL *SPOTIFY', ?6, ?6)",
    ).bind(`dearer-${userId}`, userId, dearer.event_id, dearer.timestamp, Date.parse(dearer.timestamp), Date.now()).run();
    const failing = () => Promise.reject(new Error("relay away"));
    const ids = (await env.DB.prepare("SELECT id FROM activities WHERE user_id = ? AND merchant = 'PAYPAL *SPOTIFY'").bind(userId).all<{ id: string }>()).results.map((r) => r.id);
    await tellInsights(env.DB, userId, ids, failing);
    await tellInsights(env.DB, userId, ids, failing);
    const waiting = await env.DB.prepare("SELECT kind, facts FROM notice_outbox WHERE user_id = ?").bind(userId).all<{ kind: string; facts: string }>();
    expect(waiting.results.map((r) => r.kind)).toEqual(["subscription_price_change"]);
    expect(JSON.parse(waiting.results[0]?.facts ?? "{}")).toMatchObject({ merchant: "Spotify", change: { from: -9.99, to: -11.99 } });
  });

  it("works out a burst of stored batches in one run after the first, when the relay's alarm wakes", async () => {
    const { client, userId } = await signedIn();
    await push(client, [...monthly(6, 33, () => -9.99, "Disney Plus"), payment(2, -3.5, "Bakery")]); // the first run: at once
    await push(client, [payment(1, -12.99, "DISNEY PLUS 0800")]); // moments later: waits for the next run
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await notifications(client, "subscription_price_change")).toEqual([]);
    const relay = env.RELAY.getByName(userId);
    await runInDurableObject(relay, async (_relay, state) => expect(await state.storage.get("insights:waiting")).toHaveLength(1));
    await relayWakes(userId);
    await expect.poll(() => notifications(client, "subscription_price_change")).toEqual([expect.stringMatching(/^Disney Plus \+30% \| /)]);
    await runInDurableObject(relay, async (_relay, state) => expect(await state.storage.get("insights:waiting")).toBeUndefined());
  });

  it("tells an insight with a very long key once, like a short one", async () => {
    const { userId } = await signedIn();
    const long = { key: `unusual:${"x".repeat(800)}`, kind: "unusual_spending", facts: "{}" };
    expect(await storeInsightNotices(env.DB, userId, [long], Date.now())).toHaveLength(1);
    expect(await storeInsightNotices(env.DB, userId, [long], Date.now())).toHaveLength(0);
  });

  it("tells of a dearer Netflix once, and an old statement's history not at all", async () => {
    const { client } = await signedIn();
    // Two years of old statements: history, not news (no "new subscription", no price changes told).
    await push(client, monthly(10, 60, (i) => (i < 7 ? -12.99 : -15.49), "Netflix *Subscr 12345"));
    await push(client, [payment(30, -15.49, "NETFLIX.COM 866-579-7172")]);
    // The newest payment, two days ago, at a new price.
    const dearer = payment(2, -17.99, "PAYPAL *NETFLIX");
    await push(client, [dearer]);
    await expect.poll(() => notifications(client, "subscription_price_change")).toEqual([
      expect.stringMatching(/^Netflix \+16% \| Your monthly payment to Netflix went from €15\.49 to €17\.99 on \d{4}-\d{2}-\d{2}\.$/),
    ]);
    // Stored again (a duplicate), and more activity after it: still one.
    await client.request("POST", "/api/activities", { json: { events: [dearer, payment(1, -3.2, "Bakery")] } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await notifications(client, "subscription_price_change")).toHaveLength(1);
    expect(await notifications(client, "subscription_new")).toEqual([]);
  });

  it("tells of a new subscription at its third payment, when recent", async () => {
    const { client } = await signedIn();
    await push(client, [payment(62, -9.99, "Disney Plus"), payment(31, -9.99, "Disney Plus")]);
    await push(client, [payment(1, -9.99, "DISNEY PLUS 0800")]);
    await expect.poll(() => notifications(client, "subscription_new")).toEqual([expect.stringMatching(/^New subscription: Disney Plus \| €9\.99 monthly since/)]);
  });

  it("the hourly sweep tells of a payment that did not come, once", { timeout: 30_000 }, async () => {
    const { client, userId } = await signedIn();
    // Monthly rent received, the last one 40 days ago: the next was due ~10 days ago.
    await push(client, monthly(8, 40, () => 950, "J SMITH RENT"));
    await push(client, [payment(3, -4, "Coffee")]); // activity lately, so the sweep looks at this user
    const at = Date.now();
    await sweep(env, at);
    await expect.poll(() => notifications(client, "payment_missed")).toEqual([expect.stringMatching(/^J Smith: not received \| Expected around \d{4}-\d{2}-\d{2} \(€950\.00 monthly\)/)]);
    await sweep(env, at + 3_600_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await notifications(client, "payment_missed")).toHaveLength(1);
    const waiting = await env.DB.prepare("SELECT count(*) AS n FROM notice_outbox WHERE user_id = ?").bind(userId).first<{ n: number }>();
    expect(waiting?.n).toBe(0);
  });

  it("the sweep takes a page of users an hour, and reaches every user in turn, each told once", { timeout: 60_000 }, async () => {
    const clients: TestClient[] = [];
    for (let i = 0; i < 3; i++) {
      const { client } = await signedIn();
      await push(client, [...monthly(6, 40, () => 800, `TENANT ${"ABC"[i]} RENT`), payment(3, -4, "Coffee")]);
      clients.push(client);
    }
    const at = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const told = async () => Promise.all(clients.map(async (c) => (await notifications(c, "payment_missed")).length));
    // Two users a run: each hour tells at most two more of them, and in a few hours all three are told, once.
    let before = 0;
    for (let hour = 0; hour < 40 && (await told()).some((n) => n === 0); hour++) {
      await sweep(env, at + hour * 3_600_000, 2);
      const now = (await told()).reduce((a, b) => a + b, 0);
      expect(now - before).toBeLessThanOrEqual(2);
      before = now;
    }
    expect(await told()).toEqual([1, 1, 1]);
  });

  it("tells of one payment far above the usual at its merchant as it is stored, and of unusual spending from the sweep, once", { timeout: 30_000 }, async () => {
    const { client, userId } = await signedIn();
    const dom = new Date().getUTCDate();
    // A year of groceries (~€60 a time, before this month) and a few small IKEA visits.
    const history = [];
    for (let d = dom + 1; d < dom + 360; d += 5) history.push(payment(d, -(55 + (d % 11)), "Albert Heijn 1234", { category: "Groceries" }));
    for (const d of [dom + 40, dom + 100, dom + 160, dom + 220, dom + 280]) history.push(payment(d, -(50 + (d % 20)), "IKEA Amsterdam", { category: "Home" }));
    await push(client, history);
    await push(client, [payment(0, -412, "IKEA AMSTERDAM NL", { category: "Home" })]);
    await relayWakes(userId); // the history's own recent rows were a run moments ago
    await expect.poll(() => notifications(client, "unusual_spending")).toEqual([expect.stringMatching(/^Unusual payment: Ikea \| €412\.00 at Ikea; you usually spend €\d+/)]);

    // This week's groceries, far above the usual: the sweep says so once (not for the week and the month both).
    await push(client, [payment(0, -700, "Albert Heijn 1234", { category: "Groceries" })]);
    const at = Date.now();
    await sweep(env, at);
    await sweep(env, at + 3_600_000);
    await expect.poll(async () => (await notifications(client, "unusual_spending")).filter((t) => t.startsWith("Unusual spending: Groceries"))).toEqual([
      expect.stringMatching(/^Unusual spending: Groceries \| \d+(\.\d)?× your usual for groceries in a (week|month): €700\.00 against €/),
    ]);
  });
});
