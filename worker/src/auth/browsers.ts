import { and, desc, eq } from "drizzle-orm";
import type { Context } from "hono";
import type { ProofMethod } from "#protocol";
import { getCookie, setCookie } from "hono/cookie";
import { openDb, schema } from "../../../core/src/db/index.ts";
import type { AppEnv } from "../http/types.ts";
import { relayFor } from "../relay/stub.ts";
import type { KnownBrowserView } from "#protocol";
import { describeAgent } from "./describe-agent.ts";
import { isHttps } from "../http/https.ts";
import { hashToken, newToken } from "./tokens.ts";

// "Sign-in from a new device": each browser that signs in gets a long-lived random cookie, and D1 keeps its hash
// per user. A sign-in from a browser without a cookie this user's account knows is new, and the user is told
// (the account's first browser, at sign-up, is simply remembered).

const BROWSER_COOKIE = "hearth_browser";
const METHOD_WORDS: Record<ProofMethod, string> = {
  password: "with the password",
  totp: "with the password and an authenticator code",
  recovery: "with the password and a recovery code",
  passkey: "with a passkey",
};
const ONE_YEAR_S = 365 * 24 * 60 * 60;
const { knownBrowsers } = schema;
/** Where the "new sign-in" notice sends the user: the sessions list in Settings → Account. */
const SESSIONS_LINK = "/settings#sessions";

/** Remembers the request's browser for the user; returns whether it was new to them. */
export async function rememberBrowser(c: Context<AppEnv>, userId: string, { tell, method }: { tell: boolean; method?: ProofMethod }): Promise<boolean> {
  const db = openDb(c.env.DB);
  const now = Date.now();
  const userAgent = c.req.header("user-agent")?.slice(0, 256) ?? null;
  const token = getCookie(c, BROWSER_COOKIE);
  if (token) {
    const known = await db
      .update(knownBrowsers)
      .set({ lastSeenAt: now, userAgent })
      .where(and(eq(knownBrowsers.id, await hashToken(token)), eq(knownBrowsers.userId, userId)))
      .returning({ id: knownBrowsers.id });
    if (known.length > 0) return false;
  }
  // One cookie per browser: a browser that signs in to a second account keeps its cookie, known to each account.
  const value = token ?? newToken();
  await db.insert(knownBrowsers).values({ id: await hashToken(value), userId, userAgent, firstSeenAt: now, lastSeenAt: now }).onConflictDoNothing();
  setCookie(c, BROWSER_COOKIE, value, { path: "/", httpOnly: true, sameSite: "Lax", secure: isHttps(c), maxAge: ONE_YEAR_S });
  if (tell) {
    c.executionCtx.waitUntil(
      relayFor(c.env, userId).notify({
        draft: {
          kind: "new_sign_in",
          title: "New sign-in to your account",
          body: `Someone signed in from a browser this account has not used before${userAgent ? ` (${describeAgent(userAgent)})` : ""}${method ? `, ${METHOD_WORDS[method]}` : ""}. If it was not you, change your password and sign that session out in Settings → Account.`,
          source: { type: "session", id: await hashToken(value) },
          link: SESSIONS_LINK,
        },
      }),
    );
  }
  return true;
}

/** The browsers this account knows, most recently used first; the request's own is marked. */
export async function listBrowsers(c: Context<AppEnv>, userId: string): Promise<KnownBrowserView[]> {
  const token = getCookie(c, BROWSER_COOKIE);
  const currentId = token ? await hashToken(token) : null;
  const rows = await openDb(c.env.DB).select().from(knownBrowsers).where(eq(knownBrowsers.userId, userId)).orderBy(desc(knownBrowsers.lastSeenAt)).all();
  return rows.map((row) => ({
    id: row.id,
    browser: row.userAgent ? describeAgent(row.userAgent) : "Unknown browser",
    first_seen_at: row.firstSeenAt,
    last_seen_at: row.lastSeenAt,
    current: row.id === currentId,
  }));
}

/** Forgets one of the user's browsers: its next sign-in is announced as new again. False when there is no such browser. */
export async function forgetBrowser(c: Context<AppEnv>, userId: string, browserId: string): Promise<boolean> {
  const gone = await openDb(c.env.DB)
    .delete(knownBrowsers)
    .where(and(eq(knownBrowsers.id, browserId), eq(knownBrowsers.userId, userId)))
    .returning({ id: knownBrowsers.id });
  return gone.length > 0;
}
