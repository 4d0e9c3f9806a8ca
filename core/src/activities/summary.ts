import type { z } from "zod";
import { ACTIVITY_TYPES, ActivitySummaryQuery, ActivityType, JobStatus } from "#protocol";
import type { ActivitySummary } from "#protocol";
import { summaryStatement } from "./summary-sql.ts";

// The dashboard's aggregates, added up in D1 from the rollups (migration 0020, summary-sql.ts): the browser never
// downloads the rows, and D1 never walks them either. Buckets are the viewer's local days, Monday-start weeks or
// months, from `tz_offset`; `from` and `to` are inclusive and may fall on any millisecond.
//
// One statement answers every part: rows are grouped by (bucket, type, category, currency, status), the rollups'
// own key, and spending, cash flow, applications, the pipeline and the timeline are added up here from those groups
// (a few thousand at most). The key already says 'uncategorised' for a missing category and 'applied' for a missing
// status, as the summary always has. summary-rollups.test.ts compares the answers with the raw rows grouped in
// JavaScript, after random writes, for random zones, ranges and buckets.

type Query = z.output<typeof ActivitySummaryQuery>;

/** One group of the summary statement: a bucket and the rollup key, with its counts and sums (minor units). */
export type SummaryGroup = {
  bucket: string;
  activity_type: string;
  category: string;
  currency: string;
  job_status: string;
  entries: number;
  spent_entries: number;
  spent_minor: number;
  income_minor: number;
};

/** Each type by its name: a lookup per group, where a zod parse per group showed in the summary's CPU. */
const TYPES = new Map<string, ActivityType>(ACTIVITY_TYPES.map((type) => [type, type]));

/** SQLite's order for the grouped values (text by code point), so the answer keeps SQL's order. */
function sqlOrder(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
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
  const statement = summaryStatement(userId, query);
  // A batch of one, so the bench's node:sqlite stand-in (bench/lib/activity-sql.mjs) times exactly this statement.
  const [{ results }] = await d1.batch<SummaryGroup>([d1.prepare(statement.sql).bind(...statement.args)]);
  return summaryFromGroups(query.group, results);
}

/** The summary's parts added up from its groups, which come ordered by bucket, type, category, currency, status. */
export function summaryFromGroups(group: Query["group"], groups: readonly SummaryGroup[]): ActivitySummary {
  const minor = (value: unknown) => Number(value ?? 0);

  const spending: ActivitySummary["spending"] = [];
  const cashFlow = new Map<string, { bucket: string; currency: string; income: number; spending: number }>();
  const timeline = new Map<string, { bucket: string; activity_type: ActivityType; count: number }>();
  const applications = new Map<string, number>();
  const pipeline = new Map<string, number>();
  for (const g of groups) {
    const bucket = String(g.bucket);
    const type = TYPES.get(String(g.activity_type));
    if (type === undefined) continue;
    const count = minor(g.entries);
    entry(timeline, `${bucket} ${type}`, () => ({ bucket, activity_type: type, count: 0 })).count += count;
    if (type === "financial") {
      const spent = -minor(g.spent_minor);
      if (minor(g.spent_entries) > 0) spending.push({ bucket, category: String(g.category), currency: String(g.currency), total: spent / 100 });
      const flow = entry(cashFlow, `${bucket}\n${g.currency}`, () => ({ bucket, currency: String(g.currency), income: 0, spending: 0 }));
      flow.income += minor(g.income_minor);
      flow.spending += spent;
    } else if (type === "job") {
      applications.set(bucket, (applications.get(bucket) ?? 0) + count);
      pipeline.set(String(g.job_status), (pipeline.get(String(g.job_status)) ?? 0) + count);
    }
  }
  return {
    group,
    spending,
    cash_flow: [...cashFlow.values()]
      .sort((a, b) => sqlOrder(a.bucket, b.bucket) || sqlOrder(a.currency, b.currency))
      .map((f) => ({ bucket: f.bucket, currency: f.currency, income: f.income / 100, spending: f.spending / 100 })),
    applications: [...applications].map(([bucket, count]) => ({ bucket, count })),
    pipeline: [...pipeline].sort(([a], [b]) => sqlOrder(a, b)).flatMap(([value, count]) => {
      const status = JobStatus.safeParse(value);
      return status.success ? [{ status: status.data, count }] : [];
    }),
    timeline: [...timeline.values()],
  };
}
