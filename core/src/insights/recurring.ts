// Recurring payments found in a user's history (issue 19): subscriptions, bills and income. A series is the same
// merchant (by normaliseMerchant), the same currency and direction, a similar amount and a regular interval.
// Payments are chained oldest to newest: each link must be one interval on (or two, a skipped week or month), and its
// amount close to the previous one, so a one-off extra payment at the same merchant or a price step does not break it.
// A chain must then keep to its calendar (./regular.ts), so store visits that happen to be a week apart are no series.
import { addDays, dayNumber, mad, median, monthDay } from "./days.ts";
import { merchantLabel, normaliseMerchant } from "./merchant.ts";
import { keepsDayOfMonth, keepsPeriod, nextOfTwoDays, twoDaysOfMonth } from "./regular.ts";

/** One financial row, as detection reads it. `amount` is signed (negative is money out). */
export type Transaction = { id: string; day: string; amount: number; currency: string; merchant: string; category: string | null };

/** biweekly: every other week (US pay); semimonthly: twice a month on two fixed days (the 15th and the month's end). */
export type Cadence = "weekly" | "biweekly" | "semimonthly" | "monthly" | "yearly";

/** A step in a series' amount: the newest payment (or one the next payment confirmed) away from its usual level. */
export type PriceChange = {
  day: string;
  transaction_id: string;
  /** Signed amounts: the usual level before, and the payment that changed it. */
  from: number;
  to: number;
  /** Change of the amount's size in percent (+20 means 20% more paid, or received). */
  percent: number;
};

/** A merchant paid (or paying) a similar amount at a regular interval. */
export type RecurringSeries = {
  /** Stable across runs for the same merchant, currency and direction. */
  key: string;
  merchant: string;
  currency: string;
  cadence: Cadence;
  /** Typical amount, signed; the latest one. */
  typical_amount: number;
  last_amount: number;
  last_day: string;
  next_day: string;
  /** The transactions that make it up, oldest first. */
  transaction_ids: string[];
  direction: "out" | "in";
  first_day: string;
  /** active: on time; missed: the expected payment is overdue; ended: two or more are. */
  status: "active" | "missed" | "ended";
  /** Oldest first. */
  price_changes: PriceChange[];
  /** The category most of its payments carry (null when none has one). */
  category: string | null;
};

type Rule = { cadence: Cadence; gaps: readonly (readonly [number, number])[]; min: number; grace: number; period: number };

// Gaps in days for one interval and for two (a skipped one). Months run 28–31 days and payments move to the next or
// previous business day, hence the width. Twice a month is 13–18 days between the 15th and the month's end.
// On ties the earlier rule wins: a twice-a-month salary also chains as every other week for a while.
const RULES: readonly Rule[] = [
  { cadence: "weekly", gaps: [[5, 9], [12, 16]], min: 3, grace: 3, period: 7 },
  { cadence: "semimonthly", gaps: [[9, 21], [25, 36]], min: 4, grace: 4, period: 15 },
  { cadence: "biweekly", gaps: [[12, 16], [26, 30]], min: 3, grace: 3, period: 14 },
  { cadence: "monthly", gaps: [[24, 37], [54, 68]], min: 3, grace: 6, period: 30 },
  { cadence: "yearly", gaps: [[345, 385]], min: 2, grace: 21, period: 365 },
];

/** Days past its expected day before a payment counts as missed, per cadence (the hourly sweep reads it too). */
export const GRACE_DAYS = Object.fromEntries(RULES.map((r) => [r.cadence, r.grace])) as Record<Cadence, number>;

// A bill whose amount moves a lot (energy after a cold month) is chained by a wider band, one amount at most 2.5
// times another, but only monthly and only when it keeps to its day of the month strictly.
const VARIABLE_BILL: Rule = { cadence: "monthly", gaps: [[24, 37], [54, 68]], min: 4, grace: 6, period: 30 };

/** Amounts a step apart that still count as the same payment: utilities vary, prices step up. */
function similar(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(0.35 * Math.max(Math.abs(a), Math.abs(b)), 0.5);
}

/** A variable bill's band: the same sign, and neither amount more than 2.5 times the other. */
function sameBill(a: number, b: number): boolean {
  return Math.sign(a) === Math.sign(b) && Math.max(Math.abs(a), Math.abs(b)) <= 2.5 * Math.min(Math.abs(a), Math.abs(b));
}

type Chain = { members: Transaction[]; skips: number; rule: Rule; loose: boolean };

