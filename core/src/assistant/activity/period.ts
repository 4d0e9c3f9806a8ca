import { z } from "zod";

// The time spans an activity question can name ("last month", "in October", "the last 30 days"), resolved to
// epoch-ms ranges in the user's time zone. What must stay true: a range is [from, to] inclusive, day-aligned to
// the user's local midnights, with `to` one millisecond before the next period starts — the same shape the
// dashboard's own date filters and bucket clicks produce — and weeks start on Monday, as the dashboard's do.

export const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"] as const;
export const PERIOD_NAMES = ["today", "yesterday", "this_week", "last_week", "this_month", "last_month", "this_year", "last_year", "all_time"] as const;

/** `last_30_days`, `last_2_weeks`, `last_6_months`. */
const LAST_N = /^last_(\d{1,3})_(days|weeks|months)$/;
/** `2025` or `2025-10`. */
const YEAR_OR_MONTH = /^(\d{4})(?:-(0[1-9]|1[0-2]))?$/;

export const Period = z
  .union([z.enum(PERIOD_NAMES), z.enum(MONTHS), z.string().regex(LAST_N), z.string().regex(YEAR_OR_MONTH)])
  .describe(
    "The time span: today, yesterday, this_week, last_week, this_month, last_month, this_year, last_year, all_time; " +
      "a month name (january … december: its most recent occurrence, this month included); last_N_days, last_N_weeks or last_N_months " +
      "(e.g. last_30_days); a year (2025) or a year and month (2025-10).",
  );
export type Period = z.infer<typeof Period>;

/** A resolved span: the inclusive epoch-ms range and how to say it ("last month (September 2026)"). */
export type ResolvedPeriod = { from: number; to: number; label: string; days: number };

/** When "now" is and how far the user's clock is from UTC, in minutes east (null: unknown, so UTC). */
export type Clock = { now: number; tzOffsetMinutes: number | null };

const DAY_MS = 86_400_000;
const MONTH_NAMES = MONTHS.map((m) => m.charAt(0).toUpperCase() + m.slice(1));

/**
 * The range a period names, or null for all time (no range).
 * @example resolvePeriod("last_month", { now: Date.parse("2026-10-14T12:00:00Z"), tzOffsetMinutes: null }) // 1–30 September 2026, UTC
 */
export function resolvePeriod(period: Period | undefined, clock: Clock): ResolvedPeriod | null {
  if (period === undefined || period === "all_time") return null;
  const offset = clock.tzOffsetMinutes ?? 0;
  const local = new Date(clock.now + offset * 60_000);
  const [y, m, d] = [local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()];
  const weekday = (local.getUTCDay() + 6) % 7; // Monday is 0
  /** Local midnight of (year, month, day), with Date.UTC's overflow (day 0 is the month's last day before). */
  const at = (year: number, month: number, day: number) => Date.UTC(year, month, day) - offset * 60_000;
  const span = (from: number, end: number, label: (range: string) => string): ResolvedPeriod => {
    const range = spanLabel(from + offset * 60_000, end - 1 + offset * 60_000);
    return { from, to: end - 1, label: label(range), days: Math.round((end - from) / DAY_MS) };
  };
  switch (period) {
    case "today":
      return span(at(y, m, d), at(y, m, d + 1), (r) => `today (${r})`);
    case "yesterday":
      return span(at(y, m, d - 1), at(y, m, d), (r) => `yesterday (${r})`);
    case "this_week":
      return span(at(y, m, d - weekday), at(y, m, d - weekday + 7), (r) => `this week (${r})`);
    case "last_week":
      return span(at(y, m, d - weekday - 7), at(y, m, d - weekday), (r) => `last week (${r})`);
    case "this_month":
      return span(at(y, m, 1), at(y, m + 1, 1), () => `this month (${MONTH_NAMES[m]} ${y})`);
    case "last_month":
      return span(at(y, m - 1, 1), at(y, m, 1), () => `last month (${monthLabel(y, m - 1)})`);
    case "this_year":
      return span(at(y, 0, 1), at(y + 1, 0, 1), () => `this year (${y})`);
    case "last_year":
      return span(at(y - 1, 0, 1), at(y, 0, 1), () => `last year (${y - 1})`);
  }
  const month = MONTHS.findIndex((name) => name === period);
  if (month >= 0) {
    // The most recent such month that has begun: "in October" in March 2027 is October 2026.
    const year = month <= m ? y : y - 1;
    return span(at(year, month, 1), at(year, month + 1, 1), () => `in ${monthLabel(year, month)}`);
  }
  const last = LAST_N.exec(period);
  if (last) {
    const n = Math.max(1, Number(last[1]));
    const unit = last[2] ?? "days";
    const from = unit === "months" ? at(y, m - n, d + 1) : at(y, m, d + 1 - n * (unit === "weeks" ? 7 : 1));
    const words = n === 1 ? unit.replace(/s$/, "") : `${n} ${unit}`;
    return span(from, at(y, m, d + 1), (r) => `in the last ${words} (${r})`);
  }
  const year = YEAR_OR_MONTH.exec(period);
  if (year) {
    const [full, month2] = [Number(year[1]), year[2] === undefined ? null : Number(year[2]) - 1];
    if (month2 === null) return span(at(full, 0, 1), at(full + 1, 0, 1), () => `in ${full}`);
    return span(at(full, month2, 1), at(full, month2 + 1, 1), () => `in ${monthLabel(full, month2)}`);
  }
  return null; // unreachable for a parsed Period
}

/** "September 2026", with a month index that may run over (-1 is December of the year before). */
function monthLabel(year: number, month: number): string {
  const date = new Date(Date.UTC(year, month, 1));
  return `${MONTH_NAMES[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/** "14 October 2026", "12–18 October 2026", "28 September – 4 October 2026", from local-clock instants. */
function spanLabel(first: number, last: number): string {
  const a = new Date(first);
  const b = new Date(last);
  const day = (date: Date) => date.getUTCDate();
  const month = (date: Date) => MONTH_NAMES[date.getUTCMonth()];
  const whole = `${day(b)} ${month(b)} ${b.getUTCFullYear()}`;
  if (a.getUTCFullYear() !== b.getUTCFullYear()) return `${day(a)} ${month(a)} ${a.getUTCFullYear()} – ${whole}`;
  if (a.getUTCMonth() !== b.getUTCMonth()) return `${day(a)} ${month(a)} – ${whole}`;
  return day(a) === day(b) ? whole : `${day(a)}–${whole}`;
}
