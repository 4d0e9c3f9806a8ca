import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { AddPasskeyRequest, PasskeySignInOptionsRequest, PasskeySignInRequest, RenamePasskeyRequest } from "#protocol";
import { openDb, schema } from "../../../core/src/db/index.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody } from "../http/validate.ts";
import { afterFactorRemoved, passkeyView, recordProof } from "./factors.ts";
import { addPasskey, authenticationOptions, registrationOptions, usePasskey } from "./passkeys.ts";
import { finishPendingSignIn, pendingSignInUser } from "./pending-sign-in.ts";
import { requireUser } from "./session.ts";
import { signIn } from "./sign-in.ts";
import { SETTINGS_PROOF_MINUTES, assertRecentProof } from "./step-up.ts";

const { passkeys, users } = schema;

const NO_SUCH = () => new ApiError(404, "not_found", "There is no such passkey. It may have been removed already.");

/** /api/auth/passkeys: add, list, rename and remove passkeys; sign in with one (alone, or as the second step). */
export const passkeysApi = new Hono<AppEnv>()
  .get("/", requireUser, async (c) => {
    const rows = await openDb(c.env.DB).select().from(passkeys).where(eq(passkeys.userId, c.get("auth").user.id)).orderBy(passkeys.createdAt).all();
    return c.json({ passkeys: rows.map(passkeyView) }, 200);
  })

  .post("/register/options", requireUser, async (c) => {
    const { user } = c.get("auth");
    const db = openDb(c.env.DB);
    await assertRecentProof(c, SETTINGS_PROOF_MINUTES, "add a passkey");
    const existing = await db.select().from(passkeys).where(eq(passkeys.userId, user.id)).all();
    return c.json(await registrationOptions(c, db, user, existing), 200);
  })

  .post("/", requireUser, jsonBody(AddPasskeyRequest), async (c) => {
    const { name, credential } = c.req.valid("json");
    const { user, session } = c.get("auth");
    const db = openDb(c.env.DB);
    await assertRecentProof(c, SETTINGS_PROOF_MINUTES, "add a passkey");
    const row = await addPasskey(c, db, user.id, name, credential);
    // The new passkey was just used (with user verification), as a confirmed authenticator code is at set-up.
    await recordProof(db, session.id, "passkey");
    return c.json({ passkey: passkeyView(row) }, 201);
  })

  .patch("/:id", requireUser, jsonBody(RenamePasskeyRequest), async (c) => {
    const [row] = await openDb(c.env.DB)
      .update(passkeys)
      .set({ name: c.req.valid("json").name })
      .where(and(eq(passkeys.id, c.req.param("id")), eq(passkeys.userId, c.get("auth").user.id)))
      .returning();
    if (!row) throw NO_SUCH();
    return c.json({ passkey: passkeyView(row) }, 200);
  })

  .delete("/:id", requireUser, async (c) => {
    const { user } = c.get("auth");
    const db = openDb(c.env.DB);
    await assertRecentProof(c, SETTINGS_PROOF_MINUTES, "remove a passkey");
    const removed = await db.delete(passkeys).where(and(eq(passkeys.id, c.req.param("id")), eq(passkeys.userId, user.id))).returning({ id: passkeys.id });
    if (removed.length === 0) throw NO_SUCH();
    await afterFactorRemoved(db, user.id);
    return c.json({ ok: true as const }, 200);
  })

  // Signing in: with a pending sign-in's token, the passkey is its second step and must be that user's; without,
  // it is a passwordless sign-in and the passkey says who the user is.
  .post("/sign-in/options", jsonBody(PasskeySignInOptionsRequest), async (c) => {
    const { token } = c.req.valid("json");
    const db = openDb(c.env.DB);
    const userId = token === undefined ? null : await pendingSignInUser(db, token);
    return c.json(await authenticationOptions(c, db, "sign_in", userId), 200);
  })

  .post("/sign-in", jsonBody(PasskeySignInRequest), async (c) => {
    const { token, credential } = c.req.valid("json");
    const db = openDb(c.env.DB);
    const pendingUser = token === undefined ? null : await pendingSignInUser(db, token);
    const passkey = await usePasskey(c, db, "sign_in", pendingUser, credential);
    if (token !== undefined) await finishPendingSignIn(db, token);
    const user = await db.select().from(users).where(eq(users.id, passkey.userId)).get();
    if (!user) throw new ApiError(401, "invalid_credentials", "That passkey's account no longer exists.");
    return c.json({ user: await signIn(c, user, "passkey") }, 200);
  })

  .post("/step-up/options", requireUser, async (c) => {
    return c.json(await authenticationOptions(c, openDb(c.env.DB), "step_up", c.get("auth").user.id), 200);
  });
