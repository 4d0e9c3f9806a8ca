import { and, asc, eq, gt, lte } from "drizzle-orm";
import { LOGIN_MAX_FAILURES, LOGIN_WINDOW_MS } from "../config.ts";
import type { Db } from "../db/index.ts";
import { schema } from "../db/index.ts";
import { ApiError } from "../http/errors.ts";

const { loginFailures } = schema;

/**
 * Refuses a sign-in for an email that failed too often in the window, with the seconds to wait.
 * It is checked before the password, and for unknown emails too, so it reveals nothing about accounts.
 */
export async function assertNotLockedOut(db: Db, email: string, now = Date.now()): Promise<void> {
  const recent = await db
    .select({ at: loginFailures.at })
    .from(loginFailures)
    .where(and(eq(loginFailures.email, email), gt(loginFailures.at, now - LOGIN_WINDOW_MS)))
    .orderBy(asc(loginFailures.at))
    .all();
  if (recent.length < LOGIN_MAX_FAILURES) return;
  // Once this failure leaves the window, fewer than the limit remain.
  const pivot = recent[recent.length - LOGIN_MAX_FAILURES];
  const retryAfter = Math.max(1, Math.ceil(((pivot?.at ?? now) + LOGIN_WINDOW_MS - now) / 1000));
  const minutes = Math.ceil(retryAfter / 60);
  throw new ApiError(
    429,
    "too_many_attempts",
    `Too many failed sign-ins for this email. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again.`,
    { headers: { "Retry-After": String(retryAfter) } },
  );
}

/** Records a failed sign-in, and drops this email's failures that have left the window. */
export async function recordFailure(db: Db, email: string, now = Date.now()): Promise<void> {
  await db.batch([
    db.delete(loginFailures).where(and(eq(loginFailures.email, email), lte(loginFailures.at, now - LOGIN_WINDOW_MS))),
    db.insert(loginFailures).values({ email, at: now }),
  ]);
}

/** A successful sign-in clears the slate. */
export async function clearFailures(db: Db, email: string): Promise<void> {
  await db.delete(loginFailures).where(eq(loginFailures.email, email));
}
