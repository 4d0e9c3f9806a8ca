import { describe, expect, it } from "vitest";
import { addDays } from "./days.ts";
import type { Transaction } from "./recurring.ts";
import { detectUnusual, periodStart } from "./unusual.ts";

// Generated spending with known answers: a steady two years of groceries with noise, then a spike.
let n = 0;
const tx = (day: string, amount: number, merchant: string, category: string | null, currency = "EUR"): Transaction => ({ id: `u${++n}`, day, amount, currency, merchant, category });

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** Two years of ~€60 twice a week at supermarkets whose names vary, and a few small coffees. */
function history(today: string, seed = 5): Transaction[] {
  const r = random(seed);
  const rows: Transaction[] = [];
  for (let d = 730; d >= 1; d--) {
    const day = addDays(today, -d);
    if (d % 7 === 2 || d % 7 === 5) rows.push(tx(day, -Math.round(45 + r() * 30), r() < 0.5 ? "ALBERT HEIJN 1234 AMSTERDAM" : "AH to go 5678", "Groceries"));
    if (d % 10 === 0) rows.push(tx(day, -3.5, "Coffee Corner", "Eating out"));
    if (d % 60 === 0) rows.push(tx(day, -Math.round(40 + r() * 40), "IKEA Amsterdam", "Home"));
  }
  return rows;
}

describe("detectUnusual", () => {
  it("finds nothing unusual in a steady history", () => {
    const today = "2026-06-18";
    expect(detectUnusual(history(today), today, "month")).toEqual([]);
    expect(detectUnusual(history(today), today, "week")).toEqual([]);
  });

  it("says a week's groceries are several times the usual, and why", () => {
    const today = "2026-06-18"; // a Thursday
    const rows = history(today);
    for (const day of ["2026-06-15", "2026-06-16", "2026-06-17"]) rows.push(tx(day, -150, "Albert Heijn 9", "Groceries"));
    const findings = detectUnusual(rows, today, "week");
    const groceries = findings.find((f) => f.kind === "category");
    expect(groceries).toMatchObject({ name: "Groceries", currency: "EUR", period: "week" });
    expect(groceries?.ratio).toBeGreaterThan(3);
    expect(groceries?.why).toMatch(/^\d+(\.\d)?× your usual for groceries in a week: €/);
  });

  it("says one payment is unusual for its merchant", () => {
    const today = "2026-06-18";
    const rows = history(today);
    rows.push(tx("2026-06-10", -412, "IKEA Amsterdam", "Home"));
    const findings = detectUnusual(rows, today, "month");
    const ikea = findings.find((f) => f.kind === "transaction");
    expect(ikea?.why).toMatch(/^€412\.00 at Ikea; you usually spend €\d+/);
    expect(ikea?.day).toBe("2026-06-10");
    // The single payment alone does not make the month's home spending "usual" to compare with: it has too few months.
    expect(findings.every((f) => f.currency === "EUR")).toBe(true);
  });

  it("keeps tiny categories quiet and needs a history", () => {
    const today = "2026-06-18";
    const rows = history(today);
    for (let k = 0; k < 6; k++) rows.push(tx("2026-06-16", -3.5, "Coffee Corner", "Eating out"));
    expect(detectUnusual(rows, today, "month").filter((f) => f.name === "Eating out")).toEqual([]);
    const short = [tx("2026-05-02", -50, "Shop", "Stuff"), tx("2026-06-02", -900, "Shop", "Stuff")];
    expect(detectUnusual(short, today, "month")).toEqual([]);
  });

  it("counts periods by calendar: weeks start on Monday, months on the first", () => {
    expect(periodStart("2026-06-18", "week")).toBe("2026-06-15");
    expect(periodStart("2026-06-14", "week")).toBe("2026-06-08");
    expect(periodStart("2026-06-18", "month")).toBe("2026-06-01");
  });
});
