import { describe, expect, it } from "vitest";
import { addDays, monthDay } from "./days.ts";
import { merchantLabel, normaliseMerchant } from "./merchant.ts";
import { detectRecurring, type Transaction } from "./recurring.ts";

// Generated histories with known answers: years of payments, jitter, skipped months, names that vary, noise.
let n = 0;
const tx = (day: string, amount: number, merchant: string, currency = "EUR", category: string | null = null): Transaction => ({
  id: `t${++n}`,
  day,
  amount,
  currency,
  merchant,
  category,
});

/** A deterministic pseudo-random sequence, so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** Moves a Saturday or Sunday to the next Monday, as banks book debits. */
function businessDay(day: string, backwards = false): string {
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
  if (dow === 6) return addDays(day, backwards ? -1 : 2);
  if (dow === 0) return addDays(day, backwards ? -2 : 1);
  return day;
}

describe("normaliseMerchant", () => {
  it("gives one key for the ways banks write a merchant", () => {
    for (const text of [
      "NETFLIX.COM 866-579-7172",
      "Netflix *Subscr 12345",
      "PAYPAL *NETFLIX",
      "SEPA-LASTSCHRIFT Netflix International B.V.",
      "NETFLIX.COM LOS GATOS CA",
      "CARD PAYMENT TO NETFLIX ON 12-03-2024",
      "Netflix 05/03 AMSTERDAM NL",
    ]) {
      expect(normaliseMerchant(text), text).toBe("netflix");
    }
    expect(normaliseMerchant("PAYPAL *SPOTIFY")).toBe("spotify");
    expect(normaliseMerchant("Spotify AB Stockholm SE")).toBe("spotify");
    expect(normaliseMerchant("DIRECT DEBIT PAYMENT TO BRITISH GAS REF 8812345")).toBe("british gas");
    expect(normaliseMerchant("FASTER PAYMENT TO J SMITH")).toBe("j smith");
    expect(normaliseMerchant("BEA NR:XXX123 ALBERT HEIJN 1234 AMSTERDAM")).toBe("albert heijn");
    expect(normaliseMerchant("SQ *BLUE BOTTLE COFFEE")).toBe("blue bottle");
    expect(normaliseMerchant("O2 UK")).toBe("o2");
    expect(normaliseMerchant("SEPA-LASTSCHRIFT Vattenfall Europe Sales GmbH")).toBe("vattenfall");
    expect(normaliseMerchant("Amazon Prime*AB12C")).toBe("amazon prime");
    expect(normaliseMerchant("AMZN Mktp DE*2K4L57")).toBe("amzn mktp");
    expect(normaliseMerchant("")).toBe("");
  });

  it("keeps short dotted and '&' names whole, and shows them in capitals", () => {
    expect(normaliseMerchant("E.ON Energie Deutschland GmbH")).toBe("e.on energie");
    expect(normaliseMerchant("SEPA-LASTSCHRIFT E.ON ENERGIE 12345")).toBe("e.on energie");
    expect(normaliseMerchant("H&M 0456 Berlin")).toBe("h&m");
    expect(normaliseMerchant("AT&T Mobility")).toBe("at&t mobility");
    expect(normaliseMerchant("Amazon U.S.")).toBe("amazon");
    expect(merchantLabel("e.on energie")).toBe("E.ON Energie");
    expect(merchantLabel("h&m")).toBe("H&M");
    expect(merchantLabel("albert heijn")).toBe("Albert Heijn");
  });

  it("keeps a name that starts with a city whole, and PG&E in capitals", () => {
    expect(normaliseMerchant("THE NEW YORK TIMES")).toBe("new york times");
    expect(merchantLabel(normaliseMerchant("THE NEW YORK TIMES"))).toBe("New York Times");
    expect(normaliseMerchant("NEW YORK TIMES DIGITAL 800-698-4637 NY")).toBe("new york times");
    expect(normaliseMerchant("Spotify New York")).toBe("spotify");
    expect(merchantLabel(normaliseMerchant("PG&E"))).toBe("PG&E");
    expect(normaliseMerchant("Barnes & Noble #2675")).toBe("barnes noble");
  });
});

