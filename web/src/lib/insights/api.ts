import type { InsightPeriod } from "#protocol";
import { api, callParsed } from "#lib/shared/api.ts";
import { lazySchemas } from "#lib/shared/lazy-schemas.ts";

// The Subscriptions page's and the dashboard's insight card's calls (GET /api/insights/…).

const { schema } = lazySchemas(() => import("./schemas.ts"));

export const insightsApi = {
  /** Recurring payments still going: money out (subscriptions and bills) and in (income), with a month's totals. */
  subscriptions: () => callParsed(api.insights.subscriptions.$get(), schema("SubscriptionsResponse")),
  /** Spending far above the usual in the current week or month, each with why. */
  unusual: (period: InsightPeriod) => callParsed(api.insights.unusual.$get({ query: { period } }), schema("UnusualResponse")),
  /** Both periods at once (one read of the history): the dashboard's card. */
  unusualBoth: () => callParsed(api.insights.unusual["week-and-month"].$get(), schema("UnusualBothResponse")),
};
