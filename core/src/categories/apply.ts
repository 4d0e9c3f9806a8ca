import { and, eq, isNotNull, max, sql } from "drizzle-orm";
import type { ActivityEvent } from "#protocol";
import { openDb, schema } from "../db/index.ts";

// How imported transactions get their categories (issue 19 adds the user's rules here).

const { activities } = schema;

/**
 * Uncategorised transactions get the category this user last gave the same merchant, so a correction made once in
 * the dashboard carries over to the next statement.
 */
export async function learnedCategories(db: D1Database, userId: string, events: readonly ActivityEvent[]): Promise<ActivityEvent[]> {
  const merchantOf = (event: ActivityEvent) => (typeof event.details.merchant === "string" ? event.details.merchant : null);
  const wanted = [...new Set(events.filter((event) => event.details.category === undefined).map(merchantOf).filter((m): m is string => m !== null))];
  if (wanted.length === 0) return [...events];
  // The merchants go in as one JSON parameter (json_each), so any number stays under D1's 100 bound parameters.
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
