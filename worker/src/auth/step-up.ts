import { and, eq } from "drizzle-orm";
import type { Context } from "hono";
import type { NotificationView } from "#protocol";
import { findAction } from "../../../relay/src/index.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { factorState, proofCounts, stepUpMethods, stepUpMinutesFor } from "./factors.ts";
import type { FactorState } from "./factors.ts";
import { hasTotp } from "./totp.ts";

// Step-up: some requests need the session to have proved its user recently (a passkey tap or an authenticator
// code; the password, for an account with no second factor). A session records its last proof (at a second-factor
// sign-in, or through POST /api/auth/step-up); a request that needs a fresher one gets 403 `step_up_required` with
// the methods the account can answer with, and the client retries after proving.

const MINUTE = 60_000;
/** Changing the account's factors or settings needs a proof this recent. */
export const SETTINGS_PROOF_MINUTES = 10;
/** Approving a pairing (a new computer that can run commands) needs a proof this recent. */
export const PAIRING_PROOF_MINUTES = 5;

/** Refuses with 403 `step_up_required` unless this session proved its user within `minutes`. */
export async function assertRecentProof(c: Context<AppEnv>, minutes: number, why: string, known?: FactorState): Promise<void> {
  const { user, session } = c.get("auth");
  const state = known ?? (await factorState(openDb(c.env.DB), user.id));
  if (session.provedAt !== null && Date.now() - session.provedAt <= minutes * MINUTE && proofCounts(state, session.provedWith)) return;
  const methods = stepUpMethods(state);
  const how = methods.includes("password") ? "enter your password" : "use your passkey or a code from your authenticator app";
  throw new ApiError(403, "step_up_required", `Confirm it's you to ${why}: ${how}.`, { methods });
}

/**
 * The target of a pending permission request whose approval has effects on the computer, or null when approving
 * it is one click: a read-only action, or a request that is not there (the decision itself then says so).
 * An action the device no longer advertises counts as having effects.
 */
export async function effectfulTarget(env: Env, userId: string, requestId: string): Promise<string | null> {
  const { permissionRequests, devices } = schema;
  const row = await openDb(env.DB)
    .select({ target: permissionRequests.target, action: permissionRequests.action, device: devices })
    .from(permissionRequests)
    .leftJoin(devices, eq(devices.id, permissionRequests.deviceId))
    .where(and(eq(permissionRequests.id, requestId), eq(permissionRequests.userId, userId), eq(permissionRequests.status, "pending")))
    .get();
  if (!row) return null;
  const found = row.device ? findAction(row.device, row.target, row.action) : null;
  return found?.readOnly ? null : row.target;
}

/** Approving a permission request with effects needs a proof within the target's step-up window. */
export async function assertApprovalProof(c: Context<AppEnv>, requestId: string): Promise<void> {
  const userId = c.get("auth").user.id;
  const target = await effectfulTarget(c.env, userId, requestId);
  if (target === null) return;
  const state = await factorState(openDb(c.env.DB), userId);
  await assertRecentProof(c, stepUpMinutesFor(state, target), "approve a command that changes things on your computer", state);
}

/**
 * What an action link's approve needs, with no session behind it: nothing (read-only, or not an approval), a code
 * from the account's authenticator app typed on the link's page, or the app itself (an account with no
 * authenticator app: a passkey or password is asked only inside Hearth, never on a page opened from a message).
 */
export async function linkApprovalNeeds(env: Env, userId: string, notification: NotificationView, action: string): Promise<"nothing" | "code" | "app"> {
  if (action !== "approve" || notification.source?.type !== "permission_request") return "nothing";
  if ((await effectfulTarget(env, userId, notification.source.id)) === null) return "nothing";
  return (await hasTotp(openDb(env.DB), userId)) ? "code" : "app";
}
