// The demo person's calendar. They live in San Francisco, so every timestamp carries a fixed -08:00 offset
// (daylight saving is ignored: the timestamps are valid either way, and the data stays simple to read).
// A "day" is the local calendar date as the epoch ms of its UTC midnight, which makes day arithmetic plain addition.

export const DAY_MS = 86_400_000;
const OFFSET = "-08:00";
const OFFSET_MS = -8 * 3_600_000;

/**
 * The demo person's calendar day at the instant `now`.
 * @param {Date} now
 */
export function localDay(now) {
  return Math.floor((now.getTime() + OFFSET_MS) / DAY_MS) * DAY_MS;
}

/**
 * `YYYY-MM-DD` of a day.
 * @param {number} day
 */
export function dateOf(day) {
  return new Date(day).toISOString().slice(0, 10);
}

/**
 * The ISO 8601 timestamp of a local time of day, with the demo person's offset.
 * @param {number} day
 * @param {number} hour
 * @param {number} minute
 */
export function stamp(day, hour, minute) {
  return `${dateOf(day)}T${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}:00${OFFSET}`;
}

/**
 * Day of the month (1–31), day of the week (0 = Sunday) and the month's length.
 * @param {number} day
 */
export function partsOf(day) {
  const date = new Date(day);
  const monthLength = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  return { dayOfMonth: date.getUTCDate(), weekday: date.getUTCDay(), month: date.getUTCMonth(), monthLength };
}

/**
 * The business day on or before `dayOfMonth` in the month of `day`: paydays and bills that fall on a weekend
 * move back to the Friday.
 * @param {number} day
 * @param {number} dayOfMonth
 */
export function businessDayOnOrBefore(day, dayOfMonth) {
  const { dayOfMonth: today } = partsOf(day);
  let target = day + (dayOfMonth - today) * DAY_MS;
  while ([0, 6].includes(partsOf(target).weekday)) target -= DAY_MS;
  return target;
}
