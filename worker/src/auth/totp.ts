import { and, eq, isNotNull, lt } from "drizzle-orm";
import { Secret, TOTP } from "otpauth";
import type { Db } from "../../../core/src/db/index.ts";
import { schema } from "../../../core/src/db/index.ts";

// TOTP (RFC 6238): SHA-1, 6 digits, 30-second steps, as every authenticator app expects. A code is accepted for
// the step before and after the current one (clock drift), and only once: the last accepted step is kept, and a
// code for that step or an earlier one is refused, in one conditional UPDATE so two racing requests cannot both win.

const { totpFactors } = schema;
const PERIOD_S = 30;
const ISSUER = "Hearth";

function totpFor(secret: string, label = ""): TOTP {
  return new TOTP({ issuer: ISSUER, label, algorithm: "SHA1", digits: 6, period: PERIOD_S, secret: Secret.fromBase32(secret) });
}

/** A fresh 160-bit secret, base32 (what the user types when they cannot scan the QR code). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function totpUri(secret: string, email: string): string {
  return totpFor(secret, email).toString();
}

/** The step a code is valid for, if it matches now (±1 step), else null. */
function matchingStep(secret: string, code: string, now: number): number | null {
  const delta = totpFor(secret).validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD_S) + delta;
}

/**
 * Checks a code against the user's TOTP secret and spends its step. `confirmed` picks the enrolled secret
 * (sign-in, step-up) or the one waiting for its first code (enrolment).
 */
export async function spendTotpCode(db: Db, userId: string, code: string, { confirmed }: { confirmed: boolean }, now = Date.now()): Promise<boolean> {
  const factor = await db.select().from(totpFactors).where(eq(totpFactors.userId, userId)).get();
  if (!factor || (factor.confirmedAt !== null) !== confirmed) return false;
  const step = matchingStep(factor.secret, code, now);
  if (step === null) return false;
  const spent = await db
    .update(totpFactors)
    .set({ lastUsedStep: step, ...(confirmed ? {} : { confirmedAt: now }) })
    .where(and(eq(totpFactors.userId, userId), eq(totpFactors.secret, factor.secret), lt(totpFactors.lastUsedStep, step)))
    .returning({ userId: totpFactors.userId });
  return spent.length === 1;
}

/** True when the user has a confirmed authenticator app. */
export async function hasTotp(db: Db, userId: string): Promise<boolean> {
  const row = await db.select({ userId: totpFactors.userId }).from(totpFactors).where(and(eq(totpFactors.userId, userId), isNotNull(totpFactors.confirmedAt))).get();
  return row !== undefined;
}
