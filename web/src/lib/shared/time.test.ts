import { describe, expect, it } from "vitest";
import { absoluteTime, relativeTime } from "./time.ts";

// "5 minutes ago": the unit is the largest that fits, rounded, in the viewer's own language (Intl does the words).

const now = Date.UTC(2026, 2, 9, 12, 0, 0);
const words = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe("relative times", () => {
  it("says 'just now' and 'in a moment' within 45 seconds either way", () => {
    expect(relativeTime(now - 44_000, now)).toBe("just now");
    expect(relativeTime(now, now)).toBe("just now");
    expect(relativeTime(now + 30_000, now)).toBe("in a moment");
  });

  it("uses the largest unit that fits, rounded", () => {
    expect(relativeTime(now - 50_000, now)).toBe(words.format(-1, "minute"));
    expect(relativeTime(now - 5 * MINUTE, now)).toBe(words.format(-5, "minute"));
    expect(relativeTime(now - 100 * MINUTE, now)).toBe(words.format(-2, "hour"));
    expect(relativeTime(now + 3 * HOUR, now)).toBe(words.format(3, "hour"));
    expect(relativeTime(now - DAY, now)).toBe(words.format(-1, "day"));
    expect(relativeTime(now - 10 * DAY, now)).toBe(words.format(-1, "week"));
    expect(relativeTime(now - 70 * DAY, now)).toBe(words.format(-2, "month"));
    expect(relativeTime(now - 400 * DAY, now)).toBe(words.format(-1, "year"));
  });

  it("reads in the viewer's language: yesterday, not '1 day ago', where the language has a word for it", () => {
    expect(relativeTime(now - DAY, now)).toBe(new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }).format(-1, "day"));
    expect(relativeTime(now - DAY, now)).not.toMatch(/^-/);
  });
});

describe("absolute times", () => {
  it("gives the date and the time of day", () => {
    const at = new Date(2026, 2, 9, 14, 5).getTime();
    expect(absoluteTime(at)).toBe(new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(at));
    expect(absoluteTime(at)).toMatch(/2026/);
    expect(absoluteTime(at)).toMatch(/05/);
  });
});
