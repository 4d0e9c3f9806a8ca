import { and, eq, gt, lte } from "drizzle-orm";
import type { Db } from "../../../core/src/db/index.ts";
import { schema } from "../../../core/src/db/index.ts";
import { ApiError } from "../http/errors.ts";
import { hashToken, newToken } from "./tokens.ts";

// Between a right password and the second factor, the client holds a random token (D1 keeps its hash). It grants
// nothing but the right to try a second factor for that user: no session exists until the second step passes,
// and it is spent by that step, so it cannot be used twice.

const { pendingSignIns } = schema;
export const PENDING_SIGN_IN_MS = 5 * 60_000;

const EXPIRED = () => new ApiError(401, "expired_token", "This sign-in has expired or was already finished. Enter your email and password again.");

/** Starts a pending sign-in for the user; returns its token and expiry. */
export async function startPendingSignIn(db: Db, userId: string, now = Date.now()): Promise<{ token: string; expiresAt: number }> {
  const token = newToken();
  const expiresAt = now + PENDING_SIGN_IN_MS;
  await db.batch([
    db.delete(pendingSignIns).where(lte(pendingSignIns.expiresAt, now)),
    db.insert(pendingSignIns).values({ id: await hashToken(token), userId, expiresAt }),
  ]);
  return { token, expiresAt };
}

/** The user a live pending sign-in is for, or 401 `expired_token`. Does not spend it. */
export async function pendingSignInUser(db: Db, token: string, now = Date.now()): Promise<string> {
  const row = await db.select({ userId: pendingSignIns.userId }).from(pendingSignIns).where(and(eq(pendingSignIns.id, await hashToken(token)), gt(pendingSignIns.expiresAt, now))).get();
  if (!row) throw EXPIRED();
  return row.userId;
}

/** Spends a pending sign-in once its second factor passed; of two racing finishes, only one gets the user. */
export async function finishPendingSignIn(db: Db, token: string, now = Date.now()): Promise<string> {
  const [row] = await db.delete(pendingSignIns).where(and(eq(pendingSignIns.id, await hashToken(token)), gt(pendingSignIns.expiresAt, now))).returning({ userId: pendingSignIns.userId });
  if (!row) throw EXPIRED();
  return row.userId;
}