/** The longest chain of payments in `group` (sorted by day) that fits `rule` (`loose`: a variable bill's band). */
function longestChain(group: readonly Transaction[], rule: Rule, loose = false): Chain | null {
  const close = loose ? sameBill : similar;
  const days = group.map((t) => dayNumber(t.day));
  const widest = rule.gaps[rule.gaps.length - 1]?.[1] ?? 0;
  const len: number[] = [];
  const skips: number[] = [];
  const prev: number[] = [];
  for (let i = 0; i < group.length; i++) {
    len[i] = 1;
    skips[i] = 0;
    prev[i] = -1;
    for (let j = i - 1; j >= 0; j--) {
      const gap = (days[i] ?? 0) - (days[j] ?? 0);
      if (gap > widest) break;
      const k = rule.gaps.findIndex(([lo, hi]) => gap >= lo && gap <= hi);
      if (k < 0 || !close(group[i]?.amount ?? 0, group[j]?.amount ?? 0)) continue;
      const l = (len[j] ?? 1) + 1;
      const s = (skips[j] ?? 0) + k;
      if (l > (len[i] ?? 1) || (l === len[i] && s < (skips[i] ?? 0))) {
        len[i] = l;
        skips[i] = s;
        prev[i] = j;
      }
    }
  }
  let end = -1;
  for (let i = 0; i < group.length; i++) {
    if (end < 0 || (len[i] ?? 0) > (len[end] ?? 0) || (len[i] === len[end] && (skips[i] ?? 0) <= (skips[end] ?? 0))) end = i;
  }
  if (end < 0) return null;
  const members: Transaction[] = [];
  for (let i = end; i >= 0; i = prev[i] ?? -1) {
    const t = group[i];
    if (t) members.unshift(t);
  }
  return { members, skips: skips[end] ?? 0, rule, loose };
}

/** Whether the amount varies beyond 10% around its middle (a bill, or shopping), or was chained by the wide band. */
function varies(chain: Chain): boolean {
  const amounts = chain.members.map((t) => t.amount);
  return chain.loose || mad(amounts) > 0.1 * Math.abs(median(amounts));
}

/** Whether the chain keeps to its calendar; an amount that varies must keep to it strictly. */
function regular(chain: Chain): boolean {
  const days = chain.members.map((t) => t.day);
  const strict = varies(chain);
  switch (chain.rule.cadence) {
    case "weekly":
    case "biweekly":
      return keepsPeriod(days, chain.rule.period, strict);
    case "semimonthly":
      return twoDaysOfMonth(days) !== null;
    case "monthly":
      return keepsDayOfMonth(days, strict);
    case "yearly":
      return true;
  }
}

/**
 * Whether a chain is a real series: long enough, few gaps, keeping to its calendar, and not one of many similar
 * payments (a weekly shop). One whose amount varies needs twice the payments, and few other payments to the same
 * merchant in its time, whatever their amount: a store visited several times a week is shopping, not a bill.
 */
function credible(chain: Chain, group: readonly Transaction[]): boolean {
  const { members, skips, rule } = chain;
  const variable = varies(chain);
  if (members.length < rule.min * (variable ? 2 : 1) || skips > Math.max(1, Math.floor(members.length / 4))) return false;
  if (!regular(chain)) return false;
  const first = members[0]?.day ?? "";
  const last = members[members.length - 1]?.day ?? "";
  const typical = median(members.map((t) => t.amount));
  const inChain = new Set(members.map((t) => t.id));
  const others = group.filter((t) => !inChain.has(t.id) && t.day >= first && t.day <= last);
  const lookalikes = variable ? others : others.filter((t) => similar(t.amount, typical));
  return lookalikes.length <= members.length / 2;
}

/** Steps in the amount beyond the series' own jitter; the newest payment counts even before a next one confirms it. */
function priceChanges(members: readonly Transaction[]): { changes: PriceChange[]; since: number } {
  const changes: PriceChange[] = [];
  let since = 0;
  for (let k = 1; k < members.length; k++) {
    // At least three payments at a level before a step from it counts; up to a year of them sets its jitter.
    if (k - since < 3) continue;
    const window = members.slice(Math.max(since, k - 12), k).map((t) => t.amount);
    const level = median(window);
    const jitter = Math.max(3 * 1.4826 * mad(window), 0.02 * Math.abs(level), 0.01);
    const amount = members[k]?.amount ?? 0;
    if (Math.abs(amount - level) <= jitter) continue;
    const next = members[k + 1];
    if (next && Math.abs(next.amount - amount) > jitter) continue; // a one-off blip, not a new price
    changes.push({
      day: members[k]?.day ?? "",
      transaction_id: members[k]?.id ?? "",
      from: round(level),
      to: amount,
      percent: Math.round(((Math.abs(amount) - Math.abs(level)) / Math.abs(level || 1)) * 1000) / 10,
    });
    since = k;
  }
  return { changes, since };
}

