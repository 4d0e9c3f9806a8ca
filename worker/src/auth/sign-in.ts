import type { Context } from "hono";
import type { ProofMethod, PublicUser, SecondFactorChallenge } from "#protocol";
import type { Db } from "../../../core/src/db/index.ts";
import type { User } from "../../../core/src/db/schema.ts";
import type { AppEnv } from "../http/types.ts";
import { rememberBrowser } from "./browsers.ts";
import { factorState, needsSecondStep } from "./factors.ts";
import { startPendingSignIn } from "./pending-sign-in.ts";
import { startSession } from "./session.ts";
import { publicUser } from "./users.ts";

// The end of every sign-in path (password alone, password then a second factor, a passkey alone), so each one
// starts its session, remembers the browser and tells the user about a new one the same way.

/** Starts the session (its cookie goes with the answer) and returns the user to answer with. */
export async function signIn(c: Context<AppEnv>, user: User, method: ProofMethod): Promise<PublicUser> {
  await startSession(c, user.id, method);
  await rememberBrowser(c, user.id, { tell: true, method });
  return publicUser(user);
}

/** After a right password: the pending sign-in to answer, when the account needs a second step; else null. */
export async function secondFactorChallenge(db: Db, userId: string): Promise<SecondFactorChallenge | null> {
  const state = await factorState(db, userId);
  if (!needsSecondStep(state)) return null;
  const { token, expiresAt } = await startPendingSignIn(db, userId);
  const methods = [...(state.totp ? (["totp"] as const) : []), "recovery" as const, ...(state.passkeys > 0 ? (["passkey"] as const) : [])];
  return { second_factor: { token, methods, expires_at: expiresAt } };
}
