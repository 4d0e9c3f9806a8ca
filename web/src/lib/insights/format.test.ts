import { describe, expect, it } from "vitest";
import type { SeriesView } from "#protocol";
import { badges, dayLabel } from "./format.ts";

const series = (over: Partial<SeriesView>): SeriesView => ({
  key: "out:EUR:netflix",
  merchant: "Netflix",
  currency: "EUR",
  cadence: "monthly",
  direction: "out",
  group: "subscription",
  category: null,
  typical_amount: -17.99,
  last_amount: -17.99,
  last_day: "2026-06-15",
  next_day: "2026-07-15",
  first_day: "2025-01-15",
  payments: 18,
  status: "active",
  new: false,
  price_change: null,
  link: "/dashboard?type=financial&q=netflix",
  ...over,
});

describe("Subscriptions page words", () => {
  it("badges a price change with its percent, a missed payment (income: not received) and a new series", () => {
    expect(badges(series({}))).toEqual([]);
    expect(badges(series({ price_change: { day: "2026-06-15", transaction_id: "t", from: -15.49, to: -17.99, percent: 16.1 }, new: true })).map((b) => b.text)).toEqual(["Price +16%", "New"]);
    expect(badges(series({ status: "missed", direction: "in" })).map((b) => [b.text, b.tone])).toEqual([["Not received", "tone-danger"]]);
    expect(badges(series({ price_change: { day: "2026-06-15", transaction_id: "t", from: -20, to: -15, percent: -25 } }))[0]?.text).toBe("Price −25%");
  });

  it("writes a day without moving it across time zones", () => {
    expect(dayLabel("2026-07-01")).toMatch(/2026/);
    expect(dayLabel("2026-07-01")).toMatch(/1/);
    expect(dayLabel("not a day")).toBe("not a day");
  });
});
