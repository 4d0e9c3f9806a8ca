import { money } from "#protocol";
import { describe, expect, it } from "vitest";
import { bucketLabel } from "./chart-buckets.ts";
import { CASH_COLORS, applicationsChart, brushBuckets, cashFlowChart, mainCurrency, pipelineCounts, spendingChart, timelineChart, valueFormat } from "./charts.ts";

// The dashboard's bars from the API's summary rows: every bucket on the axis once, oldest first, and a value for
// each series at each bucket (0 where it had none), so bars line up with their labels.

describe("the money charts", () => {
  const cashFlow = [
    { bucket: "2026-03-02", currency: "USD", income: 0, spending: 30 },
    { bucket: "2026-03-09", currency: "EUR", income: 2000, spending: 400 },
    { bucket: "2026-02-23", currency: "EUR", income: 0, spending: 50 },
  ];

  it("draw the currency with the most money in and out", () => {
    expect(mainCurrency(cashFlow)).toBe("EUR");
    expect(mainCurrency([])).toBeNull();
  });

  it("put income against spending per bucket, in that currency only, in fixed colours", () => {
    expect(cashFlowChart(cashFlow, "EUR", "week")).toEqual({
      keys: ["2026-02-23", "2026-03-09"],
      labels: [bucketLabel("2026-02-23", "week", false), bucketLabel("2026-03-09", "week", false)],
      series: [
        { label: "Income", data: [0, 2000], color: CASH_COLORS.income },
        { label: "Spending", data: [50, 400], color: CASH_COLORS.spending },
      ],
    });
  });

  it("stack spending by category, 0 where a category had nothing that week", () => {
    const spending = [
      { bucket: "2026-03-09", category: "Groceries", currency: "EUR", total: 80 },
      { bucket: "2026-03-02", category: "Rent", currency: "EUR", total: 900 },
      { bucket: "2026-03-09", category: "Rent", currency: "EUR", total: 900 },
      { bucket: "2026-03-09", category: "Travel", currency: "USD", total: 300 },
    ];
    const chart = spendingChart(spending, "EUR", "week");
    expect(chart.keys).toEqual(["2026-03-02", "2026-03-09"]);
    expect(chart.series).toEqual([
      { label: "Groceries", data: [0, 80] },
      { label: "Rent", data: [900, 900] },
    ]);
  });

  it("read values as money in that currency on the axis and in tooltips, and as counts without one", () => {
    expect(valueFormat("EUR")(1234.5)).toBe(money(1234.5, "EUR"));
    expect(valueFormat("JPY")(1200)).toBe(money(1200, "JPY"));
    expect(valueFormat(null)(3)).toBe("3");
  });
});

describe("the timeline and applications", () => {
  it("stack every activity per bucket by type, types in the protocol's order", () => {
    const chart = timelineChart(
      [
        { bucket: "2026-03", activity_type: "job", count: 2 },
        { bucket: "2026-01", activity_type: "financial", count: 5 },
        { bucket: "2026-03", activity_type: "financial", count: 1 },
      ],
      "month",
    );
    expect(chart.keys).toEqual(["2026-01", "2026-03"]);
    expect(chart.labels).toEqual([bucketLabel("2026-01", "month"), bucketLabel("2026-03", "month")]);
    expect(chart.series).toEqual([
      { label: "financial", data: [5, 1] },
      { label: "job", data: [0, 2] },
    ]);
  });

  it("count applications per bucket, and by stage in the pipeline's order", () => {
    expect(
      applicationsChart(
        [
          { bucket: "2026-03-09", count: 4 },
          { bucket: "2026-03-02", count: 1 },
        ],
        "week",
      ).data,
    ).toEqual([1, 4]);
    expect(
      pipelineCounts([
        { status: "offer", count: 1 },
        { status: "applied", count: 7 },
      ]),
    ).toEqual([0, 7, 0, 0, 1, 0, 0, 0, 0]);
  });

  it("labels days with their year when the axis spans two years", () => {
    const { labels } = timelineChart(
      [
        { bucket: "2025-12-31", activity_type: "other", count: 1 },
        { bucket: "2026-01-01", activity_type: "other", count: 1 },
      ],
      "day",
    );
    expect(labels[0]).toMatch(/2025/);
    expect(labels[1]).toMatch(/2026/);
  });

  it("give the range brush one bar per bucket with every type together, oldest first", () => {
    expect(
      brushBuckets([
        { bucket: "2026-03-09", activity_type: "job", count: 2 },
        { bucket: "2026-03-02", activity_type: "financial", count: 5 },
        { bucket: "2026-03-09", activity_type: "financial", count: 1 },
      ]),
    ).toEqual([
      { bucket: "2026-03-02", count: 5 },
      { bucket: "2026-03-09", count: 3 },
    ]);
  });

  it("draw nothing for an empty period", () => {
    expect(timelineChart([], "week")).toEqual({ keys: [], labels: [], series: [] });
    expect(spendingChart([], null, "week").labels).toEqual([]);
  });
});