/** The next expected day after `last`: calendar-month aware for months (the usual day of month, or the month's end). */
function nextDay(members: readonly Transaction[], rule: Rule): string {
  const last = members[members.length - 1]?.day ?? "";
  if (rule.cadence === "weekly") return addDays(last, 7);
  if (rule.cadence === "biweekly") return addDays(last, 14);
  if (rule.cadence === "semimonthly") return nextOfTwoDays(last, twoDaysOfMonth(members.slice(-12).map((t) => t.day)) ?? [15, 31]);
  if (rule.cadence === "yearly") return monthDay(last, 12, Number(last.slice(8, 10)));
  const recent = members.slice(-6);
  const doms = recent.map((t) => Number(t.day.slice(8, 10)));
  // Paid on the month's last (business) day: a few days before the end, whatever the month's length.
  const toEnd = recent.map((t) => Number(monthDay(t.day, 0, 31).slice(8, 10)) - Number(t.day.slice(8, 10)));
  const anchor = median(doms) >= 26 && median(toEnd) <= 2 ? 31 : Math.round(median(doms));
  for (let k = 0; k <= 2; k++) {
    const candidate = monthDay(last, k, anchor);
    if (dayNumber(candidate) - dayNumber(last) >= 15) return candidate;
  }
  return monthDay(last, 1, anchor);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function mostCommon(values: readonly (string | null)[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  for (const [v, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = v;
  return best;
}

function toSeries(chain: Chain, key: string, merchant: string, today: string): RecurringSeries {
  const { members, rule } = chain;
  const last = members[members.length - 1];
  const { changes, since } = priceChanges(members);
  const current = members.slice(Math.max(since, members.length - 6)).map((t) => t.amount);
  const next = nextDay(members, rule);
  const overdue = dayNumber(today) - dayNumber(next) - rule.grace;
  const status = overdue <= 0 ? "active" : overdue <= rule.period ? "missed" : "ended";
  return {
    key,
    merchant,
    currency: last?.currency ?? "",
    cadence: rule.cadence,
    typical_amount: round(median(current)),
    last_amount: last?.amount ?? 0,
    last_day: last?.day ?? "",
    next_day: next,
    transaction_ids: members.map((t) => t.id),
    direction: (last?.amount ?? 0) < 0 ? "out" : "in",
    first_day: members[0]?.day ?? "",
    status,
    price_changes: changes,
    category: mostCommon(members.map((t) => t.category)),
  };
}

/** The recurring series in a history. `today` is YYYY-MM-DD. */
export function detectRecurring(transactions: readonly Transaction[], today: string): RecurringSeries[] {
  const groups = new Map<string, { merchant: string; rows: Transaction[] }>();
  for (const t of transactions) {
    if (!Number.isFinite(t.amount) || t.amount === 0 || t.day > today) continue;
    const merchant = normaliseMerchant(t.merchant);
    if (!merchant) continue;
    const key = `${t.amount < 0 ? "out" : "in"}:${t.currency.toUpperCase()}:${merchant}`;
    const group = groups.get(key) ?? { merchant, rows: [] };
    group.rows.push(t);
    groups.set(key, group);
  }
  const series: RecurringSeries[] = [];
  for (const [key, group] of groups) {
    let rows = group.rows.sort((a, b) => a.day.localeCompare(b.day) || a.id.localeCompare(b.id));
    // A merchant can hold more than one series (two plans at one store): take the best, then look again.
    for (let found = 0; found < 3 && rows.length >= 2; found++) {
      let best: Chain | null = null;
      for (const rule of RULES) {
        const chain = longestChain(rows, rule);
        if (chain && credible(chain, rows) && (!best || chain.members.length > best.members.length)) best = chain;
      }
      if (!best) {
        const chain = longestChain(rows, VARIABLE_BILL, true);
        if (chain && credible(chain, rows)) best = chain;
      }
      if (!best) break;
      series.push(toSeries(best, found === 0 ? key : `${key}#${found + 1}`, merchantLabel(group.merchant), today));
      const taken = new Set(best.members.map((t) => t.id));
      rows = rows.filter((t) => !taken.has(t.id));
    }
  }
  return series.sort((a, b) => a.direction.localeCompare(b.direction) || a.next_day.localeCompare(b.next_day) || a.key.localeCompare(b.key));
}
