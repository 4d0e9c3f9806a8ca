// Unusual spending (issue 19): a category or merchant far above the user's own usual for the period, and one payment
// far above what the user usually pays that merchant. "Usual" is robust statistics over their own history (the
// median, and the median absolute deviation for the spread), never a fixed threshold: a floor keeps small amounts
// quiet, and a short history says nothing.
import { money } from "#protocol";
import type { InsightPeriod, UnusualFinding } from "#protocol";
import { addDays, dayNumber, mad, median } from "./days.ts";
import { merchantLabel, normaliseMerchant } from "./merchant.ts";
import type { Transaction } from "./recurring.ts";

/** Past periods needed before a period's total can be unusual. */
const MIN_PERIODS: Record<InsightPeriod, number> = { week: 8, month: 4 };
/** How far above the usual (in the currency's units) a total must be: below this nothing is worth telling. */
const FLOOR: Record<InsightPeriod, number> = { week: 40, month: 100 };
/** How many times the usual a total must be. */
const RATIO = 1.8;
/** Past payments at a merchant needed before one payment there can be unusual, and how many times the usual it must be. */
const MIN_PAYMENTS = 4;
const PAYMENT_RATIO = 3;
const PAYMENT_FLOOR = 50;

/** The first day of the period holding `day`: its Monday, or its month's first. */
export function periodStart(day: string, period: InsightPeriod): string {
  if (period === "month") return `${day.slice(0, 8)}01`;
  const dow = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday 0
  return addDays(day, -dow);
}

function periodIndex(day: string, period: InsightPeriod): number {
  if (period === "month") return Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7)) - 1;
  return Math.floor((dayNumber(periodStart(day, period)) + 3) / 7); // day 0 was a Thursday
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function far(current: number, history: readonly number[], floor: number, ratio: number): { usual: number; ratio: number } | null {
  const usual = median(history);
  if (usual <= 0) return null;
  const spread = 1.4826 * mad(history);
  if (current < usual * ratio || current - usual < floor || current <= usual + 3 * spread) return null;
  return { usual, ratio: round1(current / usual) };
}

const q = (text: string) => `/dashboard?type=financial&q=${encodeURIComponent(text.slice(0, 80))}`;

/**
 * The unusual totals and payments of the period holding `today`, strongest first. Only money out counts. Past
 * periods run from the user's first payment in that currency to the one before this, counting periods with no
 * spending there as zero, so a merchant visited once a year is not "usual" at its one visit.
 */
export function detectUnusual(transactions: readonly Transaction[], today: string, period: InsightPeriod): UnusualFinding[] {
  const current = periodIndex(today, period);
  const since = periodStart(today, period);
  const firstPeriod = new Map<string, number>();
  type Bucket = { name: string; kind: "category" | "merchant"; currency: string; totals: Map<number, number>; link: string };
  const buckets = new Map<string, Bucket>();
  const payments = new Map<string, Transaction[]>();
  for (const t of transactions) {
    if (!(t.amount < 0) || t.day > today) continue;
    const p = periodIndex(t.day, period);
    firstPeriod.set(t.currency, Math.min(firstPeriod.get(t.currency) ?? p, p));
    const merchant = normaliseMerchant(t.merchant);
    const add = (key: string, name: string, kind: "category" | "merchant", link: string) => {
      const bucket = buckets.get(key) ?? { name, kind, currency: t.currency, totals: new Map<number, number>(), link };
      bucket.totals.set(p, (bucket.totals.get(p) ?? 0) - t.amount);
      buckets.set(key, bucket);
    };
    if (t.category) add(`category:${t.currency}:${t.category.toLowerCase()}`, t.category, "category", `/dashboard?type=financial&category=${encodeURIComponent(t.category)}`);
    if (merchant) {
      add(`merchant:${t.currency}:${merchant}`, merchantLabel(merchant), "merchant", q(merchant));
      const key = `${t.currency}:${merchant}`;
      payments.set(key, [...(payments.get(key) ?? []), t]);
    }
  }
  const findings: UnusualFinding[] = [];
  for (const [key, bucket] of buckets) {
    const now = bucket.totals.get(current) ?? 0;
    const first = firstPeriod.get(bucket.currency) ?? current;
    if (now <= 0 || current - first < MIN_PERIODS[period]) continue;
    const history: number[] = [];
    for (let p = Math.max(first, current - (period === "week" ? 52 : 24)); p < current; p++) history.push(bucket.totals.get(p) ?? 0);
    const hit = far(now, history, FLOOR[period], RATIO);
    if (!hit) continue;
    const what = bucket.kind === "category" ? bucket.name.toLowerCase() : bucket.name;
    findings.push({
      key: `${key}:${period}:${since}`,
      kind: bucket.kind,
      period,
      name: bucket.name,
      currency: bucket.currency,
      amount: Math.round(now * 100) / 100,
      usual: Math.round(hit.usual * 100) / 100,
      ratio: hit.ratio,
      why: `${hit.ratio}× your usual for ${what} in a ${period}: ${money(now, bucket.currency)} against ${money(hit.usual, bucket.currency)}`,
      transaction_id: null,
      day: null,
      link: bucket.link,
    });
  }
  for (const [key, list] of payments) {
    list.sort((a, b) => a.day.localeCompare(b.day) || a.id.localeCompare(b.id));
    for (let i = 0; i < list.length; i++) {
      const t = list[i];
      if (!t || t.day < since) continue;
      const before = list.slice(Math.max(0, i - 50), i).map((p) => -p.amount);
      if (before.length < MIN_PAYMENTS) continue;
      const hit = far(-t.amount, before, PAYMENT_FLOOR, PAYMENT_RATIO);
      if (!hit) continue;
      const name = merchantLabel(normaliseMerchant(t.merchant));
      findings.push({
        key: `payment:${key}:${t.id}`,
        kind: "transaction",
        period,
        name,
        currency: t.currency,
        amount: -t.amount,
        usual: Math.round(hit.usual * 100) / 100,
        ratio: hit.ratio,
        why: `${money(-t.amount, t.currency)} at ${name}; you usually spend ${money(hit.usual, t.currency)}`,
        transaction_id: t.id,
        day: t.day,
        link: q(normaliseMerchant(t.merchant)),
      });
    }
  }
  return findings.sort((a, b) => b.ratio - a.ratio || a.key.localeCompare(b.key));
}
