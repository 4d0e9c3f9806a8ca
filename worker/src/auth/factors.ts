import { count, eq } from "drizzle-orm";
import { STEP_UP_DEFAULT_MINUTES, StepUpMinutes } from "#protocol";
import type { PasskeyView, ProofMethod, SecurityView, StepUpMethod } from "#protocol";
import type { Db } from "../../../core/src/db/index.ts";
import { schema } from "../../../core/src/db/index.ts";
import type { PasskeyRow, Session } from "../../../core/src/db/schema.ts";
import { recoveryCodesLeft } from "./recovery.ts";
import { hasTotp } from "./totp.ts";

// What stands behind an account: its second factors and its settings. Every rule about when a second step or a
// step-up is needed reads this one summary, so sign-in, step-up and the settings page cannot disagree.

const { passkeys, recoveryCodes, securitySettings, sessions } = schema;

export type FactorState = {
  totp: boolean;
  passkeys: number;
  requireSecondFactor: boolean;
  stepUpMinutes: StepUpMinutes;
};

/** The account's factors and settings. */
export async function factorState(db: Db, userId: string): Promise<FactorState> {
  const [totp, keys, settings] = await Promise.all([
    hasTotp(db, userId),
    db.select({ n: count() }).from(passkeys).where(eq(passkeys.userId, userId)).get(),
    db.select().from(securitySettings).where(eq(securitySettings.userId, userId)).get(),
  ]);
  const minutes = StepUpMinutes.safeParse(JSON.parse(settings?.stepUpMinutes ?? "{}"));
  return {
    totp,
    passkeys: keys?.n ?? 0,
    requireSecondFactor: settings?.requireSecondFactor ?? false,
    stepUpMinutes: minutes.success ? minutes.data : {},
  };
}

export const hasSecondFactor = (state: FactorState): boolean => state.totp || state.passkeys > 0;

/** A password sign-in needs a second step when the owner asked for it and a factor exists to give it. */
export const needsSecondStep = (state: FactorState): boolean => state.requireSecondFactor && hasSecondFactor(state);

/** What a step-up can be answered with: the factors, or the password for an account that has none. */
export function stepUpMethods(state: FactorState): StepUpMethod[] {
  if (!hasSecondFactor(state)) return ["password"];
  return [...(state.passkeys > 0 ? (["passkey"] as const) : []), ...(state.totp ? (["totp"] as const) : [])];
}

/** Whether a proof made with `method` counts for this account: a password only while it has no second factor. */
export const proofCounts = (state: FactorState, method: ProofMethod | null): boolean =>
  method !== null && (method !== "password" || !hasSecondFactor(state));

/** The step-up window for approvals on a target, in minutes. */
export const stepUpMinutesFor = (state: FactorState, target: string): number => state.stepUpMinutes[target] ?? STEP_UP_DEFAULT_MINUTES;

/** Saves the account's settings (the row is created on first change). */
export async function saveSecuritySettings(db: Db, userId: string, change: { requireSecondFactor?: boolean; stepUpMinutes?: StepUpMinutes }): Promise<void> {
  const values = {
    ...(change.requireSecondFactor === undefined ? {} : { requireSecondFactor: change.requireSecondFactor }),
    ...(change.stepUpMinutes === undefined ? {} : { stepUpMinutes: JSON.stringify(change.stepUpMinutes) }),
  };
  await db.insert(securitySettings).values({ userId, ...values }).onConflictDoUpdate({ target: securitySettings.userId, set: values });
}

/** Records that a session just proved its user (a step-up, or a second factor at sign-in). */
export async function recordProof(db: Db, sessionId: string, method: ProofMethod, now = Date.now()): Promise<void> {
  await db.update(sessions).set({ provedAt: now, provedWith: method }).where(eq(sessions.id, sessionId));
}

/** A passkey as the settings page lists it. */
export function passkeyView(row: PasskeyRow): PasskeyView {
  return { id: row.id, name: row.name, created_at: row.createdAt, last_used_at: row.lastUsedAt };
}

/** The "Sign-in and security" page's view of the account, for this session. */
export async function securityView(db: Db, userId: string, session: Session): Promise<SecurityView> {
  const [state, keys, left] = await Promise.all([
    factorState(db, userId),
    db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(passkeys.createdAt).all(),
    recoveryCodesLeft(db, userId),
  ]);
  return {
    totp: state.totp,
    passkeys: keys.map(passkeyView),
    recovery_codes_left: left,
    require_second_factor: state.requireSecondFactor,
    step_up_minutes: state.stepUpMinutes,
    proved_at: session.provedAt,
    methods: stepUpMethods(state),
  };
}

/** After a factor is removed: with none left, nothing can be required, and recovery codes have nothing to recover. */
export async function afterFactorRemoved(db: Db, userId: string): Promise<void> {
  if (hasSecondFactor(await factorState(db, userId))) return;
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await saveSecuritySettings(db, userId, { requireSecondFactor: false });
}
