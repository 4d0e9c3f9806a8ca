import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { SecondFactorRequest, StepUpRequest, TotpConfirmRequest, UpdateSecurityRequest } from "#protocol";
import type { ProofMethod } from "#protocol";
import { openDb, schema } from "../../../core/src/db/index.ts";
import type { Db } from "../../../core/src/db/index.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody } from "../http/validate.ts";
import { afterFactorRemoved, factorState, hasSecondFactor, recordProof, saveSecuritySettings, securityView, stepUpMethods } from "./factors.ts";
import { attemptSucceeded, reserveAttempt, secondFactorChecks } from "./lockout.ts";
import { usePasskey } from "./passkeys.ts";
import { verifyPassword } from "./password.ts";
import { finishPendingSignIn, pendingSignInUser } from "./pending-sign-in.ts";
import { issueRecoveryCodes, recoveryCodesLeft, spendRecoveryCode } from "./recovery.ts";
import { requireUser } from "./session.ts";
import { signIn } from "./sign-in.ts";
import { SETTINGS_PROOF_MINUTES, assertRecentProof } from "./step-up.ts";
import { newTotpSecret, spendTotpCode, totpUri } from "./totp.ts";

const { users, totpFactors } = schema;

const WRONG_CODE = (what: string) => new ApiError(401, "invalid_credentials", `That ${what} is not right, or was already used. Check it and try again.`, { field: "code" });

/** Checks a TOTP or recovery code for a user behind the factor lockout; returns how it was proved. */
async function checkCode(db: Db, userId: string, method: "totp" | "recovery", code: string): Promise<ProofMethod> {
  const attempt = await reserveAttempt(db, secondFactorChecks(userId));
  const ok = method === "totp" ? await spendTotpCode(db, userId, code, { confirmed: true }) : await spendRecoveryCode(db, userId, code);
  if (!ok) throw WRONG_CODE(method === "totp" ? "code" : "recovery code");
  await attemptSucceeded(db, attempt);
  return method;
}

