import fc from "fast-check";
import { ACTIVITY_TYPES, ActivityQuery, JOB_STATUSES } from "#protocol";
import { describe, expect, it } from "vitest";
import { dashboardUrl, dayInput, filterQuery, filtersFrom, filtersFromForm, groupFrom } from "./filters.ts";
import type { ActivityFilters, Group } from "./filters.ts";

// The dashboard's filters and grouping live in its URL: what a user bookmarks or shares is what they see again.

/** The page's search params, read back from a URL the app made. */
const paramsOf = (url: string) => new URL(url, "http://hearth.test").searchParams;

describe("the dashboard URL", () => {
  it("is plain /dashboard with no filter and the default weekly grouping", () => {
    expect(dashboardUrl({}, "week")).toBe("/dashboard");
  });

  it("names each filter and a grouping other than the default", () => {
    expect(dashboardUrl({ type: "financial", category: "Groceries", min_amount: 10 }, "month")).toBe("/dashboard?type=financial&category=Groceries&min_amount=10&group=month");
    expect(dashboardUrl({ q: "rent & bills" }, "week")).toBe("/dashboard?q=rent+%26+bills");
  });

  it("leaves out empty text and numbers that are not finite", () => {
    expect(filterQuery({ category: "", min_amount: Number.NaN, max_amount: Number.POSITIVE_INFINITY, tag: "work" })).toEqual({ tag: "work" });
  });

  const filters: fc.Arbitrary<ActivityFilters> = fc.record(
    {
      type: fc.constantFrom(...ACTIVITY_TYPES),
      application: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() === s && s !== ""),
      category: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() === s && s !== ""),
      tag: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() === s && s !== ""),
      status: fc.constantFrom(...JOB_STATUSES),
      from: fc.integer({ min: 0, max: 4_000_000_000_000 }),
      to: fc.integer({ min: 0, max: 4_000_000_000_000 }),
      min_amount: fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true }).map((n) => Math.round(n * 100) / 100),
      max_amount: fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true }).map((n) => Math.round(n * 100) / 100),
      q: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() === s && s !== ""),
    },
    { requiredKeys: [] },
  );

  it("reads back the very filters and grouping it was made from", () => {
    fc.assert(
      fc.property(filters, fc.constantFrom<Group>("day", "week", "month"), (chosen, group) => {
        const params = paramsOf(dashboardUrl(chosen, group));
        // -0 travels as "0": the same amount.
        const expected = Object.fromEntries(Object.entries(chosen).map(([k, v]) => [k, Object.is(v, -0) ? 0 : v]));
        expect(filtersFrom(params, () => ActivityQuery)).toEqual(expected);
        expect(groupFrom(params)).toBe(group);
      }),
      { numRuns: 300 },
    );
  });
});

describe("reading the URL", () => {
  it("ignores values the filters cannot hold, and keeps the rest", () => {
    const params = paramsOf("/dashboard?type=cooking&status=hired&from=yesterday&to=12.5&min_amount=lots&max_amount=40&category=%20%20&tag=%20work%20&limit=3");
    expect(filtersFrom(params, () => ActivityQuery)).toEqual({ max_amount: 40, tag: "work" });
  });

  it("reads a URL with no filter as no filters before the schema has loaded, and one with filters as not known yet", () => {
    expect(filtersFrom(paramsOf("/dashboard?group=month"), () => null)).toEqual({});
    expect(filtersFrom(paramsOf("/dashboard?category=Rent"), () => null)).toBeNull();
    expect(filtersFrom(paramsOf("/dashboard?category=Rent"), () => ActivityQuery)).toEqual({ category: "Rent" });
  });

  it("groups by week when the URL names no grouping, or one it does not know", () => {
    expect(groupFrom(paramsOf("/dashboard"))).toBe("week");
    expect(groupFrom(paramsOf("/dashboard?group=year"))).toBe("week");
    expect(groupFrom(paramsOf("/dashboard?group=day"))).toBe("day");
  });
});

describe("the filter form", () => {
  it("turns the date fields into a range over the whole of both local days", () => {
    const filters = filtersFromForm([
      ["from", "2026-03-01"],
      ["to", "2026-03-31"],
    ], ActivityQuery);
    expect(filters).toEqual({ from: new Date(2026, 2, 1).getTime(), to: new Date(2026, 3, 1).getTime() - 1 });
    expect(dayInput(filters.from)).toBe("2026-03-01");
    expect(dayInput(filters.to)).toBe("2026-03-31");
  });

  it("drops blank fields and trims the others", () => {
    expect(
      filtersFromForm([
        ["q", "  coffee "],
        ["type", ""],
        ["category", "   "],
        ["min_amount", "4.50"],
        ["status", "interview"],
      ], ActivityQuery),
    ).toEqual({ q: "coffee", min_amount: 4.5, status: "interview" });
  });

  it("shows no day for no date", () => {
    expect(dayInput(undefined)).toBe("");
  });
});
