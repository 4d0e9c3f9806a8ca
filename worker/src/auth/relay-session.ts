import type { Context } from "hono";
import { deleteCookie } from "hono/cookie";
import type { DispatchInput, DispatchOutcome } from "../../../relay/src/index.ts";
import { ApiError } from "../http/errors.ts";
import { isHttps } from "../http/https.ts";
import type { AppEnv } from "../http/types.ts";
import { relayFor } from "../relay/stub.ts";
import { hashToken } from "./tokens.ts";

// The dispatch path's session check, without a D1 read (issue 17): a session cookie is `<user id>.<token>` and
// the session's id is the hash of the whole value, so the cookie names the user's relay, and a cookie whose user
// part was changed names no session at all. The relay checks the session from its memory, read from D1 again at
// least once a minute (relay/src/sessions.ts); every writer that ends a session tells it first (./session.ts).
// Cookies from before this format have no user part and are checked in D1, as every other route checks them
// (`requireUser`).

export const SESSION_COOKIE = "hearth_session";

/** Where the commands API's POST finds the session the relay is to check. */
export type RelaySession = { userId: string; cookie: string };

/** A user id as `crypto.randomUUID()` makes them. */
const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A bound on `knownUsers`; past it the set starts again (each user is relearned by one D1 check). */
const MAX_KNOWN = 10_000;

/**
 * Users this isolate has seen a live session of (in D1). A cookie is sent to a relay only for these, so a forged
 * cookie cannot make the runtime create a relay for a made-up user. It says nothing about a session's validity:
 * the relay checks that.
 */
const knownUsers = new Set<string>();

/** Notes that `userId` exists (a session of it was checked or started in D1). */
export function rememberUser(userId: string): void {
  if (knownUsers.size >= MAX_KNOWN) knownUsers.clear();
  knownUsers.add(userId);
}

/** The cookie value for a new session of `userId`. */
export function sessionCookieValue(userId: string, token: string): string {
  return `${userId}.${token}`;
}

/** The user a session cookie names, when it is in the `<user id>.<token>` format; null for an older cookie. */
export function cookieUser(cookie: string): string | null {
  const dot = cookie.indexOf(".");
  const userId = dot > 0 ? cookie.slice(0, dot) : "";
  return USER_ID.test(userId) ? userId : null;
}

/** The session the relay can check for this cookie (its user seen here before), or null: then D1 checks it. */
export function relaySessionOf(cookie: string | undefined): RelaySession | null {
  const userId = cookie ? cookieUser(cookie) : null;
  return cookie && userId && knownUsers.has(userId) ? { userId, cookie } : null;
}

/** Dispatches through the relay that checks the session; an ended or expired session is a 401, with its cookie cleared. */
export async function dispatchAsSession(c: Context<AppEnv>, session: RelaySession, input: DispatchInput): Promise<DispatchOutcome> {
  const touch = c.req.query("passive") !== "1";
  const outcome = await relayFor(c.env, session.userId).dispatchAs(await hashToken(session.cookie), touch, input);
  if (!outcome.ok && outcome.code === "session_expired") {
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: isHttps(c) });
    throw new ApiError(401, "session_expired", outcome.message);
  }
  return outcome;
}

/**
 * Tells the user's relay that these sessions were ended in D1, before the caller answers. A failed call does not
 * fail the sign-out: the rows are gone already (a retry would find nothing to end), and the relay reads each
 * session it holds from D1 again within a minute (relay/src/sessions.ts `RECHECK_MS`), so it is refused by then.
 */
export async function sessionsEnded(env: Env, userId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  try {
    await relayFor(env, userId).sessionsEnded(ids);
  } catch (error) {
    console.error("auth: the relay was not told of ended sessions; it reads them again within a minute", error);
  }
}

