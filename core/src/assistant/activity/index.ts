import { splitAsk, type ActivityAsk } from "./ask.ts";
import { activityAnswer } from "./answer.ts";
import { hasActivity, lookUpActivity } from "./lookup.ts";
import { historyAnswer } from "./money.ts";
import type { Clock } from "./period.ts";

// The assistant's activity questions: parsed from a sentence (phrasings.ts) or asked by the model through the
// `activity_query` tool (ask.ts), looked up in D1 for the one user (lookup.ts) and answered in markdown with a
// link to the same filters on the dashboard (answer.ts). Subscriptions, salary and "why is this month higher" read
// the history as a whole (money.ts).

export { ACTIVITY_TOOL, ACTIVITY_TOOL_NAME, ActivityAsk, askFromToolArgs } from "./ask.ts";
export { activityAnswer, dashboardLink } from "./answer.ts";
export { hasActivity, lookUpActivity, SPENT_ONLY } from "./lookup.ts";
export { historyAnswer } from "./money.ts";
export type { ActivityLookup, DashboardFilters } from "./lookup.ts";
export { parseActivityQuestion } from "./phrasings.ts";
export { Period, resolvePeriod } from "./period.ts";
export type { Clock, ResolvedPeriod } from "./period.ts";

/** What the assistant graph needs to answer activity questions for the user of the turn. */
export type ActivitySource = {
  /** Whether the user has activity at all; the model is offered the tool only then. */
  hasData(): Promise<boolean>;
  /** The markdown answer to one ask, from the user's own rows. */
  answer(ask: ActivityAsk): Promise<string>;
  /** The turn's clock: the model is told today's date so it can name periods. */
  clock(): Clock;
};

/**
 * Activity questions for one user. Without `tzOffsetMinutes` (a client that does not send its time zone)
 * days are counted in UTC, and answers say so.
 * @example activitySource(env.DB, userId).answer({ kind: "spending", about: "groceries", period: "last_month" })
 */
export function activitySource(db: D1Database, userId: string, options: { tzOffsetMinutes?: number | null; now?: () => number } = {}): ActivitySource {
  const tzOffsetMinutes = options.tzOffsetMinutes ?? null;
  const clock = (): Clock => ({ now: options.now?.() ?? Date.now(), tzOffsetMinutes });
  return {
    hasData: () => hasActivity(db, userId),
    answer: async (ask) => {
      const split = splitAsk(ask);
      return "list" in split ? activityAnswer(await lookUpActivity(db, userId, split.list, clock()), tzOffsetMinutes) : historyAnswer(db, userId, split.history, clock());
    },
    clock,
  };
}
