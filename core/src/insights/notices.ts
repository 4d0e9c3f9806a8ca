import { z } from "zod";
import { money } from "#protocol";
import type { NoticeReader, NotificationDraft } from "../notifications/store.ts";
import type { RecurringSeries } from "./recurring.ts";
import type { UnusualFinding } from "#protocol";

// The notices insights raise (issue 19): a price change, a new subscription, a payment that did not come, spending
// far above the usual. The relay raises the first two (and an unusual single payment) when activity is stored; the
// hourly sweep raises missed payments and unusual periods. Both put them in the notice outbox (./notified.ts), whose
// readers are below, and build their text here, from facts that say from what to what.

const LINK = "/dashboard/subscriptions";
/** How often, after an amount ("$20 every other week"), and before a noun ("your twice-monthly income"). */
const EVERY = { weekly: "weekly", biweekly: "every other week", semimonthly: "twice a month", monthly: "monthly", yearly: "yearly" } as const;
const KIND = { weekly: "weekly", biweekly: "every-other-week", semimonthly: "twice-monthly", monthly: "monthly", yearly: "yearly" } as const;

/** What a series notice is made from (kept small: it is stored as the outbox row's JSON). */
export const SeriesFacts = z.object({
  key: z.string(),
  merchant: z.string(),
  currency: z.string(),
  cadence: z.enum(["weekly", "biweekly", "semimonthly", "monthly", "yearly"]),
  direction: z.enum(["out", "in"]),
  typical_amount: z.number(),
  last_day: z.string(),
  next_day: z.string(),
});
export type SeriesFacts = z.infer<typeof SeriesFacts>;

export function seriesFacts(series: RecurringSeries): SeriesFacts {
  const { key, merchant, currency, cadence, direction, typical_amount, last_day, next_day } = series;
  return { key, merchant, currency, cadence, direction, typical_amount, last_day, next_day };
}

const size = (amount: number, currency: string) => money(Math.abs(amount), currency);

/** What a new-series notice is made from: the series, and since when it runs. */
export const NewSeriesFacts = SeriesFacts.extend({ first_day: z.string() });
export type NewSeriesFacts = z.infer<typeof NewSeriesFacts>;

/** What a price-change notice is made from: the series, and its newest change. */
export const PriceChangeFacts = SeriesFacts.extend({
  change: z.object({ day: z.string(), from: z.number(), to: z.number(), percent: z.number() }),
});
export type PriceChangeFacts = z.infer<typeof PriceChangeFacts>;

/** The facts of a series' newest price change, or null when it has none. */
export function priceChangeFacts(series: RecurringSeries): PriceChangeFacts | null {
  const change = series.price_changes.at(-1);
  if (!change) return null;
  const { day, from, to, percent } = change;
  return { ...seriesFacts(series), change: { day, from, to, percent } };
}

export function newSeriesFacts(series: RecurringSeries): NewSeriesFacts {
  return { ...seriesFacts(series), first_day: series.first_day };
}

/** "Netflix +20%": the newest payment of a series, against its usual level. */
export function priceChangeNotice(facts: PriceChangeFacts): NotificationDraft {
  const { change } = facts;
  const sign = change.percent > 0 ? "+" : "−";
  const paid = facts.direction === "out" ? `Your ${KIND[facts.cadence]} payment to ${facts.merchant}` : `Your ${KIND[facts.cadence]} income from ${facts.merchant}`;
  return {
    kind: "subscription_price_change",
    title: `${facts.merchant} ${sign}${Math.abs(Math.round(change.percent))}%`,
    body: `${paid} went from ${size(change.from, facts.currency)} to ${size(change.to, facts.currency)} on ${change.day}.`,
    source: { type: "recurring", id: facts.key },
    link: LINK,
  };
}

/** A series seen for the first time (its third payment). */
export function newSeriesNotice(facts: NewSeriesFacts): NotificationDraft {
  const what = facts.direction === "out" ? "New subscription" : "New regular income";
  return {
    kind: "subscription_new",
    title: `${what}: ${facts.merchant}`,
    body: `${size(facts.typical_amount, facts.currency)} ${EVERY[facts.cadence]} since ${facts.first_day}; next expected ${facts.next_day}.`,
    source: { type: "recurring", id: facts.key },
    link: LINK,
  };
}

/** A payment (or income) that did not come when expected. */
export function missedNotice(facts: SeriesFacts): NotificationDraft {
  const amount = size(facts.typical_amount, facts.currency);
  return {
    kind: "payment_missed",
    title: facts.direction === "in" ? `${facts.merchant}: not received` : `${facts.merchant}: payment not seen`,
    body: `Expected around ${facts.next_day} (${amount} ${EVERY[facts.cadence]}); the last one was on ${facts.last_day}.`,
    source: { type: "recurring", id: facts.key },
    link: LINK,
  };
}

export const UnusualFacts = z.object({
  key: z.string(),
  kind: z.enum(["category", "merchant", "transaction"]),
  name: z.string(),
  why: z.string(),
  link: z.string(),
  transaction_id: z.string().nullable(),
});
export type UnusualFacts = z.infer<typeof UnusualFacts>;

export function unusualFacts(finding: UnusualFinding): UnusualFacts {
  const { key, kind, name, why, link, transaction_id } = finding;
  return { key, kind, name, why, link, transaction_id };
}

/** Spending far above the usual, saying why ("3.4× your usual for groceries in a week"). */
export function unusualNotice(facts: UnusualFacts): NotificationDraft {
  return {
    kind: "unusual_spending",
    title: facts.kind === "transaction" ? `Unusual payment: ${facts.name}` : `Unusual spending: ${facts.name}`,
    body: `${facts.why}.`,
    source: facts.transaction_id ? { type: "activity", id: facts.transaction_id } : null,
    link: facts.link,
  };
}

// The outbox notices insights raise (issue 19: price changes, missed payments, new subscriptions, unusual spending).
export const insightNotices: Record<string, NoticeReader> = {
  subscription_price_change: (facts) => {
    const parsed = PriceChangeFacts.safeParse(facts);
    return parsed.success ? priceChangeNotice(parsed.data) : null;
  },
  subscription_new: (facts) => {
    const parsed = NewSeriesFacts.safeParse(facts);
    return parsed.success ? newSeriesNotice(parsed.data) : null;
  },
  payment_missed: (facts) => {
    const parsed = SeriesFacts.safeParse(facts);
    return parsed.success ? missedNotice(parsed.data) : null;
  },
  unusual_spending: (facts) => {
    const parsed = UnusualFacts.safeParse(facts);
    return parsed.success ? unusualNotice(parsed.data) : null;
  },
};
