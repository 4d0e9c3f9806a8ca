import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bucketRange, chartAxis } from "./chart-buckets.ts";
import type { BucketGroup } from "./chart-buckets.ts";

// The dashboard's chart axes. The server names each bucket by its full local date (a day, the Monday of a week,
// or a month); the charts key their rows by that name and label them for people. Two buckets with one label is
// what crashed the dashboard (`each_key_duplicate`) when activity spanned the same day and month of two years.

const pad = (n: number) => String(n).padStart(2, "0");
const day = (date: Date) => `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;

/** The bucket the server puts a local time in (core/src/activities/summary.ts: `bucketSql`). */
function bucketOf(at: Date, group: BucketGroup): string {
  if (group === "month") return day(at).slice(0, 7);
  if (group === "day") return day(at);
  const monday = new Date(at.getFullYear(), at.getMonth(), at.getDate() - ((at.getDay() + 6) % 7));
  return day(monday);
}

const GROUPS: BucketGroup[] = ["day", "week", "month"];
const dates = fc.array(fc.date({ min: new Date(1990, 0, 1), max: new Date(2060, 11, 31), noInvalidDate: true }), { minLength: 1, maxLength: 60 });

describe("chart axes over random activity dates", () => {
  it("keys each bucket by its full date, once, oldest first, and gives no two buckets the same label", () => {
    fc.assert(
      fc.property(dates, fc.constantFrom(...GROUPS), (at, group) => {
        const buckets = at.map((date) => bucketOf(date, group));
        const { keys, labels } = chartAxis(buckets, group);
        expect(keys).toEqual([...new Set(buckets)].sort());
        expect(labels).toHaveLength(keys.length);
        expect(new Set(labels).size).toBe(labels.length);
      }),
      { numRuns: 300 },
    );
  });

  it("shows the year wherever the buckets span more than one, and only then for days and weeks", () => {
    fc.assert(
      fc.property(dates, fc.constantFrom(...GROUPS), (at, group) => {
        const { keys, labels } = chartAxis(
          at.map((date) => bucketOf(date, group)),
          group,
        );
        const years = new Set(keys.map((key) => key.slice(0, 4)));
        keys.forEach((key, i) => {
          const shows = labels[i]?.includes(key.slice(0, 4)) ?? false;
          expect(shows).toBe(group === "month" || years.size > 1);
        });
      }),
      { numRuns: 300 },
    );
  });

  it("narrows to a bucket's period with a range that holds every date in that bucket", () => {
    fc.assert(
      fc.property(dates, fc.constantFrom(...GROUPS), (at, group) => {
        for (const date of at) {
          const { from, to } = bucketRange(bucketOf(date, group), group);
          expect(date.getTime()).toBeGreaterThanOrEqual(from);
          expect(date.getTime()).toBeLessThanOrEqual(to);
        }
      }),
    );
  });

  it("tells 6 January 2020 from 6 January 2025 in the default week view", () => {
    const { keys, labels } = chartAxis(["2025-01-06", "2020-01-06", "2025-01-06"], "week");
    expect(keys).toEqual(["2020-01-06", "2025-01-06"]);
    expect(labels[0]).toMatch(/2020/);
    expect(labels[1]).toMatch(/2025/);
  });
});
