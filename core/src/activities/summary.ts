import type { z } from "zod";
import { ActivitySummaryQuery, ActivityType, JobStatus } from "#protocol";
import type { ActivitySummary } from "#protocol";

// The dashboard's aggregates, added up in D1 from the rollups (migration 0020): the browser never downloads the
// rows, and D1 never walks them either. Buckets are the viewer's local days, Monday-start weeks or months, from
// `tz_offset`; `from` and `to` are inclusive and may fall on any millisecond.
//
// Why this is exact, and what must stay true:
// - The rollups (`activity_rollup_daily`, `activity_rollup_hourly`) are kept by triggers on `activities`, so every
//   writer updates them in its own statement. They count every row once, under its UTC day and UTC hour.
// - A UTC day whose first and last second fall in the same local bucket, and which lies wholly inside the range, is
//   read from the daily rollup. Any other day ("cut": a local midnight, week or month start, or a range edge falls
//   inside it) is read hour by hour from the hourly rollup, the same way, and any hour that is itself cut (offsets
//   like +330 or +345, or a range edge at 10:17) is read from the activities themselves, through the covering index
//   (`activities_user_type_time_cover_idx`, one seek per cut hour and type). Every row is counted at exactly one
//   of the three grains. Buckets start on whole minutes, so a day's or hour's last whole second stands for its
//   last millisecond.
// - One statement answers every part: rows are grouped by (bucket, type, category, currency, status), the rollups'
//   own key, and spending, cash flow, applications, the pipeline and the timeline are added up here from those
//   groups (a few thousand at most). The key already says 'uncategorised' for a missing category and 'applied' for a
//   missing status, as the summary always has.
// - A range bound is written only when it is given: `(? IS NULL OR …)` would stop SQLite from seeking to it.
// - The cut days and hours drive their joins (`CROSS JOIN` fixes SQLite's join order): left to itself, SQLite put
//   the activities outside and walked every row of the user once per cut hour.
//
// summary.test.ts compares this with a plain GROUP BY over `activities` on random rows, writes and zones.

type Query = z.output<typeof ActivitySummaryQuery>;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The types the summary counts; the IN list lets the raw edges seek on the covering index per type. */
const TYPES_SQL = ActivityType.options.map((type) => `'${type}'`).join(", ");

/** SQL for the bucket label of an epoch-seconds expression `seconds`, in the viewer's zone (`?2`: the offset in seconds). */
function label(group: Query["group"], seconds: string): string {
  const local = `${seconds} + ?2, 'unixepoch'`;
  switch (group) {
    case "day":
      return `strftime('%Y-%m-%d', ${local})`;
    case "week":
      return `date(${local}, '-6 days', 'weekday 1')`;
    case "month":
      return `strftime('%Y-%m', ${local})`;
  }
}

/** SQL for ⌊x / m⌋ (SQLite's `/` rounds toward zero, which is wrong before 1970). */
const floorDiv = (x: string, m: number) => `((${x}) - (((${x}) % ${m}) + ${m}) % ${m}) / ${m}`;

/**
 * SQL that is true when the UTC span [`start`, `start` + `length`) lies in one local bucket: its first and last
 * whole seconds share a bucket. Days and weeks by arithmetic (1970-01-01 was a Thursday, so Monday-start weeks are
 * ⌊(local ms + 3 days) / 7 days⌋), months by their labels.
 */
function sameBucket(group: Query["group"], start: string, length: number): string {
  const last = `${start} + ${length - 1000}`;
  switch (group) {
    case "day":
      return `${floorDiv(`${start} + ?2 * 1000`, DAY_MS)} = ${floorDiv(`${last} + ?2 * 1000`, DAY_MS)}`;
    case "week":
      return `${floorDiv(`${start} + ?2 * 1000 + ${3 * DAY_MS}`, 7 * DAY_MS)} = ${floorDiv(`${last} + ?2 * 1000 + ${3 * DAY_MS}`, 7 * DAY_MS)}`;
    case "month":
      return `${label(group, `${start} / 1000`)} = ${label(group, `(${last}) / 1000`)}`;
  }
}

