import type { z } from "zod";
import { ActivitySummaryQuery, ActivityType } from "#protocol";

// The dashboard summary's one statement, over the rollups (migration 0020) and, for the few minutes the rollups
// cannot split, the rows themselves.
//
// Why it is exact, and what must stay true:
// - The rollups (`activity_rollup_daily`, `activity_rollup_hourly`) are kept by triggers on `activities`, so every
//   writer updates them in its own statement. They count every row once, under its UTC day and its UTC hour.
// - Buckets (the viewer's local days, Monday-start weeks, months) are at least a day long and start on a whole
//   minute, so a UTC day holds at most one bucket start B, and a day's or hour's last whole second stands for its
//   last millisecond. Each UTC day with rows is one of:
//   - whole: in one bucket and wholly in the range. Its daily rollup rows go to that bucket.
//   - split: wholly in the range, with B inside. Its daily rows go to the bucket of its longer side, and the rows of
//     its shorter side are moved (subtracted there, added to the other bucket): whole hours from the hourly rollup,
//     and the part-hour between B and the hour's edge (offsets like +330) from the rows. So at −300 a week's first
//     day costs 5 hourly reads, not 24. A group that nets to 0 rows had none, and is dropped (HAVING).
//   - partial: a range edge falls inside it (two days at most). Read hour by hour: whole hours from the hourly
//     rollup, the others (an edge at 10:17, a bucket start at 18:30) row by row, each row labelled itself.
// - The rows are read through `activities_user_type_time_cover_idx`, one seek per window and type (the IN list).
// - The days and hours drive their joins (`CROSS JOIN` fixes SQLite's order): left to itself, SQLite put the
//   activities outside and walked every row of the user once per window. Labels are computed once per day or hour,
//   and per row only in the part-hours: date functions were most of the cost.
// - A range bound is written only when it is given: `(? IS NULL OR …)` would stop SQLite from seeking to it.

type Query = z.output<typeof ActivitySummaryQuery>;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The types the summary counts; the IN list lets the part-hours seek on the covering index per type. */
const TYPES_SQL = ActivityType.options.map((type) => `'${type}'`).join(", ");

/** SQL for the bucket label of an epoch-seconds expression, in the viewer's zone (`?2`: the offset in seconds). */
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

/** SQL for ⌊x / m⌋: SQLite's `/` rounds toward zero, which is wrong before 1970. */
const floorDiv = (x: string, m: number) => `((${x}) - (((${x}) % ${m}) + ${m}) % ${m}) / ${m}`;

/**
 * SQL for the first instant (epoch ms) of the bucket holding instant `t` (ms, a whole second). Days and weeks by
 * arithmetic (1970-01-01 was a Thursday, so Monday weeks are ⌊(local ms + 3 days) / 7 days⌋), months by the calendar.
 */
function bucketStart(group: Query["group"], t: string): string {
  const tz = "?2 * 1000";
  switch (group) {
    case "day":
      return `${floorDiv(`${t} + ${tz}`, DAY_MS)} * ${DAY_MS} - ${tz}`;
    case "week":
      return `${floorDiv(`${t} + ${tz} + ${3 * DAY_MS}`, 7 * DAY_MS)} * ${7 * DAY_MS} - ${3 * DAY_MS} - ${tz}`;
    case "month":
      return `(CAST(strftime('%s', (${t}) / 1000 + ?2, 'unixepoch', 'start of month') AS INTEGER) - ?2) * 1000`;
  }
}

/** A row's rollup key and measures, as the triggers write them, each measure times `sign`. */
function rowParts(a: string, sign: string): string {
  const money = `${a}.activity_type = 'financial'`;
  return `${a}.activity_type,
    CASE WHEN ${money} THEN coalesce(${a}.category, 'uncategorised') ELSE '' END,
    CASE WHEN ${money} THEN coalesce(${a}.currency, '') ELSE '' END,
    CASE WHEN ${a}.activity_type = 'job' THEN coalesce(${a}.job_status, 'applied') ELSE '' END,
    ${sign},
    CASE WHEN ${money} AND ${a}.amount_minor < 0 THEN ${sign} ELSE 0 END,
    CASE WHEN ${money} AND ${a}.amount_minor < 0 THEN ${sign} * ${a}.amount_minor ELSE 0 END,
    CASE WHEN ${money} AND ${a}.amount_minor > 0 THEN ${sign} * ${a}.amount_minor ELSE 0 END`;
}

/** A rollup row's key and measures, each measure times `sign`. */
const rollupParts = (r: string, sign: string) =>
  `${r}.activity_type, ${r}.category, ${r}.currency, ${r}.job_status, ${sign} * ${r}.entries, ${sign} * ${r}.spent_entries, ${sign} * ${r}.spent_minor, ${sign} * ${r}.income_minor`;

/** The rows of one user in [lo, hi) (SQL expressions), read from the covering index. */
const rowsIn = (lo: string, hi: string) =>
  `activities AS a INDEXED BY activities_user_type_time_cover_idx
    ON a.user_id = ?1 AND a.activity_type IN (${TYPES_SQL}) AND a.occurred_at >= ${lo} AND a.occurred_at < ${hi}`;

