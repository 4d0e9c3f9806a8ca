import type { z } from "zod";
import { ActivitySummaryQuery, ActivityType, JobStatus } from "#protocol";
import type { ActivitySummary } from "#protocol";

// The dashboard's aggregates, each one GROUP BY in D1: the browser never downloads the rows. Buckets are the
// viewer's local days, Monday-start weeks or months, from `tz_offset`.

type Query = z.output<typeof ActivitySummaryQuery>;

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

export async function activitySummary(db: D1Database, userId: string, query: Query): Promise<ActivitySummary> {
  const bucket = bucketSql(query.group);
  // ?1 tz offset, ?2 user, ?3 from, ?4 to (null = open)
  const range = "user_id = ?2 AND (?3 IS NULL OR occurred_at >= ?3) AND (?4 IS NULL OR occurred_at <= ?4)";
  const bind = (statement: string) => db.prepare(statement).bind(query.tz_offset, userId, query.from ?? null, query.to ?? null);
  const [spending, cashFlow, applications, pipeline, timeline] = await db.batch<Record<string, unknown>>([
    bind(`SELECT ${bucket} AS bucket, coalesce(category, 'uncategorised') AS category, currency, -sum(amount_minor) AS total
          FROM activities WHERE ${range} AND activity_type = 'financial' AND amount_minor < 0
          GROUP BY 1, 2, 3 ORDER BY 1, 2`),
    bind(`SELECT ${bucket} AS bucket, currency,
            sum(CASE WHEN amount_minor > 0 THEN amount_minor ELSE 0 END) AS income,
            -sum(CASE WHEN amount_minor < 0 THEN amount_minor ELSE 0 END) AS spending
          FROM activities WHERE ${range} AND activity_type = 'financial' GROUP BY 1, 2 ORDER BY 1`),
    bind(`SELECT ${bucket} AS bucket, count(*) AS count FROM activities WHERE ${range} AND activity_type = 'job' GROUP BY 1 ORDER BY 1`),
    bind(`SELECT coalesce(job_status, 'applied') AS status, count(*) AS count FROM activities WHERE ${range} AND activity_type = 'job' GROUP BY 1`),
    bind(`SELECT ${bucket} AS bucket, activity_type, count(*) AS count FROM activities WHERE ${range} GROUP BY 1, 2 ORDER BY 1`),
  ]);
  const rows = (result: D1Result<Record<string, unknown>> | undefined) => result?.results ?? [];
  const money = (value: unknown) => Number(value ?? 0) / 100;
  return {
    group: query.group,
    spending: rows(spending).map((r) => ({ bucket: String(r.bucket), category: String(r.category), currency: String(r.currency), total: money(r.total) })),
    cash_flow: rows(cashFlow).map((r) => ({ bucket: String(r.bucket), currency: String(r.currency), income: money(r.income), spending: money(r.spending) })),
    applications: rows(applications).map((r) => ({ bucket: String(r.bucket), count: Number(r.count) })),
    pipeline: rows(pipeline).flatMap((r) => {
      const status = JobStatus.safeParse(r.status);
      return status.success ? [{ status: status.data, count: Number(r.count) }] : [];
    }),
    timeline: rows(timeline).flatMap((r) => {
      const type = ActivityType.safeParse(r.activity_type);
      return type.success ? [{ bucket: String(r.bucket), activity_type: type.data, count: Number(r.count) }] : [];
    }),
  };
}
