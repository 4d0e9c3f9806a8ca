// A user's money history as insights read it (one bounded D1 query), and the API's views of what detection finds.
import { and, desc, eq, gte, isNotNull } from "drizzle-orm";
import type { InsightPeriod, MonthlyTotal, SeriesView, SubscriptionsResponse, UnusualResponse } from "#protocol";
import { openDb, schema } from "../db/index.ts";
import { dayNumber, mad, median } from "./days.ts";
import { detectRecurring } from "./recurring.ts";
import type { RecurringSeries, Transaction } from "./recurring.ts";
import { detectUnusual, periodStart } from "./unusual.ts";

const { activities } = schema;

/** How far back detection reads: two years and a month, enough for yearly series and a year of periods. */
export const HISTORY_DAYS = 25 * 31;
/** At most this many rows: a very busy account still answers quickly (the newest are kept). */
export const HISTORY_ROWS = 50_000;

/**
 * The user's financial rows of the last 25 months, oldest first. A row's day is its own date as the bank gave it.
 * Past `limit` rows the oldest are left out: the recent payments are the ones every insight is about.
 */
export async function loadHistory(d1: D1Database, userId: string, now: number, limit = HISTORY_ROWS): Promise<Transaction[]> {
  const rows = await openDb(d1)
    .select({
      id: activities.id,
      timestamp: activities.timestamp,
      amountMinor: activities.amountMinor,
      currency: activities.currency,
      merchant: activities.merchant,
      description: activities.description,
      category: activities.category,
    })
    .from(activities)
    .where(
      and(
        eq(activities.userId, userId),
        eq(activities.activityType, "financial"),
        gte(activities.occurredAt, now - HISTORY_DAYS * 86_400_000),
        isNotNull(activities.amountMinor),
      ),
    )
    .orderBy(desc(activities.occurredAt), desc(activities.id))
    .limit(limit)
    .all();
  const out: Transaction[] = [];
  // Read newest first (so the cap cuts the oldest), handed on oldest first.
  for (const row of rows.reverse()) {
    if (row.amountMinor === null) continue;
    out.push({
      id: row.id,
      day: row.timestamp.slice(0, 10),
      amount: row.amountMinor / 100,
      currency: (row.currency ?? "USD").toUpperCase(),
      merchant: row.merchant ?? row.description ?? "",
      category: row.category,
    });
  }
  return out;
}

/** Today's day (UTC) for `now`. */
export const dayOf = (now: number) => new Date(now).toISOString().slice(0, 10);

const PER_MONTH = { weekly: 52 / 12, biweekly: 26 / 12, semimonthly: 2, monthly: 1, yearly: 1 / 12 } as const;
const INTERVAL_DAYS = { weekly: 7, biweekly: 14, semimonthly: 15, monthly: 30, yearly: 365 } as const;

/** A series as the Subscriptions page shows it. */
export function seriesView(series: RecurringSeries, amounts: ReadonlyMap<string, number>, today: string): SeriesView {
  const ids = series.transaction_ids;
  const recent = ids.slice(-6).map((id) => amounts.get(id) ?? series.typical_amount);
  // A fixed amount is a subscription; one that moves from payment to payment (energy, phone use) is a bill.
  const varies = mad(recent) > 0.03 * Math.abs(median(recent)) || series.cadence === "weekly";
  const change = series.price_changes.at(-1) ?? null;
  const recentChange = change && dayNumber(today) - dayNumber(change.day) <= INTERVAL_DAYS[series.cadence] * 2 ? change : null;
  return {
    key: series.key,
    merchant: series.merchant,
    currency: series.currency,
    cadence: series.cadence,
    direction: series.direction,
    group: series.direction === "in" ? "income" : varies ? "bill" : "subscription",
    category: series.category,
    typical_amount: series.typical_amount,
    last_amount: series.last_amount,
    last_day: series.last_day,
    next_day: series.next_day,
    first_day: series.first_day,
    payments: ids.length,
    status: series.status,
    new: dayNumber(today) - dayNumber(series.first_day) <= INTERVAL_DAYS[series.cadence] * 3,
    price_change: recentChange,
    link: `/dashboard?type=financial&q=${encodeURIComponent(series.merchant.toLowerCase().slice(0, 80))}&from=${(dayNumber(series.first_day) - 1) * 86_400_000}`,
  };
}

/** GET /api/insights/subscriptions: the series that are still going (active or missed), split by direction. */
export function subscriptions(history: readonly Transaction[], today: string): SubscriptionsResponse {
  const amounts = new Map(history.map((t) => [t.id, t.amount]));
  const views = detectRecurring(history, today)
    .filter((s) => s.status !== "ended")
    .map((s) => seriesView(s, amounts, today));
  const totals = new Map<string, MonthlyTotal>();
  for (const view of views) {
    const total = totals.get(view.currency) ?? { currency: view.currency, out: 0, in: 0 };
    const monthly = Math.abs(view.typical_amount) * PER_MONTH[view.cadence];
    if (view.direction === "out") total.out = Math.round((total.out + monthly) * 100) / 100;
    else total.in = Math.round((total.in + monthly) * 100) / 100;
    totals.set(view.currency, total);
  }
  return {
    outgoing: views.filter((v) => v.direction === "out"),
    income: views.filter((v) => v.direction === "in"),
    monthly_totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
    today,
  };
}

/** GET /api/insights/unusual: the current period's findings. */
export function unusual(history: readonly Transaction[], today: string, period: InsightPeriod): UnusualResponse {
  return { period, since: periodStart(today, period), findings: detectUnusual(history, today, period).slice(0, 20) };
}
