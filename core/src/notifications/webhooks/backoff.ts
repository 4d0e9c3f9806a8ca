// The retry schedule of a delivery, and when an endpoint has failed for long enough to be turned off.
// Pure: the caller stores `next_attempt_at` and wakes up for it (a Durable Object alarm), so the schedule
// survives restarts and hibernation.

export const RETRY_POLICY = {
  /** The first retry comes within this long; each later wait's ceiling doubles. */
  baseDelayMs: 30_000,
  /** No single wait is longer than this. */
  maxDelayMs: 60 * 60_000,
  /** Jitter never retries sooner than this (a random 0 must not turn into a tight loop). */
  minDelayMs: 1_000,
  /** A delivery is retried until this long after it was created, then given up. */
  retryForMs: 24 * 60 * 60_000,
} as const;

/**
 * An endpoint is disabled when this many deliveries in a row gave up (each failed every attempt for 24 hours),
 * with no successful attempt in between.
 *
 * Counted in deliveries, not attempts, on purpose: one delivery makes dozens of attempts in its 24 hours, and a
 * burst of notifications makes many at once, so a count of attempts would disable an endpoint during a short
 * outage, before the 24 hours of retries meant to ride it out. `webhook_endpoints.consecutive_failures` holds
 * this count: see `afterDelivery`.
 */
export const DISABLE_AFTER_FAILED_DELIVERIES = 5;

/** The ceiling of the wait after `attempts` failed attempts: 30 s, 1 min, 2 min, … up to 1 h. */
export function retryCeilingMs(attempts: number): number {
  const doublings = Math.min(Math.max(attempts - 1, 0), 32);
  return Math.min(RETRY_POLICY.maxDelayMs, RETRY_POLICY.baseDelayMs * 2 ** doublings);
}

/**
 * When to try a delivery again after `attempts` failed attempts (epoch ms), or null to give up. The wait is
 * "full jitter" (uniform between 1 s and the ceiling), which spreads out retries of many deliveries that failed
 * together. The last attempt is made at the 24-hour mark, not skipped because a wait would overshoot it.
 * With no attempt made yet, the delivery is due now.
 * @example nextAttemptAt(1, delivery.createdAt, Date.now()) // within 30 s from now
 */
export function nextAttemptAt(attempts: number, createdAt: number, now: number, random: () => number = Math.random): number | null {
  const deadline = createdAt + RETRY_POLICY.retryForMs;
  if (now >= deadline) return null;
  if (attempts < 1) return now;
  const ceiling = retryCeilingMs(attempts);
  const wait = Math.max(RETRY_POLICY.minDelayMs, Math.floor(random() * ceiling));
  return Math.min(now + wait, deadline);
}

/**
 * The endpoint's count after a delivery ended: a delivered attempt resets it; a delivery given up adds one.
 * `disable` says when to turn the endpoint off (and tell the user in the app).
 */
export function afterDelivery(consecutiveFailedDeliveries: number, ended: "delivered" | "gave_up"): { consecutiveFailedDeliveries: number; disable: boolean } {
  if (ended === "delivered") return { consecutiveFailedDeliveries: 0, disable: false };
  const count = consecutiveFailedDeliveries + 1;
  return { consecutiveFailedDeliveries: count, disable: count >= DISABLE_AFTER_FAILED_DELIVERIES };
}
