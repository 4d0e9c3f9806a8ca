// The demo account: who it is, and about thirteen months of made-up money (so yearly bills and usual levels show)
// and four months of job search, ending at a given instant. Pure: the same
// `now` always gives the same events (seeded randomness), so only the anchor to today changes between days.
import { DAY_MS, localDay } from "./calendar.mjs";
import { jobEvents } from "./jobs.mjs";
import { moneyEvents } from "./money.mjs";

export { demoSql } from "./sql.mjs";

/** @typedef {import("./money.mjs").DemoEvent} DemoEvent */

/** The demo account's sign-in, printed by `npm run demo` and given in the README. */
export const DEMO_ACCOUNT = Object.freeze({ email: "demo@hearth.local", password: "hearth demo account", name: "Demo User" });

/** How far back the demo activity goes, today included: over a year, so a yearly payment is seen twice. */
export const DEMO_DAYS = 400;

/** How far back the job search goes. */
const JOB_DAYS = 120;

/**
 * Every demo event from DEMO_DAYS ago up to `now` (nothing later), oldest first. Each is tagged "demo" and has
 * `details.demo` set, so it is plain to see, and to filter, as made-up data.
 * @param {Date} now
 * @returns {DemoEvent[]}
 */
export function demoEvents(now) {
  const last = localDay(now);
  const range = { first: last - (DEMO_DAYS - 1) * DAY_MS, last };
  return [...moneyEvents(range), ...jobEvents({ first: last - (JOB_DAYS - 1) * DAY_MS, last })]
    .filter((event) => Date.parse(event.timestamp) <= now.getTime())
    .sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || a.event_id.localeCompare(b.event_id));
}
