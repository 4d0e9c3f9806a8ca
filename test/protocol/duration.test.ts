import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDuration } from "../../protocol/src/duration.ts";

describe("formatDuration", () => {
  it.each([
    [0, "0 s"],
    [45, "45 s"],
    [60, "1 min"],
    [720, "12 min"], // the uptime that read "up 0 h"
    [3_599, "59 min"],
    [3_600, "1 h"],
    [3 * 3_600 + 5 * 60 + 59, "3 h 5 min"],
    [86_399, "23 h 59 min"],
    [86_400, "1 d"],
    [2 * 86_400 + 4 * 3_600 + 1_234, "2 d 4 h"],
    [400 * 86_400, "400 d"],
  ])("says %i s as %s", (seconds, words) => {
    expect(formatDuration(seconds)).toBe(words);
  });

  it("never rounds a span up to a larger unit, nor says zero of its largest unit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86_400 }), (seconds) => {
        const words = formatDuration(seconds);
        const [first] = words.split(" ");
        expect(Number(first)).toBeGreaterThan(seconds >= 60 ? 0 : -1);
        const unit = words.split(" ")[1];
        const size = { s: 1, min: 60, h: 3_600, d: 86_400 }[unit ?? "s"] ?? 1;
        expect(Number(first) * size).toBeLessThanOrEqual(seconds);
      }),
    );
  });
});