/** The summary's one statement and its arguments (`?1` the user, `?2` the offset in seconds, then the bounds given). */
export function summaryStatement(userId: string, query: Query): { sql: string; args: (string | number)[] } {
  const args: (string | number)[] = [userId, query.tz_offset * 60];
  const bound = (value: number) => `?${args.push(value)}`;
  const from = query.from === undefined ? undefined : bound(query.from);
  const to = query.to === undefined ? undefined : bound(query.to);
  const and = (conditions: (string | false | undefined)[]) => conditions.filter(Boolean).map((c) => ` AND ${c}`).join("");
  /** The span [column, column + length) overlaps the range. */
  const overlaps = (column: string, length: number) => and([from && `${column} > ${from} - ${length}`, to && `${column} <= ${to}`]);
  /** The span lies wholly in the range. */
  const inside = (column: string, length: number) => `1${and([from && `${column} >= ${from}`, to && `${column} + ${length - 1} <= ${to}`])}`;
  const L = (seconds: string) => label(query.group, seconds);
  const floorHour = (t: string) => `${floorDiv(t, HOUR_MS)} * ${HOUR_MS}`;
  const signs = "(SELECT 1 AS sign UNION ALL SELECT -1 AS sign) AS s";
  // For a split day: `early` when B is in its first half, so the moved side is [day, B), else [B, day + 1 day).
  const dest = "CASE WHEN d.early THEN d.first ELSE d.last END";
  const base = "CASE WHEN d.early THEN d.last ELSE d.first END";
  const sql = `WITH
days AS MATERIALIZED (
  SELECT day, first, last, first = last AND inside AS whole, first <> last AND inside AS split, NOT inside AS partial,
    b - day <= ${DAY_MS / 2} AS early,
    CASE WHEN b - day <= ${DAY_MS / 2} THEN day ELSE ${floorHour(`b + ${HOUR_MS - 1}`)} END AS hours_from,
    CASE WHEN b - day <= ${DAY_MS / 2} THEN ${floorHour("b")} ELSE day + ${DAY_MS} END AS hours_to,
    CASE WHEN b - day <= ${DAY_MS / 2} THEN ${floorHour("b")} ELSE b END AS rows_from,
    CASE WHEN b - day <= ${DAY_MS / 2} THEN b ELSE ${floorHour(`b + ${HOUR_MS - 1}`)} END AS rows_to
  FROM (
    SELECT day, ${L("day / 1000")} AS first, ${L(`day / 1000 + ${DAY_MS / 1000 - 1}`)} AS last, ${inside("day", DAY_MS)} AS inside,
      ${bucketStart(query.group, `day + ${DAY_MS - 1000}`)} AS b
    FROM (SELECT DISTINCT day FROM activity_rollup_daily WHERE user_id = ?1${overlaps("day", DAY_MS)})
  )
),
hours AS MATERIALIZED (
  SELECT hour, ${L("hour / 1000")} AS bucket, ${L("hour / 1000")} = ${L(`hour / 1000 + ${HOUR_MS / 1000 - 1}`)} AND ${inside("hour", HOUR_MS)} AS whole,
    ${from ? `max(hour, ${from})` : "hour"} AS lo, ${to ? `min(hour + ${HOUR_MS}, ${to} + 1)` : `hour + ${HOUR_MS}`} AS hi
  FROM (
    SELECT DISTINCT h.hour FROM days AS d
    CROSS JOIN activity_rollup_hourly AS h ON h.user_id = ?1 AND h.hour >= d.day AND h.hour < d.day + ${DAY_MS}
    WHERE d.partial${overlaps("h.hour", HOUR_MS)}
  )
),
parts (bucket, activity_type, category, currency, job_status, entries, spent_entries, spent_minor, income_minor) AS (
  SELECT CASE WHEN d.split AND d.early THEN d.last ELSE d.first END AS bucket, ${rollupParts("r", "1")} FROM days AS d
  CROSS JOIN activity_rollup_daily AS r ON r.user_id = ?1 AND r.day = d.day WHERE d.whole OR d.split
  UNION ALL
  SELECT CASE WHEN s.sign = 1 THEN ${dest} ELSE ${base} END, ${rollupParts("r", "s.sign")} FROM days AS d
  CROSS JOIN activity_rollup_hourly AS r ON r.user_id = ?1 AND r.hour >= d.hours_from AND r.hour < d.hours_to
  CROSS JOIN ${signs} WHERE d.split
  UNION ALL
  SELECT CASE WHEN s.sign = 1 THEN ${dest} ELSE ${base} END, ${rowParts("a", "s.sign")} FROM days AS d
  CROSS JOIN ${rowsIn("d.rows_from", "d.rows_to")}
  CROSS JOIN ${signs} WHERE d.split AND d.rows_from < d.rows_to
  UNION ALL
  SELECT h.bucket, ${rollupParts("r", "1")} FROM hours AS h
  CROSS JOIN activity_rollup_hourly AS r ON r.user_id = ?1 AND r.hour = h.hour WHERE h.whole
  UNION ALL
  SELECT ${L(floorDiv("a.occurred_at", 1000))}, ${rowParts("a", "1")} FROM hours AS h
  CROSS JOIN ${rowsIn("h.lo", "h.hi")} WHERE NOT h.whole
)
SELECT bucket, activity_type, category, currency, job_status, sum(entries) AS entries, sum(spent_entries) AS spent_entries,
  sum(spent_minor) AS spent_minor, sum(income_minor) AS income_minor
FROM parts
GROUP BY 1, 2, 3, 4, 5 HAVING sum(entries) > 0 ORDER BY 1, 2, 3, 4, 5`;
  return { sql, args };
}
