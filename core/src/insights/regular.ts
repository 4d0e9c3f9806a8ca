// How regular a chain of payments is (issue 19). A chain only says each payment followed the one before by about one
// interval; a shopper who goes to the same store two or three times a week also makes such chains. A real series
// keeps to its calendar: a weekly one to its weekday, a monthly one to its day of the month, a twice-a-month salary
// to its two days. These checks are what keeps everyday shopping out of the subscriptions, and out of "missed".
import { addDays, dayNumber, median, monthDay } from "./days.ts";

/** Days from a day to its month's end (0 on the last day). */
function toMonthEnd(day: string): number {
  return Number(monthDay(day, 0, 31).slice(8, 10)) - Number(day.slice(8, 10));
}

/** A day's place in its month: its day of month, or 31 for the month's last few days (paid "at the end"). */
export function monthPlace(day: string): number {
  const dom = Number(day.slice(8, 10));
  return dom >= 26 && toMonthEnd(day) <= 2 ? 31 : dom;
}

/** Days between two places in a month, around the turn of the month (the 1st moved back is near the 31st). */
function placeDistance(a: number, b: number): number {
  const d = Math.abs(a - b);
  return Math.min(d, 31 - d);
}

/** The share of `values` that `ok` accepts. */
function share<T>(values: readonly T[], ok: (v: T) => boolean): number {
  return values.length === 0 ? 0 : values.filter(ok).length / values.length;
}

/**
 * Whether `days` keep to one weekday (a bank holiday may move a few), their gaps whole multiples of `period` (±1 day).
 * Store visits about a week apart fall on whichever weekday.
 */
export function keepsPeriod(days: readonly string[], period: number, strict: boolean): boolean {
  const gaps = days.slice(1).map((d, i) => dayNumber(d) - dayNumber(days[i] ?? d));
  const weekdays = days.map((d) => dayNumber(d) % 7);
  const usual = Math.max(...[0, 1, 2, 3, 4, 5, 6].map((w) => share(weekdays, (v) => v === w)));
  const need = strict ? 0.85 : 0.75;
  return usual >= need && share(gaps, (g) => Math.abs(g - Math.max(1, Math.round(g / period)) * period) <= 1) >= need;
}

/** Whether `days` keep to one day of the month (±4 days, ±3 when the amount varies, as a bill's date then tells it). */
export function keepsDayOfMonth(days: readonly string[], strict: boolean): boolean {
  const places = days.map(monthPlace);
  const anchor = median(places);
  return share(places, (p) => placeDistance(p, anchor) <= (strict ? 3 : 4)) >= (strict ? 0.85 : 0.75);
}

/**
 * The two days of the month a twice-a-month series keeps to ("15th and month's end" is [15, 31]), or null when its
 * days do not fall into two tight groups at least ten days apart, each holding about half the payments.
 */
export function twoDaysOfMonth(days: readonly string[]): [number, number] | null {
  const places = days.map(monthPlace).sort((a, b) => a - b);
  if (places.length < 4) return null;
  let cut = 1;
  for (let i = 1; i < places.length; i++) if ((places[i] ?? 0) - (places[i - 1] ?? 0) > (places[cut] ?? 0) - (places[cut - 1] ?? 0)) cut = i;
  const low = places.slice(0, cut);
  const high = places.slice(cut);
  const spread = (g: readonly number[]) => (g[g.length - 1] ?? 0) - (g[0] ?? 0);
  if (spread(low) > 5 || spread(high) > 5) return null;
  if (Math.min(low.length, high.length) < 0.35 * places.length) return null;
  const a = Math.round(median(low));
  const b = Math.round(median(high));
  return b - a >= 10 ? [a, b] : null;
}

/** `day`, or the Friday before it when it falls on a weekend (pay and bills then come early). */
export function businessDayOnOrBefore(day: string): string {
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
  return dow === 6 ? addDays(day, -1) : dow === 0 ? addDays(day, -2) : day;
}

/** The next of a twice-a-month series' two days after `last` (each on its business day), at least a week on. */
export function nextOfTwoDays(last: string, [a, b]: readonly [number, number]): string {
  for (let k = 0; k <= 2; k++) {
    for (const dom of [a, b]) {
      const candidate = businessDayOnOrBefore(monthDay(last, k, dom));
      if (dayNumber(candidate) - dayNumber(last) >= 8) return candidate;
    }
  }
  return businessDayOnOrBefore(monthDay(last, 1, a));
}
