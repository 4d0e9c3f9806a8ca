import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { LoginRequest, MeQuery, RegisterRequest } from "#protocol";
import type { LoginResponse, MeResponse } from "#protocol";
import { openDb, schema } from "../../../core/src/db/index.ts";
import type { User } from "../../../core/src/db/schema.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody, queryParams } from "../http/validate.ts";
import { clientAddress } from "../http/client-ip.ts";
import { attemptFailed, attemptSucceeded, reserveAttempt, signInChecks } from "./lockout.ts";
import { DECOY_HASH, hashPassword, needsRehash, verifyPassword } from "./password.ts";
import { rememberBrowser } from "./browsers.ts";
import { secondFactorChallenge, signIn } from "./sign-in.ts";
import { tellOwnerOfRegistration } from "./registered-elsewhere.ts";
import { endSession, requireUser, startSession } from "./session.ts";
import { publicUser } from "./users.ts";

/** /api/auth: register, sign in, sign out, and who am I. */
export const auth = new Hono<AppEnv>()
  // A new and a taken email get the same answer (201 `{ok: true}`), so the answer does not tell whether an
  // account exists; only a new one is signed in, and the owner of a taken one is told (registered-elsewhere.ts).
  // Each try is a sign-in attempt under the limits, so probing many emails from one place is stopped early.
  .post("/register", jsonBody(RegisterRequest), async (c) => {
    const { email, password, name } = c.req.valid("json");
    const db = openDb(c.env.DB);
    const attempt = await reserveAttempt(db, signInChecks(email, clientAddress(c.req.raw)));
    const user: User = {
      id: crypto.randomUUID(),
      email,
      name: name || null,
      passwordHash: await hashPassword(password),
      createdAt: Date.now(),
    };
    const inserted = await db.insert(schema.users).values(user).onConflictDoNothing().returning({ id: schema.users.id });
    if (inserted.length === 0) {
      await attemptFailed(db, attempt);
      await tellOwnerOfRegistration(c, email);
    } else {
      await attemptSucceeded(db, attempt);
      await startSession(c, user.id, "password");
      await rememberBrowser(c, user.id, { tell: false });
    }
    return c.json({ ok: true as const }, 201);
  })

  .post("/login", jsonBody(LoginRequest), async (c) => {
    const { email, password } = c.req.valid("json");
    const db = openDb(c.env.DB);
    const attempt = await reserveAttempt(db, signInChecks(email, clientAddress(c.req.raw)));
    const user = await db.select().from(schema.users).where(eq(schema.users.email, email)).get();
    // Check a decoy hash when there is no such user, so the answer takes as long either way.
    const ok = await verifyPassword(password, user?.passwordHash ?? DECOY_HASH);
    if (!user || !ok) {
      await attemptFailed(db, attempt);
      throw new ApiError(401, "invalid_credentials", "That email and password don't match. Check them and try again.");
    }
    await attemptSucceeded(db, attempt);
    if (needsRehash(user.passwordHash)) {
      await db.update(schema.users).set({ passwordHash: await hashPassword(password) }).where(eq(schema.users.id, user.id));
    }
    // With a second factor required, the password only earns a pending sign-in: no session yet.
    const body: LoginResponse = (await secondFactorChallenge(db, user.id)) ?? { user: await signIn(c, user, "password") };
    return c.json(body, 200);
  })

  .post("/logout", async (c) => {
    await endSession(c);
    return c.json({ ok: true as const }, 200);
  })

  .get("/me", queryParams(MeQuery), requireUser, (c) => {
    const { user, session, idleExpiresAt } = c.get("auth");
    const body: MeResponse = { user: publicUser(user), session: { idleExpiresAt, expiresAt: session.expiresAt } };
    return c.json(body, 200);
  });
