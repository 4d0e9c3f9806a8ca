import { ACTIVITY_TYPES, JOB_STATUSES, money } from "#protocol";
import type { ActivitySummary } from "#protocol";
import { chartAxis } from "./chart-buckets.ts";
import type { BucketGroup } from "./chart-buckets.ts";

// The dashboard's charts from the summary the API answers: one row per bucket (and category, type…) in, one bar
// series per category or type out, a value for every bucket on the axis (0 where the bucket had none). Pure, so
// the numbers a user reads are tested in Node (charts.test.ts); BarChart.svelte only draws them.

/** One series of bars: its legend label, a value per axis label, and a fixed colour where it has a meaning. */
export type ChartSeries = { label: string; data: number[]; color?: string };
/** A chart's x axis (`keys`: the buckets, oldest first; `labels`: what the viewer reads) and its series. */
export type Chart = { keys: string[]; labels: string[]; series: ChartSeries[] };

/** Income and spending keep their colours on every dashboard (Okabe–Ito green and vermilion). */
export const CASH_COLORS = { income: "#009E73", spending: "#D55E00" } as const;

/** The currency the money charts draw: the one with the most money in and out; null when there is no money. */
export function mainCurrency(cashFlow: ActivitySummary["cash_flow"]): string | null {
  const totals = new Map<string, number>();
  for (const row of cashFlow) totals.set(row.currency, (totals.get(row.currency) ?? 0) + row.spending + row.income);
  return [...totals.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

/** Spending in one currency, a stacked series per category (in the order categories first appear). */
export function spendingChart(rows: ActivitySummary["spending"], currency: string | null, group: BucketGroup): Chart {
  const list = rows.filter((r) => r.currency === currency);
  const { keys, labels } = chartAxis(
    list.map((r) => r.bucket),
    group,
  );
  const categories = [...new Set(list.map((r) => r.category))];
  return {
    keys,
    labels,
    series: categories.map((category) => ({ label: category, data: keys.map((b) => list.find((r) => r.bucket === b && r.category === category)?.total ?? 0) })),
  };
}

/** Income against spending in one currency. */
export function cashFlowChart(rows: ActivitySummary["cash_flow"], currency: string | null, group: BucketGroup): Chart {
  const list = rows.filter((r) => r.currency === currency);
  const { keys, labels } = chartAxis(
    list.map((r) => r.bucket),
    group,
  );
  return {
    keys,
    labels,
    series: [
      { label: "Income", data: keys.map((b) => list.find((r) => r.bucket === b)?.income ?? 0), color: CASH_COLORS.income },
      { label: "Spending", data: keys.map((b) => list.find((r) => r.bucket === b)?.spending ?? 0), color: CASH_COLORS.spending },
    ],
  };
}

/** Every activity per bucket, a stacked series per activity type (in the protocol's order of types). */
export function timelineChart(rows: ActivitySummary["timeline"], group: BucketGroup): Chart {
  const { keys, labels } = chartAxis(
    rows.map((r) => r.bucket),
    group,
  );
  const types = ACTIVITY_TYPES.filter((t) => rows.some((r) => r.activity_type === t));
  return { keys, labels, series: types.map((t) => ({ label: t, data: keys.map((b) => rows.find((r) => r.bucket === b && r.activity_type === t)?.count ?? 0) })) };
}

/** Job applications started per bucket. */
export function applicationsChart(rows: ActivitySummary["applications"], group: BucketGroup): { keys: string[]; labels: string[]; data: number[] } {
  const { keys, labels } = chartAxis(
    rows.map((r) => r.bucket),
    group,
  );
  return { keys, labels, data: keys.map((b) => rows.find((r) => r.bucket === b)?.count ?? 0) };
}

/** Applications at each stage, in the pipeline's order, 0 for a stage with none. */
export function pipelineCounts(rows: ActivitySummary["pipeline"]): number[] {
  return JOB_STATUSES.map((s) => rows.find((p) => p.status === s)?.count ?? 0);
}

/** The range brush's bars: all activity per bucket, every type together, oldest first. */
export function brushBuckets(timeline: ActivitySummary["timeline"]): { bucket: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const row of timeline) counts.set(row.bucket, (counts.get(row.bucket) ?? 0) + row.count);
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([bucket, count]) => ({ bucket, count }));
}

/** How a money chart's axis and tooltips read its values: as money in its currency, or as plain counts. */
export function valueFormat(currency: string | null): (value: number) => string {
  return currency ? (value) => money(value, currency) : (value) => String(value);
}
