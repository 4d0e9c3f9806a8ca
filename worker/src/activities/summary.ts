import type { z } from "zod";
import { ACTIVITY_TYPES, ActivitySummaryQuery, ActivityType, JobStatus } from "#protocol";
import type { ActivitySummary } from "#protocol";

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
type Row = Record<string, unknown>;

/** The types counted only in the timeline (money and jobs have statements of their own). */
const OTHER_TYPES = ACTIVITY_TYPES.filter((type) => type !== "financial" && type !== "job");

/** SQL for the bucket label of `occurred_at`, shifted to the viewer's time zone. */
function bucketSql(group: Query["group"]): string {
  const local = "occurred_at / 1000 + ?1 * 60, 'unixepoch'";
  switch (group) {
    case "day":
      return `strftime('%Y-%m-%d', ${local})`;
    case "week":
      return `date(${local}, '-6 days', 'weekday 1')`;
    case "month":
      return `strftime('%Y-%m', ${local})`;
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
export async function activitySummary(db: D1Database, userId: string, query: Query): Promise<ActivitySummary> {
  const bucket = bucketSql(query.group);
  // ?1 tz offset, ?2 user, then the bounds that are given
  const params: (number | string)[] = [query.tz_offset, userId];
  const where = ["user_id = ?2"];
  if (query.from !== undefined) where.push(`occurred_at >= ?${params.push(query.from)}`);
  if (query.to !== undefined) where.push(`occurred_at <= ?${params.push(query.to)}`);
  const range = where.join(" AND ");
  const bind = (statement: string) => db.prepare(statement).bind(...params);
  const [moneyGroups, jobGroups, otherGroups] = await db.batch<Row>([
    bind(`SELECT ${bucket} AS bucket, coalesce(category, 'uncategorised') AS category, currency, count(*) AS count,
            count(CASE WHEN amount_minor < 0 THEN 1 END) AS spent_count,
            -sum(CASE WHEN amount_minor < 0 THEN amount_minor ELSE 0 END) AS spending,
            sum(CASE WHEN amount_minor > 0 THEN amount_minor ELSE 0 END) AS income
          FROM activities WHERE ${range} AND activity_type = 'financial' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`),
    bind(`SELECT ${bucket} AS bucket, coalesce(job_status, 'applied') AS status, count(*) AS count
          FROM activities WHERE ${range} AND activity_type = 'job' GROUP BY 1, 2 ORDER BY 1, 2`),
    bind(`SELECT ${bucket} AS bucket, activity_type, count(*) AS count
          FROM activities WHERE ${range} AND activity_type IN (${OTHER_TYPES.map((type) => `'${type}'`).join(", ")})
          GROUP BY 1, 2 ORDER BY 1, 2`),
  ]);
  const rows = (result: D1Result<Row> | undefined) => result?.results ?? [];
  const minor = (value: unknown) => Number(value ?? 0);

  const spending: ActivitySummary["spending"] = [];
  const cashFlow = new Map<string, { bucket: string; currency: unknown; income: number; spending: number }>();
  const timeline = new Map<string, { bucket: string; activity_type: ActivityType; count: number }>();
  const countIn = (bucket: string, type: ActivityType, count: number) => {
    entry(timeline, `${bucket} ${type}`, () => ({ bucket, activity_type: type, count: 0 })).count += count;
  };
  for (const r of rows(moneyGroups)) {
    const bucket = String(r.bucket);
    if (minor(r.spent_count) > 0) spending.push({ bucket, category: String(r.category), currency: String(r.currency), total: minor(r.spending) / 100 });
    const flow = entry(cashFlow, JSON.stringify([bucket, r.currency]), () => ({ bucket, currency: r.currency, income: 0, spending: 0 }));
    flow.income += minor(r.income);
    flow.spending += minor(r.spending);
    countIn(bucket, "financial", minor(r.count));
  }
  const applications = new Map<string, number>();
  const pipeline = new Map<string, number>();
  for (const r of rows(jobGroups)) {
    const bucket = String(r.bucket);
    const count = minor(r.count);
    applications.set(bucket, (applications.get(bucket) ?? 0) + count);
    pipeline.set(String(r.status), (pipeline.get(String(r.status)) ?? 0) + count);
    countIn(bucket, "job", count);
  }
  for (const r of rows(otherGroups)) {
    const type = ActivityType.safeParse(r.activity_type);
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
