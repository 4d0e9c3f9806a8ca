import { describe, expect, it } from "vitest";
import { addDays, dayKey, monthGrid } from "./calendar.ts";

describe("the month grid", () => {
  it("starts on a Monday, covers the whole month, and holds whole weeks", () => {
    const weeks = monthGrid("2026-03");
    expect(weeks[0]?.[0]).toBe("2026-02-23");
    expect(weeks.flat()).toContain("2026-03-31");
    expect(weeks.at(-1)?.at(-1)).toBe("2026-04-05");
    expect(weeks.every((w) => w.length === 7)).toBe(true);
    // A month that starts on a Monday has no days of the month before.
    expect(monthGrid("2027-02")[0]?.[0]).toBe("2027-02-01");
  });

  it("moves by days across months and DST changes", () => {
    expect(dayKey(addDays(new Date(2026, 2, 28, 12), 3))).toBe("2026-03-31");
    expect(dayKey(addDays(new Date(2026, 9, 24, 12), 7))).toBe("2026-10-31");
  });
});
