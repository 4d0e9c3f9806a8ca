import { and, eq, gt, lte, or, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { FACTOR_LIMITS, LOGIN_LIMITS } from "../../../core/src/config.ts";
import { schema } from "../../../core/src/db/index.ts";
import type { Db } from "../../../core/src/db/index.ts";
import { ApiError } from "../http/errors.ts";

// The lockout in front of every secret check: a sign-in's password (and sign-up, and the current password before an
// account change) and a second factor (a TOTP or recovery code, step-up's password, a signed link's code). One
// mechanism for both: a check is reserved as a row before any secret is verified, by one conditional INSERT that
// counts each of its scopes in their windows, so however many requests race, no scope ever has more than its limit
// checked. A failure needs nothing more (the reservation is the failure); a success deletes it and what it forgets.
// What differs between the kinds is only data: the table, the row's key columns and the scopes (`signInChecks`,
// `secondFactorChecks`).

const { loginAttempts, factorAttempts } = schema;

type Limit = { readonly max: number; readonly windowMs: number };

/** One count a check is held to: the rows it shares (every row when undefined), its limit, and what a refusal says. */
type Scope = { rows: SQL | undefined; limit: Limit; refusal: (wait: string) => string };

/** A kind of check: the table its reservations go in, the row's key columns, its scopes, and what a success forgets. */
export type Lockout = {
  table: typeof loginAttempts | typeof factorAttempts;
  row: [SQLiteColumn, string][];
  scopes: Scope[];
  forgetOnSuccess: SQL | undefined;
};

/** One reserved check. Until it is settled it counts as a failure in each of its lockout's scopes. */
export type Attempt = { id: number; lockout: Lockout };

/**
 * A sign-in check, held per email (whether or not it has an account), per client address (`clientAddress`) and
 * across all accounts (a password spray); a success forgets the email's failures. None of the refusals says
 * whether the account exists.
 */
export function signInChecks(email: string, address: string): Lockout {
  return {
    table: loginAttempts,
    row: [
      [loginAttempts.email, email],
      [loginAttempts.address, address],
    ],
    scopes: [
      { rows: eq(loginAttempts.email, email), limit: LOGIN_LIMITS.email, refusal: (wait) => `Too many failed sign-ins for this email. Wait ${wait} and try again.` },
      { rows: eq(loginAttempts.address, address), limit: LOGIN_LIMITS.address, refusal: (wait) => `Too many failed sign-ins from your network. Wait ${wait} and try again.` },
      {
        rows: undefined,
        limit: LOGIN_LIMITS.global,
        refusal: (wait) => `Hearth is refusing sign-ins for a while because of many failed attempts across accounts. Wait ${wait} and try again.`,
      },
    ],
    forgetOnSuccess: eq(loginAttempts.email, email),
  };
}

/**
 * A second-factor check, held per user. (Not per address as well: `factor_attempts` keeps no address, and the
 * first step, which every second step follows, is already held per address.)
 */
export function secondFactorChecks(userId: string): Lockout {
  return {
    table: factorAttempts,
    row: [[factorAttempts.userId, userId]],
    scopes: [{ rows: eq(factorAttempts.userId, userId), limit: FACTOR_LIMITS.user, refusal: (wait) => `Too many wrong codes. Wait ${wait} and try again.` }],
    forgetOnSuccess: eq(factorAttempts.userId, userId),
  };
}

/**
 * Reserves one check before any secret is verified, or refuses with 429 and Retry-After. Settle it with
 * `attemptSucceeded`; after a failure, `attemptFailed` only tidies.
 * @example
 * const attempt = await reserveAttempt(db, signInChecks(email, clientAddress(c.req.raw)));
 * if (!(await verifyPassword(password, hash))) { await attemptFailed(db, attempt); throw new ApiError(401, …); }
 * await attemptSucceeded(db, attempt);
 */
export async function reserveAttempt(db: Db, lockout: Lockout, now = Date.now()): Promise<Attempt> {
  const { table, row, scopes } = lockout;
  const underLimits = scopes.map(
    ({ rows, limit }) => sql`(SELECT count(*) FROM ${table} WHERE ${and(rows, gt(table.at, now - limit.windowMs))}) < ${limit.max}`,
  );
  // Raw SQL: an INSERT … SELECT … WHERE with no FROM (the check and the write in one atomic statement) is beyond
  // drizzle's insert builder. The column list takes bare names, as INSERT requires.
  const [reserved] = await db.all<{ id: number }>(sql`
    INSERT INTO ${table} (${sql.join([...row.map(([column]) => sql.identifier(column.name)), sql.identifier(table.at.name)], sql`, `)})
    SELECT ${sql.join([...row.map(([, value]) => sql`${value}`), sql`${now}`], sql`, `)}
    WHERE ${sql.join(underLimits, sql` AND `)}
    RETURNING ${sql.identifier(table.id.name)} AS id`);
  if (reserved) return { id: reserved.id, lockout };
  throw await refusal(db, lockout, now);
}

/** Says which limit is reached and when the oldest check that holds it leaves its window. */
async function refusal(db: Db, { table, scopes }: Lockout, now: number): Promise<ApiError> {
  let worst: { scope: Scope; retryAfter: number } | undefined;
  for (const scope of scopes) {
    const { max, windowMs } = scope.limit;
    // The check whose leaving brings this scope back under its limit.
    const pivot = await db.get<{ at: number } | undefined>(sql`
      SELECT ${table.at} AS at FROM ${table} WHERE ${and(scope.rows, gt(table.at, now - windowMs))}
      ORDER BY ${table.at} DESC LIMIT 1 OFFSET ${max - 1}`);
    if (!pivot) continue;
    const retryAfter = Math.max(1, Math.ceil((pivot.at + windowMs - now) / 1000));
    if (!worst || retryAfter > worst.retryAfter) worst = { scope, retryAfter };
  }
  // A race can free a slot between the insert and these reads; asking again at once is then the right advice.
  const first = scopes[0];
  const { scope, retryAfter } = worst ?? { scope: first, retryAfter: 1 };
  const minutes = Math.ceil(retryAfter / 60);
  const wait = `${minutes} minute${minutes === 1 ? "" : "s"}`;
  return new ApiError(429, "too_many_attempts", scope ? scope.refusal(wait) : `Too many attempts. Wait ${wait} and try again.`, {
    headers: { "Retry-After": String(retryAfter) },
  });
}

/** The longest window of a lockout's scopes: rows older than it count nowhere. */
const longestWindow = ({ scopes }: Lockout) => Math.max(...scopes.map((scope) => scope.limit.windowMs));

/** A check passed: its reservation and what the lockout forgets on success go, and so do rows past every window. */
export async function attemptSucceeded(db: Db, { id, lockout }: Attempt, now = Date.now()): Promise<void> {
  const { table } = lockout;
  await db.run(sql`DELETE FROM ${table} WHERE ${or(eq(table.id, id), lockout.forgetOnSuccess, lte(table.at, now - longestWindow(lockout)))}`);
}

/** A check failed: the reservation stays as the failure; rows older than every window of its kind are dropped. */
export async function attemptFailed(db: Db, { lockout }: Attempt, now = Date.now()): Promise<void> {
  const { table } = lockout;
  await db.run(sql`DELETE FROM ${table} WHERE ${lte(table.at, now - longestWindow(lockout))}`);
}
