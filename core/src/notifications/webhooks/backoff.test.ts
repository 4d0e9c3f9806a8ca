import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DISABLE_AFTER_FAILED_DELIVERIES, RETRY_POLICY, afterDelivery, nextAttemptAt, retryCeilingMs } from "./backoff.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const createdAt = Date.parse("2026-11-26T09:00:00Z");
const deadline = createdAt + 24 * HOUR;

const attempts = fc.integer({ min: 1, max: 10_000 });
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const beforeDeadline = fc.integer({ min: createdAt, max: deadline - 1 });

describe("the retry schedule", () => {
  it("waits at most 30 s, 1 min, 2 min, … doubling up to 1 h", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 50].map(retryCeilingMs)).toEqual([
      30 * SECOND,
      MINUTE,
      2 * MINUTE,
      4 * MINUTE,
      8 * MINUTE,
      16 * MINUTE,
      32 * MINUTE,
      HOUR,
      HOUR,
      HOUR,
    ]);
    fc.assert(fc.property(attempts, (n) => retryCeilingMs(n + 1) >= retryCeilingMs(n) && retryCeilingMs(n) <= HOUR));
  });

  it("jitters each wait between 1 s and its ceiling, and never past the 24-hour mark", () => {
    fc.assert(
      fc.property(attempts, beforeDeadline, unit, (n, now, r) => {
        const at = nextAttemptAt(n, createdAt, now, () => r);
        expect(at).not.toBeNull();
        const wait = (at ?? 0) - now;
        expect(wait).toBeGreaterThanOrEqual(Math.min(RETRY_POLICY.minDelayMs, deadline - now));
        expect(wait).toBeLessThanOrEqual(retryCeilingMs(n));
        expect(at).toBeLessThanOrEqual(deadline);
      }),
    );
  });

  it("waits longer for a larger random draw (full jitter is a uniform spread over the ceiling)", () => {
    fc.assert(
      fc.property(attempts, beforeDeadline, unit, unit, (n, now, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        return (nextAttemptAt(n, createdAt, now, () => low) ?? 0) <= (nextAttemptAt(n, createdAt, now, () => high) ?? 0);
      }),
    );
    // With the real Math.random, waits spread over the whole range: their median is near half the ceiling.
    const waits = Array.from({ length: 2000 }, () => (nextAttemptAt(10, createdAt, createdAt, Math.random) ?? 0) - createdAt).sort((x, y) => x - y);
    expect(waits[1000]).toBeGreaterThan(0.4 * HOUR);
    expect(waits[1000]).toBeLessThan(0.6 * HOUR);
    expect(waits[0]).toBeLessThan(5 * MINUTE);
    expect(waits[1999]).toBeGreaterThan(55 * MINUTE);
  });

  it("grows: the average wait doubles each time until the 1-hour cap", () => {
    const expected = (n: number) => ((nextAttemptAt(n, createdAt, createdAt, () => 0.5) ?? 0) - createdAt) / MINUTE;
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(expected)).toEqual([0.25, 0.5, 1, 2, 4, 8, 16, 30, 30]);
  });

  it("gives up at the 24-hour mark, after one last attempt made right at it", () => {
    expect(nextAttemptAt(40, createdAt, deadline - 10 * SECOND, () => 0.99)).toBe(deadline);
    expect(nextAttemptAt(41, createdAt, deadline, () => 0.5)).toBeNull();
    expect(nextAttemptAt(3, createdAt, deadline + HOUR)).toBeNull();
  });

  it("a delivery not tried yet is due now", () => {
    expect(nextAttemptAt(0, createdAt, createdAt + 5)).toBe(createdAt + 5);
  });

  it("whatever the draws, a failing delivery is retried on a rising clock until exactly 24 hours, then stops", () => {
    fc.assert(
      fc.property(fc.array(unit, { minLength: 1, maxLength: 50 }), (draws) => {
        let i = 0;
        const random = () => draws[i++ % draws.length] ?? 0;
        const times = [createdAt];
        let rising = true;
        for (let next = nextAttemptAt(1, createdAt, createdAt, random); next !== null; next = nextAttemptAt(times.length, createdAt, times.at(-1) ?? 0, random)) {
          rising &&= next > (times.at(-1) ?? 0);
          times.push(next);
        }
        expect(rising).toBe(true);
        expect(times.at(-1)).toBe(deadline);
        // At least one attempt an hour (the cap), at most one a second (the floor).
        expect(times.length).toBeGreaterThanOrEqual(25);
        expect(times.length).toBeLessThanOrEqual(24 * 3600 + 1);
      }),
      { numRuns: 50 },
    );
  });
});

describe("disabling an endpoint that keeps failing", () => {
  it(`disables after ${DISABLE_AFTER_FAILED_DELIVERIES} deliveries in a row are given up; any delivery resets the count`, () => {
    let state = { consecutiveFailedDeliveries: 0, disable: false };
    for (let i = 1; i < DISABLE_AFTER_FAILED_DELIVERIES; i++) {
      state = afterDelivery(state.consecutiveFailedDeliveries, "gave_up");
      expect(state).toEqual({ consecutiveFailedDeliveries: i, disable: false });
    }
    expect(afterDelivery(state.consecutiveFailedDeliveries, "delivered")).toEqual({ consecutiveFailedDeliveries: 0, disable: false });
    expect(afterDelivery(state.consecutiveFailedDeliveries, "gave_up")).toEqual({ consecutiveFailedDeliveries: DISABLE_AFTER_FAILED_DELIVERIES, disable: true });
  });

  it("for any history, disables exactly when the last deliveries were all given up, enough of them", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<"delivered" | "gave_up">("delivered", "gave_up"), { maxLength: 40 }), (history) => {
        let state = { consecutiveFailedDeliveries: 0, disable: false };
        for (const ended of history) state = afterDelivery(state.consecutiveFailedDeliveries, ended);
        const trailing = history.length - 1 - history.lastIndexOf("delivered");
        expect(state.consecutiveFailedDeliveries).toBe(trailing);
        expect(state.disable).toBe(trailing >= DISABLE_AFTER_FAILED_DELIVERIES);
      }),
    );
  });
});
