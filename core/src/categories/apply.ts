import { and, asc, eq, isNotNull, max, sql } from "drizzle-orm";
import type { ActivityEvent } from "#protocol";
import { openDb, schema } from "../db/index.ts";
import { compileRule, ruleCategory } from "./match.ts";
import type { CompiledRule, MatchText } from "./match.ts";

// How arriving transactions get their categories: the user's rules first, then the category the user last gave the
// same merchant. Ingest calls this for every way in (agent, API, upload), and the import preview to show it.

const { activities, categoryRules } = schema;

/** The user's rules in the order they are tried, ready to test. */
export async function loadRules(db: D1Database, userId: string): Promise<CompiledRule[]> {
  const rows = await openDb(db)
    .select({ match: categoryRules.match, pattern: categoryRules.pattern, category: categoryRules.category })
    .from(categoryRules)
    .where(eq(categoryRules.userId, userId))
    .orderBy(asc(categoryRules.position), asc(categoryRules.createdAt))
    .all();
  return rows.map(compileRule);
}

/** What a rule reads in an event: the merchant, and the description (the event's own, or the one in details). */
export function eventText(event: ActivityEvent): MatchText {
  const merchant = typeof event.details.merchant === "string" ? event.details.merchant : null;
  const description = event.description ?? (typeof event.details.description === "string" ? event.details.description : null);
  return { merchant, description };
}

const isMoney = (event: ActivityEvent) => event.activity_type === "financial";

/**
 * The events with categories given: a transaction a rule matches takes the rule's category (the user's own rule
 * says more than a bank's category column); one no rule matches and that has no category takes the learned one.
 * Other events pass through unchanged, and a batch with no transactions costs no query.
 */
export async function categoriseEvents(db: D1Database, userId: string, events: readonly ActivityEvent[]): Promise<ActivityEvent[]> {
  if (!events.some(isMoney)) return [...events];
  const rules = await loadRules(db, userId);
  const ruled = events.map((event) => {
    if (!isMoney(event)) return event;
    const category = ruleCategory(rules, eventText(event));
    return category === null ? event : { ...event, details: { ...event.details, category } };
  });
  return learnedCategories(db, userId, ruled);
}

/**
 * Uncategorised transactions get the category this user last gave the same merchant, so a correction made once in
 * the dashboard carries over to the next statement.
 */
export async function learnedCategories(db: D1Database, userId: string, events: readonly ActivityEvent[]): Promise<ActivityEvent[]> {
  const merchantOf = (event: ActivityEvent) => (typeof event.details.merchant === "string" ? event.details.merchant : null);
  const wanted = [...new Set(events.filter((event) => event.details.category === undefined).map(merchantOf).filter((m): m is string => m !== null))];
  if (wanted.length === 0) return [...events];
  // The merchants go in as one JSON parameter (json_each), so however many there are, the query stays under D1's 100 bound parameters.
  // SQLite gives a bare column beside max() the values of the row holding the max: the newest categorised row.
  const results = await openDb(db)
    .select({ merchant: activities.merchant, category: activities.category, newest: max(activities.updatedAt) })
    .from(activities)
    .where(
      and(eq(activities.userId, userId), isNotNull(activities.category), sql`${activities.merchant} IN (SELECT value FROM json_each(${JSON.stringify(wanted)}))`),
    )
    .groupBy(activities.merchant)
    .all();
  const learned = new Map(results.map((row) => [row.merchant ?? "", row.category ?? ""]));
  return events.map((event) => {
    const category = event.details.category === undefined ? learned.get(merchantOf(event) ?? "") : undefined;
    return category ? { ...event, details: { ...event.details, category } } : event;
  });
}
