// Times for people, in the viewer's locale: pure, so they are tested in Node (time.test.ts). The ticking clock that
// redraws them is in time.svelte.ts.

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600_000],
  ["month", 30 * 24 * 3600_000],
  ["week", 7 * 24 * 3600_000],
  ["day", 24 * 3600_000],
  ["hour", 3600_000],
  ["minute", 60_000],
];

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/**
 * "just now", "5 minutes ago", "in 1 hour": epoch milliseconds relative to `now`.
 * @example relativeTime(Date.now() - 90_000) // "1 minute ago"
 */
export function relativeTime(at: number, now = Date.now()): string {
  const delta = at - now;
  if (Math.abs(delta) < 45_000) return delta > 0 ? "in a moment" : "just now";
  for (const [unit, ms] of UNITS) {
    if (Math.abs(delta) >= ms) return relative.format(Math.round(delta / ms), unit);
  }
  return relative.format(Math.round(delta / 60_000), "minute");
}

/** A full local date and time, for tooltips and tables. */
export function absoluteTime(at: number): string {
  return absolute.format(at);
}
