import { sql } from "drizzle-orm";
import type { Db } from "../db/index.ts";
import { ApiError } from "../http/errors.ts";

// The second step's lockout, in the same shape as the password step's (lockout.ts): an attempt is reserved by one
// conditional INSERT before any code is checked, so however many requests race, at most FACTOR_MAX_FAILURES are
// ever checked in the window. A wrong code needs nothing more (its reservation is the failure); a right one clears.

export const FACTOR_MAX_FAILURES = 5;
export const FACTOR_WINDOW_MS = 15 * 60_000;

/** One reserved second-factor check. */
export type FactorAttempt = { id: number; userId: string };

/** Reserves one second-factor check for the user, or refuses with 429 and Retry-After. */
export async function reserveFactorAttempt(db: Db, userId: string, now = Date.now()): Promise<FactorAttempt> {
  const since = now - FACTOR_WINDOW_MS;
  const [reserved] = await db.all<{ id: number }>(sql`
    INSERT INTO factor_attempts (user_id, at)
    SELECT ${userId}, ${now}
    WHERE (SELECT count(*) FROM factor_attempts WHERE user_id = ${userId} AND at > ${since}) < ${FACTOR_MAX_FAILURES}
    RETURNING id`);
  if (reserved) return { id: reserved.id, userId };
  // The attempt whose leaving the window frees a slot.
  const pivot = await db.get<{ at: number } | undefined>(sql`
    SELECT at FROM factor_attempts WHERE user_id = ${userId} AND at > ${since}
    ORDER BY at DESC LIMIT 1 OFFSET ${FACTOR_MAX_FAILURES - 1}`);
  const retryAfter = Math.max(1, Math.ceil(((pivot?.at ?? now) + FACTOR_WINDOW_MS - now) / 1000));
  const minutes = Math.ceil(retryAfter / 60);
  throw new ApiError(429, "too_many_attempts", `Too many wrong codes. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again.`, {
    headers: { "Retry-After": String(retryAfter) },
  });
}

/** A check passed: the user's failures are forgotten, and attempts older than the window are dropped for everyone. */
export async function factorAttemptSucceeded(db: Db, attempt: FactorAttempt, now = Date.now()): Promise<void> {
  await db.run(sql`DELETE FROM factor_attempts WHERE user_id = ${attempt.userId} OR at <= ${now - FACTOR_WINDOW_MS}`);
}
