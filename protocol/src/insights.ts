import { z } from "zod";

// Insights (issue 19): recurring payments ("Subscriptions and bills") and unusual spending, as the API answers them.

/** A link inside Hearth ("/dashboard?…"): shown as an href, so nothing that leaves the site. */
export const InsightLink = z.string().refine((link) => link.startsWith("/") && !link.startsWith("//") && !link.startsWith("/\\"), "must be a path inside Hearth");

export const SeriesCadence = z.enum(["weekly", "biweekly", "semimonthly", "monthly", "yearly"]);
export type SeriesCadence = z.infer<typeof SeriesCadence>;

export const SeriesStatus = z.enum(["active", "missed", "ended"]);
export type SeriesStatus = z.infer<typeof SeriesStatus>;

/** A step in a series' amount: from its usual level to the payment that changed it. */
export const PriceChangeView = z.object({
  day: z.string(),
  transaction_id: z.string(),
  from: z.number(),
  to: z.number(),
  /** The size's change in percent: +20 is 20% more paid (or received). */
  percent: z.number(),
});

/** One recurring series: a subscription, a bill or income. Amounts are signed (negative is money out). */
export const SeriesView = z.object({
  key: z.string(),
  merchant: z.string(),
  currency: z.string(),
  cadence: SeriesCadence,
  direction: z.enum(["out", "in"]),
  /** "subscription" (a fixed amount) or "bill" (one that varies, like energy); income is "income". */
  group: z.enum(["subscription", "bill", "income"]),
  category: z.string().nullable(),
  typical_amount: z.number(),
  last_amount: z.number(),
  last_day: z.string(),
  next_day: z.string(),
  first_day: z.string(),
  payments: z.number().int(),
  status: SeriesStatus,
  /** First seen lately (its first payment within the last three of its intervals). */
  new: z.boolean(),
  /** The newest step in its amount within its last two intervals, or null. */
  price_change: PriceChangeView.nullable(),
  /** The dashboard's list filtered to its payments. */
  link: InsightLink,
});
export type SeriesView = z.infer<typeof SeriesView>;

/** What a month of the active series comes to, per currency (weekly ones × 52/12, every other week × 26/12, twice a month × 2, yearly ones ÷ 12). */
export const MonthlyTotal = z.object({ currency: z.string(), out: z.number(), in: z.number() });
export type MonthlyTotal = z.infer<typeof MonthlyTotal>;

/** GET /api/insights/subscriptions */
export const SubscriptionsResponse = z.object({
  /** Money out: subscriptions and bills, the next due first. */
  outgoing: z.array(SeriesView),
  /** Money in: salary, rent received, benefits. */
  income: z.array(SeriesView),
  monthly_totals: z.array(MonthlyTotal),
  /** The day "next" and "missed" are counted from (the server's UTC day). */
  today: z.string(),
});
export type SubscriptionsResponse = z.infer<typeof SubscriptionsResponse>;

export const InsightPeriod = z.enum(["week", "month"]);
export type InsightPeriod = z.infer<typeof InsightPeriod>;

/** GET /api/insights/unusual?period=week|month */
export const UnusualQuery = z.object({ period: InsightPeriod.default("month") });

/** Spending far above the user's own usual: a category or merchant this period, or one payment at a merchant. */
export const UnusualFinding = z.object({
  key: z.string(),
  kind: z.enum(["category", "merchant", "transaction"]),
  period: InsightPeriod,
  /** The category, or the merchant as people write it. */
  name: z.string(),
  currency: z.string(),
  /** Spent (a positive size): this period so far, or the one payment. */
  amount: z.number(),
  /** The usual (median) for the period, or for one payment there. */
  usual: z.number(),
  ratio: z.number(),
  /** Says why, in words: "3.4× your usual for groceries in a week". */
  why: z.string(),
  transaction_id: z.string().nullable(),
  day: z.string().nullable(),
  link: InsightLink,
});
export type UnusualFinding = z.infer<typeof UnusualFinding>;

export const UnusualResponse = z.object({
  period: InsightPeriod,
  /** The period's first day (a Monday for weeks). */
  since: z.string(),
  findings: z.array(UnusualFinding),
});
export type UnusualResponse = z.infer<typeof UnusualResponse>;

/** GET /api/insights/unusual/week-and-month: both periods from one read of the history (the dashboard's card). */
export const UnusualBothResponse = z.object({ week: UnusualResponse, month: UnusualResponse });
export type UnusualBothResponse = z.infer<typeof UnusualBothResponse>;
