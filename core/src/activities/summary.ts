import { and, eq, gte, inArray, lte, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { z } from "zod";
import { ACTIVITY_TYPES, ActivitySummaryQuery, ActivityType, JobStatus } from "#protocol";
import type { ActivitySummary } from "#protocol";
import { openDb, schema } from "../db/index.ts";

// The dashboard's aggregates, GROUP BY in D1: the browser never downloads the rows. Buckets are the viewer's local
// days, Monday-start weeks or months, from `tz_offset`.
//
// What keeps this fast at a million rows (bench/README.md, activity-queries), and must stay true:
// - Every column read here is in `activities_user_type_time_cover_idx`, and every statement names its activity
//   types, so SQLite reads that index alone, never the table.
// - A range bound is written only when it is given. `(? IS NULL OR occurred_at >= ?)` would stop SQLite from
//   seeking to it, and a 30-day summary would walk all of the user's rows.
// - Sorting rows into groups is most of the cost, so each row is grouped once: money by (bucket, category,
//   currency), jobs by (bucket, status), the other types by (bucket, type). Cash flow, applications, the pipeline
//   and the timeline are added up here from those groups.

type Query = z.output<typeof ActivitySummaryQuery>;

const { activities } = schema;

/** The types counted only in the timeline (money and jobs have statements of their own). */
const OTHER_TYPES = ACTIVITY_TYPES.filter((type) => type !== "financial" && type !== "job");

/** SQL for the bucket label of `occurred_at`, shifted to the viewer's time zone. */
function bucketSql(group: Query["group"], tzOffset: number): SQL<string> {
  const local = sql`${activities.occurredAt} / 1000 + ${tzOffset} * 60, 'unixepoch'`;
  switch (group) {
    case "day":
      return sql<string>`strftime('%Y-%m-%d', ${local})`;
    case "week":
      return sql<string>`date(${local}, '-6 days', 'weekday 1')`;
    case "month":
      return sql<string>`strftime('%Y-%m', ${local})`;
  }
}

/** SQLite's order for the grouped values (NULL first, then text by code point), so the answer keeps SQL's order. */
function sqlOrder(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return String(a) < String(b) ? -1 : 1;
}

/** The value kept under `key` in `map`, made by `create` the first time. */
function entry<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  const found = map.get(key);
  if (found !== undefined) return found;
  const made = create();
  map.set(key, made);
  return made;
}

/** Spending, cash flow, applications, the pipeline and the timeline for one user, over `from` … `to` (both optional, inclusive). */
export async function activitySummary(d1: D1Database, userId: string, query: Query): Promise<ActivitySummary> {
  const db = openDb(d1);
  const bucket = bucketSql(query.group, query.tz_offset).as("bucket");
  const range = (types: SQL | undefined) =>
    and(
      eq(activities.userId, userId),
      query.from === undefined ? undefined : gte(activities.occurredAt, query.from),
      query.to === undefined ? undefined : lte(activities.occurredAt, query.to),
      types,
    );
  // Grouped and ordered by position: the bucket is an expression, and naming it again would bind the offset twice.
  const byFirst = (n: 2 | 3) => sql.raw(n === 2 ? "1, 2" : "1, 2, 3");
  const [moneyGroups, jobGroups, otherGroups] = await db.batch([
    db
      .select({
        bucket,
        category: sql<string>`coalesce(${activities.category}, 'uncategorised')`.as("category"),
        currency: activities.currency,
        count: sql<number>`count(*)`.as("count"),
        spentCount: sql<number>`count(CASE WHEN ${activities.amountMinor} < 0 THEN 1 END)`.as("spent_count"),
        spending: sql<number | null>`-sum(CASE WHEN ${activities.amountMinor} < 0 THEN ${activities.amountMinor} ELSE 0 END)`.as("spending"),
        income: sql<number | null>`sum(CASE WHEN ${activities.amountMinor} > 0 THEN ${activities.amountMinor} ELSE 0 END)`.as("income"),
      })
      .from(activities)
      .where(range(eq(activities.activityType, "financial")))
      .groupBy(byFirst(3))
      .orderBy(byFirst(3)),
    db
      .select({ bucket, status: sql<string>`coalesce(${activities.jobStatus}, 'applied')`.as("status"), count: sql<number>`count(*)`.as("count") })
      .from(activities)
      .where(range(eq(activities.activityType, "job")))
      .groupBy(byFirst(2))
      .orderBy(byFirst(2)),
    db
      .select({ bucket, activityType: activities.activityType, count: sql<number>`count(*)`.as("count") })
      .from(activities)
      .where(range(inArray(activities.activityType, OTHER_TYPES)))
      .groupBy(byFirst(2))
      .orderBy(byFirst(2)),
  ]);
  const minor = (value: unknown) => Number(value ?? 0);

  const spending: ActivitySummary["spending"] = [];
  const cashFlow = new Map<string, { bucket: string; currency: unknown; income: number; spending: number }>();
  const timeline = new Map<string, { bucket: string; activity_type: ActivityType; count: number }>();
  const countIn = (bucket: string, type: ActivityType, count: number) => {
    entry(timeline, `${bucket} ${type}`, () => ({ bucket, activity_type: type, count: 0 })).count += count;
  };
  for (const r of moneyGroups) {
    const bucket = String(r.bucket);
    if (minor(r.spentCount) > 0) spending.push({ bucket, category: String(r.category), currency: String(r.currency), total: minor(r.spending) / 100 });
    const flow = entry(cashFlow, JSON.stringify([bucket, r.currency]), () => ({ bucket, currency: r.currency, income: 0, spending: 0 }));
    flow.income += minor(r.income);
    flow.spending += minor(r.spending);
    countIn(bucket, "financial", minor(r.count));
  }
  const applications = new Map<string, number>();
  const pipeline = new Map<string, number>();
  for (const r of jobGroups) {
    const bucket = String(r.bucket);
    const count = minor(r.count);
    applications.set(bucket, (applications.get(bucket) ?? 0) + count);
    pipeline.set(String(r.status), (pipeline.get(String(r.status)) ?? 0) + count);
    countIn(bucket, "job", count);
  }
  for (const r of otherGroups) {
    const type = ActivityType.safeParse(r.activityType);
    if (type.success) countIn(String(r.bucket), type.data, minor(r.count));
  }
  return {
    group: query.group,
    spending,
    cash_flow: [...cashFlow.values()]
      .sort((a, b) => sqlOrder(a.bucket, b.bucket) || sqlOrder(a.currency, b.currency))
      .map((f) => ({ bucket: f.bucket, currency: String(f.currency), income: f.income / 100, spending: f.spending / 100 })),
    applications: [...applications].map(([bucket, count]) => ({ bucket, count })),
    pipeline: [...pipeline].sort(([a], [b]) => sqlOrder(a, b)).flatMap(([value, count]) => {
      const status = JobStatus.safeParse(value);
      return status.success ? [{ status: status.data, count }] : [];
    }),
    timeline: [...timeline.values()].sort((a, b) => sqlOrder(a.bucket, b.bucket) || sqlOrder(a.activity_type, b.activity_type)),
  };
}
