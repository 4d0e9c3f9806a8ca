import { eq, gte, lte, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { ActivityQuery } from "#protocol";
import { ftsQuery } from "../chat/views.ts";
import { schema } from "../db/index.ts";

const { activities } = schema;

/** The filters GET /api/activities, the dashboard's URL and the assistant's answers share. */
export type ActivityFilterValues = Omit<ActivityQuery, "limit" | "before">;

/** The SQL conditions for the filters (the user's own rows only). A search with no words in it matches nothing. */
export function activityFilters(userId: string, query: ActivityFilterValues): (SQL | undefined)[] {
  const match = query.q ? ftsQuery(query.q) : null;
  return [
    eq(activities.userId, userId),
    query.type ? eq(activities.activityType, query.type) : undefined,
    query.application ? eq(activities.application, query.application) : undefined,
    query.category ? eq(activities.category, query.category) : undefined,
    query.status ? eq(activities.jobStatus, query.status) : undefined,
    query.tag ? sql`EXISTS (SELECT 1 FROM json_each(${activities.tags}) WHERE value = ${query.tag})` : undefined,
    query.from !== undefined ? gte(activities.occurredAt, query.from) : undefined,
    query.to !== undefined ? lte(activities.occurredAt, query.to) : undefined,
    query.min_amount !== undefined ? gte(activities.amountMinor, Math.round(query.min_amount * 100)) : undefined,
    query.max_amount !== undefined ? lte(activities.amountMinor, Math.round(query.max_amount * 100)) : undefined,
    match ? sql`${activities}.rowid IN (SELECT rowid FROM activities_fts WHERE activities_fts MATCH ${match})` : undefined,
    query.q && !match ? sql`0` : undefined,
  ];
}
