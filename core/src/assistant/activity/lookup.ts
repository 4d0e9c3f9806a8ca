import { and, asc, count, desc, eq, isNotNull, sql } from "drizzle-orm";
import { JobStatus } from "#protocol";
import type { ActivityQuery, ActivityView } from "#protocol";
import { activityView } from "../../activities/views.ts";
import { activityFilters } from "../../activities/filters.ts";
import { openDb, schema } from "../../db/index.ts";
import { newestFirst } from "../../cursor.ts";
import { ACTIVITY_LIMITS, type ListAsk } from "./ask.ts";
import { resolvePeriod, type Clock, type ResolvedPeriod } from "./period.ts";

// The assistant's read of the user's activity, straight from D1: no agent, no machine, read-only, so no
// permission prompt. What must stay true: every statement is scoped to the one user id it is given, and the
// filters it runs are exactly the dashboard's (same names, same meaning), so "Open in dashboard" shows the rows
// the answer counted.

const { activities } = schema;

/** The dashboard filters an answer used; they become its link's query string. */
export type DashboardFilters = Pick<ActivityQuery, "type" | "category" | "status" | "from" | "to" | "max_amount" | "q">;

/** Money out only: amounts are signed (negative is spent), so at most -0.01 is every purchase and no income. */
export const SPENT_ONLY = -0.01;

/** How `about` was read: one of the user's categories (case and plural aside), or words searched for. */
type Topic = { as: "category" | "words"; value: string };

/** What an ask found: the filters and period it ran with, the figures over every matching row, and the rows to cite. */
export type ActivityLookup = {
  ask: ListAsk;
  period: ResolvedPeriod | null;
  filters: DashboardFilters;
  topic: Topic | null;
  /** Rows matching the filters, all of them, not only those cited. */
  matched: number;
  /** The rows cited, in the answer's order (biggest first for "biggest", else newest first). */
  rows: ActivityView[];
  /** Totals per currency over every matching money row (positive numbers). */
  money: { currency: string; count: number; spent: number; received: number }[];
  /** Applications per status, for job asks. */
  statuses: { status: JobStatus; count: number }[];
};

/** Runs one ask for one user. @example await lookUpActivity(env.DB, userId, { kind: "spending", about: "groceries", period: "last_month" }, clock) */
export async function lookUpActivity(d1: D1Database, userId: string, ask: ListAsk, clock: Clock): Promise<ActivityLookup> {
  const db = openDb(d1);
  const period = resolvePeriod(ask.period, clock);
  const range = period ? { from: period.from, to: period.to } : {};
  const money = ask.kind === "spending" || ask.kind === "purchases";
  const topic: Topic | null = ask.about ? (money ? await readTopic(d1, userId, ask.about) : { as: "words", value: ask.about }) : null;
  const filters: DashboardFilters = {
    ...(money ? { type: "financial" } : ask.kind === "applications" ? { type: "job" } : ask.type ? { type: ask.type } : {}),
    ...(topic?.as === "category" ? { category: topic.value } : {}),
    ...(ask.kind === "applications" && ask.status ? { status: ask.status } : {}),
    ...range,
    ...(money ? { max_amount: SPENT_ONLY } : {}),
    ...(topic?.as === "words" ? { q: topic.value } : {}),
  };
  const where = and(...activityFilters(userId, filters));
  const order = ask.kind === "purchases" && ask.order === "amount" ? [asc(activities.amountMinor), ...newestFirst(activities, activities.occurredAt)] : newestFirst(activities, activities.occurredAt);
  const [rows, totals, statuses] = await db.batch([
    db.select().from(activities).where(where).orderBy(...order).limit(ask.limit ?? ACTIVITY_LIMITS.rows),
    db
      .select({
        currency: activities.currency,
        count: count(),
        spent: sql<number>`coalesce(-sum(CASE WHEN ${activities.amountMinor} < 0 THEN ${activities.amountMinor} ELSE 0 END), 0)`,
        received: sql<number>`coalesce(sum(CASE WHEN ${activities.amountMinor} > 0 THEN ${activities.amountMinor} ELSE 0 END), 0)`,
      })
      .from(activities)
      .where(where)
      .groupBy(activities.currency)
      .orderBy(desc(count())),
    db.select({ status: activities.jobStatus, count: count() }).from(activities).where(and(where, eq(activities.activityType, "job"))).groupBy(activities.jobStatus),
  ]);
  return {
    ask,
    period,
    filters,
    topic,
    matched: totals.reduce((sum, row) => sum + row.count, 0),
    rows: rows.map(activityView),
    money: totals.flatMap((row) => (row.currency === null ? [] : [{ currency: row.currency, count: row.count, spent: row.spent / 100, received: row.received / 100 }])),
    statuses: statuses.flatMap((row) => {
      const status = JobStatus.safeParse(row.status ?? "applied");
      return status.success ? [{ status: status.data, count: row.count }] : [];
    }),
  };
}

/** Whether the user has activity at all: the model is offered the activity tool only then. */
export async function hasActivity(d1: D1Database, userId: string): Promise<boolean> {
  const row = await openDb(d1).select({ id: activities.id }).from(activities).where(eq(activities.userId, userId)).limit(1).get();
  return row !== undefined;
}

/**
 * "groceries" is the user's category "Groceries" when they have one (ignoring case and a plural), so the answer
 * and the dashboard's exact category filter agree; otherwise the words are searched for, which finds merchants.
 */
async function readTopic(d1: D1Database, userId: string, about: string): Promise<Topic> {
  const categories = await openDb(d1)
    .select({ category: activities.category, count: count() })
    .from(activities)
    .where(and(eq(activities.userId, userId), eq(activities.activityType, "financial"), isNotNull(activities.category)))
    .groupBy(activities.category)
    .orderBy(desc(count()))
    .all();
  const wanted = stem(about);
  const hit = categories.find((row) => row.category !== null && stem(row.category) === wanted)?.category;
  return hit ? { as: "category", value: hit } : { as: "words", value: about };
}

const stem = (word: string) => word.trim().toLowerCase().replace(/\s+/g, " ").replace(/ies$/, "y").replace(/s$/, "");
