import { and, desc, eq, gt, ne } from "drizzle-orm";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { ProofMethod } from "#protocol";
import { readConfig } from "../../../core/src/config.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import { clientIp } from "../http/client-ip.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv, Authenticated } from "../http/types.ts";
import type { SessionView } from "#protocol";
import { sessionExpired, touchDue } from "../../../relay/src/index.ts";
import { describeAgent } from "./describe-agent.ts";
import { SESSION_COOKIE, relaySessionOf, rememberUser, sessionCookieValue, sessionsEnded } from "./relay-session.ts";
import { hashToken, newToken } from "./tokens.ts";
import { isHttps } from "../http/https.ts";

export { SESSION_COOKIE };

/**
 * Starts a session for the user and sets its cookie. The token goes to the browser; D1 keeps its hash.
 * `proof` is how the user proved who they are; it starts the session's step-up window (see step-up.ts).
 */
export async function startSession(c: Context<AppEnv>, userId: string, proof: ProofMethod): Promise<void> {
  const { sessionMaxMs } = readConfig(c.env);
  // The cookie names its user, so the dispatch path can ask that user's relay to check it (./relay-session.ts).
  const token = sessionCookieValue(userId, newToken());
  const now = Date.now();
  await openDb(c.env.DB)
    .insert(schema.sessions)
    .values({
      id: await hashToken(token),
      userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + sessionMaxMs,
      userAgent: c.req.header("user-agent")?.slice(0, 256) ?? null,
      ip: clientIp(c),
      provedAt: now,
      provedWith: proof,
    });
  setCookie(c, SESSION_COOKIE, token, {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure: isHttps(c),
    maxAge: Math.floor(sessionMaxMs / 1000),
  });
  rememberUser(userId);
}

/** Ends the request's session, if any, and clears its cookie. */
export async function endSession(c: Context<AppEnv>): Promise<void> {
  const token = getCookie(c, SESSION_COOKIE);
  if (token) {
    const ended = await openDb(c.env.DB)
      .delete(schema.sessions)
      .where(eq(schema.sessions.id, await hashToken(token)))
      .returning({ id: schema.sessions.id, userId: schema.sessions.userId });
    for (const { id, userId } of ended) await sessionsEnded(c.env, userId, [id]);
  }
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: isHttps(c) });
}

/**
 * Finds the live session behind a request's cookie, or says why there is none.
 * An expired session is deleted on sight. `touch` slides the idle timer (a passive check does not).
 */
export async function resolveSession(
  c: Context<AppEnv>,
  { touch }: { touch: boolean },
): Promise<Authenticated | "none" | "expired"> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return "none";
  const db = openDb(c.env.DB);
  const id = await hashToken(token);
  const row = await db
    .select({ session: schema.sessions, user: schema.users })
    .from(schema.sessions)
    .innerJoin(schema.users, eq(schema.users.id, schema.sessions.userId))
    .where(eq(schema.sessions.id, id))
    .get();
  if (!row) return "expired";

  const { sessionIdleMs } = readConfig(c.env);
  const now = Date.now();
  if (sessionExpired(row.session, now, sessionIdleMs)) {
    await db.delete(schema.sessions).where(eq(schema.sessions.id, id));
    return "expired";
  }
  rememberUser(row.user.id);
  if (touch && touchDue(row.session, now, sessionIdleMs)) {
    await db.update(schema.sessions).set({ lastSeenAt: now }).where(eq(schema.sessions.id, id));
    row.session.lastSeenAt = now;
  }
  const idleExpiresAt = Math.min(row.session.lastSeenAt + sessionIdleMs, row.session.expiresAt);
  return { ...row, idleExpiresAt };
}

/** Requires a signed-in user; sets `c.var.auth`. A request with `?passive=1` does not count as activity. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  await checkSessionInD1(c);
  await next();
});

/**
 * For the dispatch path (POST /api/commands): a cookie the user's relay can check goes to it as
 * `c.var.relaySession`, checked in the dispatch call itself with no D1 read (./relay-session.ts); any other
 * request is `requireUser`.
 */
export const requireUserAtRelay = createMiddleware<AppEnv>(async (c, next) => {
  const atRelay = relaySessionOf(getCookie(c, SESSION_COOKIE));
  if (atRelay) c.set("relaySession", atRelay);
  else await checkSessionInD1(c);
  await next();
});

async function checkSessionInD1(c: Context<AppEnv>): Promise<void> {
  const result = await resolveSession(c, { touch: c.req.query("passive") !== "1" });
  if (result === "none") throw new ApiError(401, "unauthenticated", "You are signed out. Sign in to continue.");
  if (result === "expired") {
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: isHttps(c) });
    throw new ApiError(401, "session_expired", "Your session has expired. Sign in again to continue.");
  }
  c.set("auth", result);
}

// ── Settings → Account: the user's sessions ─────────────────────────────────────────────────────

/** The user's live sessions, most recently used first; `currentId` is marked as this one. */
export async function listSessions(c: Context<AppEnv>, userId: string, currentId: string): Promise<SessionView[]> {
  const { sessionIdleMs } = readConfig(c.env);
  const now = Date.now();
  const rows = await openDb(c.env.DB)
    .select()
    .from(schema.sessions)
    .where(and(eq(schema.sessions.userId, userId), gt(schema.sessions.expiresAt, now), gt(schema.sessions.lastSeenAt, now - sessionIdleMs)))
    .orderBy(desc(schema.sessions.lastSeenAt))
    .all();
  return rows.map((row) => ({
    id: row.id,
    browser: row.userAgent ? describeAgent(row.userAgent) : "Unknown browser",
    user_agent: row.userAgent,
    ip: row.ip,
    created_at: row.createdAt,
    last_seen_at: row.lastSeenAt,
    current: row.id === currentId,
  }));
}

/** Ends one of the user's sessions (never another user's); false when there is no such session. */
export async function endSessionById(c: Context<AppEnv>, userId: string, sessionId: string): Promise<boolean> {
  const ended = await openDb(c.env.DB)
    .delete(schema.sessions)
    .where(and(eq(schema.sessions.id, sessionId), eq(schema.sessions.userId, userId)))
    .returning({ id: schema.sessions.id });
  await sessionsEnded(c.env, userId, ended.map((row) => row.id));
  return ended.length > 0;
}

/** Ends every session of the user except `keepId` (the one asking); how many ended. */
export async function endOtherSessions(c: Context<AppEnv>, userId: string, keepId: string): Promise<number> {
  const ended = await openDb(c.env.DB)
    .delete(schema.sessions)
    .where(and(eq(schema.sessions.userId, userId), ne(schema.sessions.id, keepId)))
    .returning({ id: schema.sessions.id });
  await sessionsEnded(c.env, userId, ended.map((row) => row.id));
  return ended.length;
}
