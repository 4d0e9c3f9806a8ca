import { sql } from "drizzle-orm";
import { LOGIN_LIMITS } from "../config.ts";
import type { Db } from "../db/index.ts";
import { ApiError } from "../http/errors.ts";

/** One reserved sign-in check. Until it is settled it counts as a failure, for its email, its address and overall. */
export type SignInAttempt = { id: number; email: string };

type Scope = keyof typeof LOGIN_LIMITS;
const SCOPES: Scope[] = ["email", "address", "global"];

// Said once a limit is reached; none of them depends on whether the account exists.
const REFUSALS: Record<Scope, (wait: string) => string> = {
  email: (wait) => `Too many failed sign-ins for this email. Wait ${wait} and try again.`,
  address: (wait) => `Too many failed sign-ins from your network. Wait ${wait} and try again.`,
  global: (wait) => `Hearth is refusing sign-ins for a while because of many failed attempts across accounts. Wait ${wait} and try again.`,
};

/**
 * The client's address for the per-address limit. Cloudflare always sets CF-Connecting-IP in production; without
 * it (tests, some local setups) every request shares one bucket, which only makes the limit stricter.
 */
export function clientAddress(req: Request): string {
  return req.headers.get("cf-connecting-ip") ?? "local";
}

/**
 * Reserves one sign-in check before any secret is verified, or refuses with 429 and Retry-After.
 * The reservation is one conditional INSERT, so however many requests race, at most the limit of each scope
 * (this email, this address, all accounts) is ever checked. Settle it with `attemptSucceeded`; a failure needs
 * nothing more, since the reservation already counts as one. Every step of a sign-in (the password, a second
 * factor) reserves its own attempt under the same email.
 * @example
 * const attempt = await reserveAttempt(db, email, clientAddress(c.req.raw));
 * if (!(await verifyPassword(password, hash))) throw new ApiError(401, …);
 * await attemptSucceeded(db, attempt);
 */
export async function reserveAttempt(db: Db, email: string, address: string, now = Date.now()): Promise<SignInAttempt> {
  const since = (scope: Scope) => now - LOGIN_LIMITS[scope].windowMs;
  const [reserved] = await db.all<{ id: number }>(sql`
    INSERT INTO login_attempts (email, address, at)
    SELECT ${email}, ${address}, ${now}
    WHERE (SELECT count(*) FROM login_attempts WHERE email = ${email} AND at > ${since("email")}) < ${LOGIN_LIMITS.email.max}
      AND (SELECT count(*) FROM login_attempts WHERE address = ${address} AND at > ${since("address")}) < ${LOGIN_LIMITS.address.max}
      AND (SELECT count(*) FROM login_attempts WHERE at > ${since("global")}) < ${LOGIN_LIMITS.global.max}
    RETURNING id`);
  if (reserved) return { id: reserved.id, email };
  throw await refusal(db, email, address, now);
}

/** Says which limit is reached and when the oldest attempt that holds it leaves its window. */
async function refusal(db: Db, email: string, address: string, now: number): Promise<ApiError> {
  const filters: Record<Scope, ReturnType<typeof sql>> = {
    email: sql`email = ${email}`,
    address: sql`address = ${address}`,
    global: sql`1 = 1`,
  };
  let worst: { scope: Scope; retryAfter: number } | undefined;
  for (const scope of SCOPES) {
    const { max, windowMs } = LOGIN_LIMITS[scope];
    // The attempt whose leaving brings this scope back under its limit.
    const pivot = await db.get<{ at: number } | undefined>(sql`
      SELECT at FROM login_attempts WHERE ${filters[scope]} AND at > ${now - windowMs}
      ORDER BY at DESC LIMIT 1 OFFSET ${max - 1}`);
    if (!pivot) continue;
    const retryAfter = Math.max(1, Math.ceil((pivot.at + windowMs - now) / 1000));
    if (!worst || retryAfter > worst.retryAfter) worst = { scope, retryAfter };
  }
  // A race can free a slot between the insert and these reads; asking again at once is then the right advice.
  const { scope, retryAfter } = worst ?? { scope: "email", retryAfter: 1 };
  const minutes = Math.ceil(retryAfter / 60);
  return new ApiError(429, "too_many_attempts", REFUSALS[scope](`${minutes} minute${minutes === 1 ? "" : "s"}`), {
    headers: { "Retry-After": String(retryAfter) },
  });
}

/** A check passed: its reservation is released and the email's failures are forgotten. */
export async function attemptSucceeded(db: Db, attempt: SignInAttempt): Promise<void> {
  await db.run(sql`DELETE FROM login_attempts WHERE id = ${attempt.id} OR email = ${attempt.email}`);
}

/** A check failed: the reservation stays as the failure; attempts older than every window are dropped. */
export async function attemptFailed(db: Db, now = Date.now()): Promise<void> {
  const longest = Math.max(...Object.values(LOGIN_LIMITS).map((limit) => limit.windowMs));
  await db.run(sql`DELETE FROM login_attempts WHERE at <= ${now - longest}`);
}