describe("detectRecurring", () => {
  it("finds a monthly subscription over years, with varying names, a skipped month, a one-off extra and a price step", () => {
    const names = ["NETFLIX.COM 866-579-7172", "Netflix *Subscr 12345", "PAYPAL *NETFLIX"];
    const rows: Transaction[] = [];
    for (let m = 0; m < 30; m++) {
      if (m === 11) continue; // a skipped month
      const day = businessDay(monthDay("2024-01-15", m, 15));
      rows.push(tx(day, m < 27 ? -15.49 : -17.99, names[m % 3] ?? ""));
    }
    rows.push(tx("2025-03-02", -49.99, "Netflix gift card")); // a one-off at the same merchant
    const series = detectRecurring(rows, "2026-07-01");
    expect(series).toHaveLength(1);
    const netflix = series[0];
    expect(netflix?.merchant).toBe("Netflix");
    expect(netflix?.cadence).toBe("monthly");
    expect(netflix?.transaction_ids).toHaveLength(29);
    expect(netflix?.typical_amount).toBe(-17.99);
    expect(netflix?.status).toBe("active");
    expect(netflix?.next_day).toBe("2026-07-15");
    expect(netflix?.price_changes).toEqual([
      expect.objectContaining({ day: businessDay("2026-04-15"), from: -15.49, to: -17.99, percent: 16.1 }),
    ]);
  });

  it("reports the newest payment as a price change before a next one confirms it", () => {
    const rows = [0, 1, 2, 3, 4, 5].map((m) => tx(monthDay("2026-01-03", m, 3), m < 5 ? -10.99 : -13.19, "Spotify AB"));
    const [spotify] = detectRecurring(rows, "2026-06-10");
    expect(spotify?.price_changes.map((c) => c.percent)).toEqual([20]);
    expect(spotify?.typical_amount).toBe(-13.19);
    expect(spotify?.next_day).toBe("2026-07-03");
  });

  it("follows salary paid at the month's end, moved to the previous business day", () => {
    const rows: Transaction[] = [];
    for (let m = 0; m < 14; m++) rows.push(tx(businessDay(monthDay("2025-05-01", m, 31), true), 3150 + (m > 8 ? 100 : 0), "ACME BV SALARIS"));
    const [salary] = detectRecurring(rows, "2026-06-30");
    expect(salary?.direction).toBe("in");
    expect(salary?.cadence).toBe("monthly");
    expect(salary?.transaction_ids).toHaveLength(14);
    expect(salary?.next_day).toBe("2026-07-31");
    expect(salary?.price_changes.map((c) => c.percent)).toEqual([3.2]);
  });

  it("tolerates a utility's varying amount without calling each one a price change", () => {
    const r = random(7);
    const rows = Array.from({ length: 24 }, (_, m) => tx(businessDay(monthDay("2024-07-01", m, 2)), -round(80 + 30 * r()), "E.ON Energie Deutschland GmbH"));
    const [energy] = detectRecurring(rows, "2026-07-03");
    expect(energy?.cadence).toBe("monthly");
    expect(energy?.transaction_ids).toHaveLength(24);
    expect(energy?.price_changes).toEqual([]);
  });

  it("finds weekly and yearly series, and marks missed and ended ones", () => {
    const rows: Transaction[] = [];
    for (let w = 0; w < 20; w++) rows.push(tx(addDays("2026-01-05", w * 7), -12, "Gym Weekly Ltd London GB", "GBP"));
    for (let y = 0; y < 3; y++) rows.push(tx(monthDay("2023-03-10", y * 12, 10), -99, "Amazon Prime*AB12C", "USD"));
    for (let m = 0; m < 6; m++) rows.push(tx(monthDay("2025-01-20", m, 20), -9.99, "Disney Plus"));
    const series = detectRecurring(rows, "2026-05-28");
    const by = (name: string) => series.find((s) => s.merchant === name);
    expect(by("Gym Weekly")).toMatchObject({ cadence: "weekly", currency: "GBP", status: "active", next_day: "2026-05-25" });
    expect(by("Gym Weekly")?.status).toBe("active");
    expect(by("Amazon Prime")).toMatchObject({ cadence: "yearly", currency: "USD", next_day: "2026-03-10", status: "missed" });
    expect(by("Disney Plus")).toMatchObject({ cadence: "monthly", status: "ended" });
  });

  it("does not call frequent shopping at one supermarket a subscription", () => {
    const r = random(3);
    const rows: Transaction[] = [];
    for (let d = 0; d < 400; d += 1 + Math.floor(r() * 4)) rows.push(tx(addDays("2025-06-01", d), -round(20 + r() * 60), "ALBERT HEIJN 1234 AMSTERDAM"));
    expect(detectRecurring(rows, "2026-07-10")).toEqual([]);
  });

  it("keeps two plans at one merchant and the same merchant in two currencies apart", () => {
    const rows: Transaction[] = [];
    for (let m = 0; m < 8; m++) {
      rows.push(tx(monthDay("2025-11-04", m, 4), -0.99, "APPLE.COM/BILL"));
      rows.push(tx(monthDay("2025-11-20", m, 20), -9.99, "APPLE.COM/BILL"));
      rows.push(tx(monthDay("2025-11-08", m, 8), -11.99, "Spotify", "SEK"));
      rows.push(tx(monthDay("2025-11-08", m, 8), -10.99, "Spotify", "EUR"));
    }
    const series = detectRecurring(rows, "2026-06-21");
    expect(series.map((s) => `${s.merchant} ${s.currency} ${s.typical_amount}`).sort()).toEqual([
      "Apple EUR -0.99",
      "Apple EUR -9.99",
      "Spotify EUR -10.99",
      "Spotify SEK -11.99",
    ]);
    expect(new Set(series.map((s) => s.key)).size).toBe(4);
  });

  it("finds a US salary paid on the 15th and the last business day as twice a month, with its next pay day", () => {
    const rows: Transaction[] = [];
    for (let m = 0; m < 13; m++) {
      rows.push(tx(businessDay(monthDay("2025-11-01", m, 15), true), 3412.58, "CONTOSO LTD PAYROLL DIR DEP PPD", "USD"));
      rows.push(tx(businessDay(monthDay("2025-11-01", m, 31), true), 3412.58, "CONTOSO LTD PAYROLL DIR DEP PPD", "USD"));
    }
    // 2026-11-15 is a Sunday: paid Friday the 13th; 2026-11-30 is a Monday.
    const [salary] = detectRecurring(rows, "2026-12-06");
    expect(salary).toMatchObject({ direction: "in", cadence: "semimonthly", status: "active", last_day: "2026-11-30", next_day: "2026-12-15" });
    expect(salary?.transaction_ids).toHaveLength(26);
    // After the 30th of November the next is the 15th (a Tuesday), then the 31st (a Thursday).
    const [mid] = detectRecurring(rows.slice(0, -1), "2026-11-20");
    expect(mid?.next_day).toBe("2026-11-30");
    // Nothing on the 15th of December: missed a few days later, not on the day.
    expect(detectRecurring(rows, "2026-12-17")[0]?.status).toBe("active");
    expect(detectRecurring(rows, "2026-12-21")[0]).toMatchObject({ status: "missed", next_day: "2026-12-15" });
  });

  it("finds pay every other Friday as biweekly, and a skipped one as missed", () => {
    const rows = Array.from({ length: 30 }, (_, k) => tx(addDays("2025-10-03", 14 * k), 2210.4, "FABRIKAM INC PAYROLL", "USD"));
    const last = addDays("2025-10-03", 14 * 29);
    const [pay] = detectRecurring(rows, addDays(last, 3));
    expect(pay).toMatchObject({ cadence: "biweekly", status: "active", next_day: addDays(last, 14) });
    expect(pay?.transaction_ids).toHaveLength(30);
    expect(detectRecurring(rows, addDays(last, 20))[0]?.status).toBe("missed");
  });

  it("never makes a series, nor a missed one, of grocery visits: 2–4 a week at 2–3 stores for a year", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = random(seed);
      const stores = ["SAFEWAY #1490", "WHOLEFDS SFC 10234", "TRADER JOE S #236"].slice(0, 2 + (seed % 2));
      const rows: Transaction[] = [];
      for (let week = 0; week < 52; week++) {
        const visits = 2 + Math.floor(r() * 3);
        for (let v = 0; v < visits; v++) {
          const store = stores[Math.floor(r() * stores.length)] ?? "";
          rows.push(tx(addDays("2025-12-01", week * 7 + Math.floor(r() * 7)), -round(14 + r() * 110), store, "USD", "groceries"));
        }
      }
      const series = detectRecurring(rows, "2026-12-06");
      const byId = new Map(rows.map((t) => [t.id, t]));
      expect(series.map((s) => `seed ${seed}: ${s.merchant} ${s.cadence} ${s.transaction_ids.map((id) => `${byId.get(id)?.day} ${byId.get(id)?.amount}`).join(", ")}`)).toEqual([]);
    }
  });

  it("finds a utility paid on a fixed day (±3) with an amount that varies by season", () => {
    const r = random(5);
    const rows: Transaction[] = [];
    for (let m = 0; m < 13; m++) {
      const winter = [0, 1, 2, 10, 11].includes((10 + m) % 12);
      rows.push(tx(addDays(monthDay("2025-11-12", m, 12), Math.floor(r() * 7) - 3), -round((winter ? 95 : 55) + r() * 45), "PGANDE WEB ONLINE PAYMENT", "USD", "utilities"));
    }
    const [bill] = detectRecurring(rows, "2026-11-20");
    expect(bill).toMatchObject({ cadence: "monthly", direction: "out", status: "active", merchant: "Pgande Web" });
    expect(bill?.transaction_ids.length).toBeGreaterThanOrEqual(12);
  });

  it("reads ten years of a busy history quickly", () => {
    const r = random(11);
    const rows: Transaction[] = [];
    for (let d = 0; d < 3650; d++) for (let k = 0; k < 3; k++) rows.push(tx(addDays("2016-01-01", d), -round(r() * 100), `Shop ${Math.floor(r() * 200)}`));
    for (let m = 0; m < 120; m++) rows.push(tx(monthDay("2016-01-01", m, 1), -42, "Insurer"));
    const started = performance.now();
    const series = detectRecurring(rows, "2026-01-10");
    expect(performance.now() - started).toBeLessThan(3000);
    expect(series.find((s) => s.merchant === "Insurer")?.transaction_ids).toHaveLength(120);
  });
});

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