/** The summary's one statement and its arguments (`?1` the user, `?2` the offset in seconds, then the bounds given). */
export function summaryStatement(userId: string, query: Query): { sql: string; args: (string | number)[] } {
  const args: (string | number)[] = [userId, query.tz_offset * 60];
  const bound = (value: number) => `?${args.push(value)}`;
  const from = query.from === undefined ? undefined : bound(query.from);
  const to = query.to === undefined ? undefined : bound(query.to);
  const and = (conditions: (string | false | undefined)[]) => conditions.filter(Boolean).map((c) => ` AND ${c}`).join("");
  /** The span [column, column + length) overlaps the range. */
  const overlaps = (column: string, length: number) => and([from && `${column} > ${from} - ${length}`, to && `${column} <= ${to}`]);
  /** The span lies in one bucket and wholly in the range. */
  const whole = (column: string, length: number) =>
    `${sameBucket(query.group, column, length)}${and([from && `${column} >= ${from}`, to && `${column} + ${length - 1} <= ${to}`])}`;
  const key = "activity_type, category, currency, job_status";
  const sums = "entries, spent_entries, spent_minor, income_minor";
  const rollup = (alias: string) => [...key.split(", "), ...sums.split(", ")].map((c) => `${alias}.${c}`).join(", ");
  // floor(occurred_at / 1000): SQLite's `/` rounds toward zero, which would put a time before 1970 a second late.
  const rawSeconds = floorDiv("a.occurred_at", 1000);
  // Labels are computed once per day and per cut hour, not per rollup row: date functions are most of the cost.
  const sql = `WITH
days AS MATERIALIZED (
  SELECT day, ${label(query.group, "day / 1000")} AS bucket, ${whole("day", DAY_MS)} AS whole
  FROM (SELECT DISTINCT day FROM activity_rollup_daily WHERE user_id = ?1${overlaps("day", DAY_MS)})
),
hours AS MATERIALIZED (
  SELECT hour, ${label(query.group, "hour / 1000")} AS bucket, ${whole("hour", HOUR_MS)} AS whole,
    ${from ? `max(hour, ${from})` : "hour"} AS lo, ${to ? `min(hour + ${HOUR_MS - 1}, ${to})` : `hour + ${HOUR_MS - 1}`} AS hi
  FROM (
    SELECT DISTINCT h.hour FROM days AS d
    CROSS JOIN activity_rollup_hourly AS h ON h.user_id = ?1 AND h.hour >= d.day AND h.hour < d.day + ${DAY_MS}
    WHERE NOT d.whole${overlaps("h.hour", HOUR_MS)}
  )
),
parts AS (
  SELECT d.bucket, ${rollup("r")} FROM days AS d
  CROSS JOIN activity_rollup_daily AS r ON r.user_id = ?1 AND r.day = d.day WHERE d.whole
  UNION ALL
  SELECT h.bucket, ${rollup("r")} FROM hours AS h
  CROSS JOIN activity_rollup_hourly AS r ON r.user_id = ?1 AND r.hour = h.hour WHERE h.whole
  UNION ALL
  SELECT ${label(query.group, rawSeconds)}, a.activity_type,
    CASE WHEN a.activity_type = 'financial' THEN coalesce(a.category, 'uncategorised') ELSE '' END,
    CASE WHEN a.activity_type = 'financial' THEN coalesce(a.currency, '') ELSE '' END,
    CASE WHEN a.activity_type = 'job' THEN coalesce(a.job_status, 'applied') ELSE '' END,
    1,
    CASE WHEN a.activity_type = 'financial' AND a.amount_minor < 0 THEN 1 ELSE 0 END,
    CASE WHEN a.activity_type = 'financial' AND a.amount_minor < 0 THEN a.amount_minor ELSE 0 END,
    CASE WHEN a.activity_type = 'financial' AND a.amount_minor > 0 THEN a.amount_minor ELSE 0 END
  FROM hours AS h
  CROSS JOIN activities AS a INDEXED BY activities_user_type_time_cover_idx
    ON a.user_id = ?1 AND a.activity_type IN (${TYPES_SQL}) AND a.occurred_at >= h.lo AND a.occurred_at <= h.hi
  WHERE NOT h.whole
)
SELECT bucket, ${key}, sum(entries) AS entries, sum(spent_entries) AS spent_entries, sum(spent_minor) AS spent_minor,
  sum(income_minor) AS income_minor
FROM parts GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`;
  return { sql, args };
}

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
    const type = ActivityType.safeParse(g.activity_type);
    if (!type.success) continue;
    const count = minor(g.entries);
    entry(timeline, `${bucket} ${type.data}`, () => ({ bucket, activity_type: type.data, count: 0 })).count += count;
    if (type.data === "financial") {
      const spent = -minor(g.spent_minor);
      if (minor(g.spent_entries) > 0) spending.push({ bucket, category: String(g.category), currency: String(g.currency), total: spent / 100 });
      const flow = entry(cashFlow, JSON.stringify([bucket, g.currency]), () => ({ bucket, currency: String(g.currency), income: 0, spending: 0 }));
      flow.income += minor(g.income_minor);
      flow.spending += spent;
    } else if (type.data === "job") {
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