/** /api/auth (beside routes.ts): the second sign-in step, step-up, and the account's factors and settings. */
export const factorsApi = new Hono<AppEnv>()
  .post("/login/second-factor", jsonBody(SecondFactorRequest), async (c) => {
    const body = c.req.valid("json");
    const db = openDb(c.env.DB);
    const userId = await pendingSignInUser(db, body.token);
    const method = await checkCode(db, userId, body.method, body.code);
    // Spent only now, and atomically: a second finish with the same token finds nothing.
    await finishPendingSignIn(db, body.token);
    const user = await db.select().from(users).where(eq(users.id, userId)).get();
    if (!user) throw new ApiError(401, "expired_token", "This account no longer exists.");
    return c.json({ user: await signIn(c, user, method) }, 200);
  })

  .post("/step-up", requireUser, jsonBody(StepUpRequest), async (c) => {
    const body = c.req.valid("json");
    const { user, session } = c.get("auth");
    const db = openDb(c.env.DB);
    const state = await factorState(db, user.id);
    if (!stepUpMethods(state).includes(body.method)) {
      const fix = hasSecondFactor(state) ? "Use your passkey or a code from your authenticator app." : "Enter your password.";
      throw new ApiError(400, "validation_failed", `This account can't confirm with ${body.method === "totp" ? "an authenticator code" : `a ${body.method}`}. ${fix}`, { field: "method" });
    }
    let method: ProofMethod;
    if (body.method === "passkey") {
      await usePasskey(c, db, "step_up", user.id, body.credential);
      method = "passkey";
    } else if (body.method === "totp") {
      method = await checkCode(db, user.id, "totp", body.code);
    } else {
      const attempt = await reserveAttempt(db, secondFactorChecks(user.id));
      if (!(await verifyPassword(body.password, user.passwordHash))) throw new ApiError(401, "invalid_credentials", "That password is not right. Try again.", { field: "password" });
      await attemptSucceeded(db, attempt);
      method = "password";
    }
    const now = Date.now();
    await recordProof(db, session.id, method, now);
    return c.json({ proved_at: now }, 200);
  })

  .get("/security", requireUser, async (c) => {
    const { user, session } = c.get("auth");
    return c.json(await securityView(openDb(c.env.DB), user.id, session), 200);
  })

  .put("/security", requireUser, jsonBody(UpdateSecurityRequest), async (c) => {
    const body = c.req.valid("json");
    const { user, session } = c.get("auth");
    const db = openDb(c.env.DB);
    await assertRecentProof(c, SETTINGS_PROOF_MINUTES, "change sign-in settings");
    if (body.require_second_factor && !hasSecondFactor(await factorState(db, user.id))) {
      throw new ApiError(400, "validation_failed", "Add an authenticator app or a passkey first; then a second factor can be required.", { field: "require_second_factor" });
    }
    await saveSecuritySettings(db, user.id, { requireSecondFactor: body.require_second_factor, stepUpMinutes: body.step_up_minutes });
    return c.json(await securityView(db, user.id, session), 200);
  })

  .post("/totp/setup", requireUser, async (c) => {
    const { user } = c.get("auth");
    const db = openDb(c.env.DB);
    await assertRecentProof(c, SETTINGS_PROOF_MINUTES, "add an authenticator app");
    const existing = await db.select({ confirmedAt: totpFactors.confirmedAt }).from(totpFactors).where(eq(totpFactors.userId, user.id)).get();
    if (existing?.confirmedAt) throw new ApiError(409, "conflict", "An authenticator app is already set up. Remove it first to set up another.");
    const secret = newTotpSecret();
    // A new setup replaces one that was never confirmed.
    await db
      .insert(totpFactors)
      .values({ userId: user.id, secret, confirmedAt: null, lastUsedStep: 0, createdAt: Date.now() })
      .onConflictDoUpdate({ target: totpFactors.userId, set: { secret, lastUsedStep: 0, createdAt: Date.now() } });
    return c.json({ secret, uri: totpUri(secret, user.email) }, 200);
  })

  .post("/totp/confirm", requireUser, jsonBody(TotpConfirmRequest), async (c) => {
    const { code } = c.req.valid("json");
    const { user, session } = c.get("auth");
    const db = openDb(c.env.DB);
    const attempt = await reserveAttempt(db, secondFactorChecks(user.id));
    if (!(await spendTotpCode(db, user.id, code, { confirmed: false }))) {
      throw new ApiError(400, "validation_failed", "That code doesn't match. Check the app's clock, then enter the code it shows now.", { field: "code" });
    }
    await attemptSucceeded(db, attempt);
    // Setting up the app is asking for it: sign-in now asks for a code. The first factor brings recovery codes.
    await saveSecuritySettings(db, user.id, { requireSecondFactor: true });
    const codes = (await recoveryCodesLeft(db, user.id)) === 0 ? await issueRecoveryCodes(db, user.id) : [];
    await recordProof(db, session.id, "totp");
    return c.json({ recovery_codes: codes }, 200);
  })

  .delete("/totp", requireUser, async (c) => {
    const { user, session } = c.get("auth");
    const db = openDb(c.env.DB);
    await assertRecentProof(c, SETTINGS_PROOF_MINUTES, "remove the authenticator app");
    const removed = await db.delete(totpFactors).where(eq(totpFactors.userId, user.id)).returning({ userId: totpFactors.userId });
    if (removed.length === 0) throw new ApiError(404, "not_found", "There is no authenticator app set up.");
    await afterFactorRemoved(db, user.id);
    return c.json(await securityView(db, user.id, session), 200);
  })

  .post("/recovery-codes", requireUser, async (c) => {
    const { user } = c.get("auth");
    const db = openDb(c.env.DB);
    await assertRecentProof(c, SETTINGS_PROOF_MINUTES, "make new recovery codes");
    if (!hasSecondFactor(await factorState(db, user.id))) throw new ApiError(400, "validation_failed", "Add an authenticator app or a passkey first: recovery codes stand in for them.");
    return c.json({ recovery_codes: await issueRecoveryCodes(db, user.id) }, 200);
  });
