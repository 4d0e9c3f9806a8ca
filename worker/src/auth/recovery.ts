import { and, count, eq, isNull } from "drizzle-orm";
import type { Db } from "../../../core/src/db/index.ts";
import { schema } from "../../../core/src/db/index.ts";
import { hashToken } from "./tokens.ts";

// Ten single-use recovery codes, for when the authenticator app and every passkey are out of reach. They are
// shown once; D1 keeps only their SHA-256 (50 random bits each, and spending one is behind the factor lockout).

const { recoveryCodes } = schema;
export const RECOVERY_CODE_COUNT = 10;
// No 0/o, 1/l/i: easy to copy from paper.
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

function newCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  const chars = [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join("");
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** Replaces the user's recovery codes with ten new ones, and returns them (the only time they are readable). */
export async function issueRecoveryCodes(db: Db, userId: string, now = Date.now()): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  const rows = await Promise.all(codes.map(async (code) => ({ codeHash: await hashToken(code.replace("-", "")), userId, usedAt: null, createdAt: now })));
  await db.batch([db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)), db.insert(recoveryCodes).values(rows)]);
  return codes;
}

/** Spends a recovery code (already normalised: lower-case, no dash); false when it is wrong or used. */
export async function spendRecoveryCode(db: Db, userId: string, code: string, now = Date.now()): Promise<boolean> {
  const spent = await db
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(and(eq(recoveryCodes.codeHash, await hashToken(code)), eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)))
    .returning({ codeHash: recoveryCodes.codeHash });
  return spent.length === 1;
}

/** How many unused recovery codes the user has. */
export async function recoveryCodesLeft(db: Db, userId: string): Promise<number> {
  const row = await db.select({ n: count() }).from(recoveryCodes).where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt))).get();
  return row?.n ?? 0;
}
