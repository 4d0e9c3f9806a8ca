export type BucketGroup = "day" | "week" | "month";

/** The local-time start of a bucket key ("2026-10-05" for a day or a Monday-start week, "2026-10" for a month). */
function bucketStart(bucket: string): Date {
  const [y, m, d] = bucket.split("-").map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
}

/**
 * A bucket label as the viewer reads it. Day and week labels leave the year out only when told every bucket on
 * the chart is in one year; otherwise "6 Jan" would stand for both 2020-01-06 and 2025-01-06.
 */
export function bucketLabel(bucket: string, group: BucketGroup, withYear = true): string {
  const date = bucketStart(bucket);
  if (group === "month") return date.toLocaleDateString(undefined, { month: "short", year: "numeric" });
  return date.toLocaleDateString(undefined, withYear ? { day: "numeric", month: "short", year: "numeric" } : { day: "numeric", month: "short" });
}

/**
 * A chart's axis from the buckets of its rows: each bucket once (its full key, never its label), oldest first,
 * and a label for each that no other bucket on the axis shares. The year shows wherever the buckets span more
 * than one calendar year.
 * @example chartAxis(["2025-01-06", "2020-01-06"], "week") // keys ["2020-01-06", "2025-01-06"], labels ["Jan 6, 2020", "Jan 6, 2025"]
 */
export function chartAxis(buckets: Iterable<string>, group: BucketGroup): { keys: string[]; labels: string[] } {
  const keys = [...new Set(buckets)].sort();
  const first = keys[0]?.slice(0, 4);
  const withYear = keys.some((key) => key.slice(0, 4) !== first);
  return { keys, labels: keys.map((key) => bucketLabel(key, group, withYear)) };
}

/** The local-time [start, end] of a bucket, in epoch ms, for filtering to it. */
export function bucketRange(bucket: string, group: BucketGroup): { from: number; to: number } {
  const start = bucketStart(bucket);
  const end = new Date(start);
  if (group === "day") end.setDate(end.getDate() + 1);
  else if (group === "week") end.setDate(end.getDate() + 7);
  else end.setMonth(end.getMonth() + 1);
  return { from: start.getTime(), to: end.getTime() - 1 };
}
