import { and, eq } from "drizzle-orm";
import type { Context } from "hono";
import type { ProofMethod } from "#protocol";
import { getCookie, setCookie } from "hono/cookie";
import { openDb, schema } from "../db/index.ts";
import type { AppEnv } from "../http/types.ts";
import { relayFor } from "../relay/stub.ts";
import { isHttps } from "./session.ts";
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
          body: `Someone signed in from a browser this account has not used before${userAgent ? ` (${describeAgent(userAgent)})` : ""}${method ? `, ${METHOD_WORDS[method]}` : ""}. If it was not you, change your password and sign out everywhere.`,
          source: { type: "session", id: await hashToken(value) },
          link: null,
        },
      }),
    );
  }
  return true;
}

/** A short name for a User-Agent: "Firefox on Linux". */
export function describeAgent(userAgent: string): string {
  const browser = /Edg\//.test(userAgent) ? "Edge" : /Firefox\//.test(userAgent) ? "Firefox" : /Chrom(e|ium)\//.test(userAgent) ? "Chrome" : /Safari\//.test(userAgent) ? "Safari" : "a browser";
  const system = /Android/.test(userAgent) ? "Android" : /iPhone|iPad/.test(userAgent) ? "iOS" : /Windows/.test(userAgent) ? "Windows" : /Mac OS X/.test(userAgent) ? "macOS" : /Linux/.test(userAgent) ? "Linux" : null;
  return system ? `${browser} on ${system}` : browser;
}
