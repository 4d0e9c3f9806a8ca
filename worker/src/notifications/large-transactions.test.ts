import { describe, expect, it } from "vitest";
import type { NotificationPreferences, NotificationRule, NotificationView } from "#protocol";
import { TestClient, errorOf } from "../../../test/client.ts";

// Large-transaction alerts through the real worker, relay and D1: only for a transaction that is recent when it
// arrives (an imported statement from past years is history, not news), and at an amount per currency.

const DAY = 24 * 60 * 60_000;

async function titles(client: TestClient): Promise<string[]> {
  const page: { notifications: NotificationView[] } = await (await client.request("GET", "/api/notifications?kind=large_transaction")).json();
  return page.notifications.map((n) => n.title).sort();
}

async function largeRule(client: TestClient): Promise<NotificationRule> {
  const preferences: NotificationPreferences = await (await client.request("GET", "/api/notifications/preferences")).json();
  const rule = preferences.rules.find((r) => r.kind === "large_transaction");
  if (!rule) throw new Error("every user has a large_transaction rule");
  return rule;
}

const payment = (id: string, at: number, amount: number, currency: string) => ({
  event_id: id,
  activity_type: "financial",
  timestamp: new Date(at).toISOString(),
  application: "Bank",
  details: { amount, currency, merchant: `Shop ${id}` },
});

describe("large-transaction alerts", () => {
  it("tell only of transactions recent when they arrive, never of an imported statement's past years", async () => {
    const client = new TestClient();
    await client.register();
    const now = Date.now();
    const yesterday = new Date(now - DAY).toISOString().slice(0, 10);
    // A statement with years of history, and one purchase from yesterday: one batch, so one pass of the rules.
    const csv = `Date,Description,Amount\n2010-03-01,Old car,-9000.00\n2019-07-14,Old sofa,-1800.00\n${yesterday},New laptop,-1500.00\n`;
    const columns = encodeURIComponent(JSON.stringify({ encoding: "utf-8", delimiter: ",", decimal: ".", thousands: "", date_order: "YMD", header: true, skip_lines: 0, date: "Date", description: ["Description"], sign: { kind: "signed", amount: "Amount" } }));
    const upload = await client.request("POST", `/api/activities/import?filename=history.csv&currency=USD&layout=${columns}`, { body: csv, headers: { "content-type": "application/octet-stream" } });
    expect(await upload.json()).toMatchObject({ stored: 3 });
    await expect.poll(() => titles(client)).toEqual(["Large payment: $1,500.00"]);

    // Pushed by a tool: ten days late is too late to be news; two days is not.
    await client.request("POST", "/api/activities", { json: { events: [payment("late", now - 10 * DAY, -2000, "USD"), payment("fresh", now - 2 * DAY, -2500, "USD")] } });
    await expect.poll(() => titles(client)).toEqual(["Large payment: $1,500.00", "Large payment: $2,500.00"]);
  });

  it("goes by the currency's own amount even when the rule still has the old single number", async () => {
    const client = new TestClient();
    await client.register();
    const rule = await largeRule(client);
    const saved = await client.request("PUT", "/api/notifications/preferences", { json: { rules: [{ ...rule, threshold: 500, currency_thresholds: { USD: 100 } }] } });
    expect(saved.status).toBe(200);
    await client.request("POST", "/api/activities", { json: { events: [payment("small", Date.now(), -200, "USD")] } });
    await expect.poll(() => titles(client)).toEqual(["Large payment: $200.00"]);
  });

  it("weighs each transaction against its own currency's amount: 500 for dollars says nothing about yen", async () => {
    const client = new TestClient();
    await client.register();
    const now = Date.now();
    // The default rule: 500 in currencies where that is a similar sum, none for yen.
    expect(await largeRule(client)).toMatchObject({ threshold: 500 });
    await client.request("POST", "/api/activities", { json: { events: [payment("yen", now, -100, "JPY"), payment("more-yen", now, -5000, "JPY"), payment("usd", now, -600, "USD")] } });
    await expect.poll(() => titles(client)).toEqual(["Large payment: $600.00"]);

    // The user gives yen an amount of its own, and raises the dollar's.
    const rule = await largeRule(client);
    const saved = await client.request("PUT", "/api/notifications/preferences", { json: { rules: [{ ...rule, threshold: null, currency_thresholds: { JPY: 50_000, USD: 1000 } }] } });
    expect(saved.status).toBe(200);
    await client.request("POST", "/api/activities", { json: { events: [payment("rent", now, -80_000, "JPY"), payment("usd-2", now, -700, "USD"), payment("eur", now, -5000, "EUR")] } });
    await expect.poll(() => titles(client)).toEqual(["Large payment: $600.00", "Large payment: ¥80,000"]);
    // Currencies not listed stay silent, however large.
    expect((await largeRule(client)).currency_thresholds).toEqual({ JPY: 50_000, USD: 1000 });

    const bad = await client.request("PUT", "/api/notifications/preferences", { json: { rules: [{ ...rule, currency_thresholds: { yen: 5 } }] } });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toMatch(/3-letter ISO code/);
  });
});
