import { generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from "@simplewebauthn/server";
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { decodeClientDataJSON, isoBase64URL } from "@simplewebauthn/server/helpers";
import { and, eq, gt, lte } from "drizzle-orm";
import type { Context } from "hono";
import type { z } from "zod";
import { PasskeyTransports } from "#protocol";
import type { AuthenticationCredential, RegistrationCredential } from "#protocol";
import type { Db } from "../../../core/src/db/index.ts";
import { schema } from "../../../core/src/db/index.ts";
import type { PasskeyRow, User } from "../../../core/src/db/schema.ts";
import { ApiError } from "../http/errors.ts";

// Passkeys (WebAuthn) through @simplewebauthn/server. The relying party is the host the request came to, so the
// same build works on localhost:8787 and on a deployed host. Challenges live in D1: single use (deleted when
// answered) and short-lived, and each is bound to its purpose and, except for a passwordless sign-in, its user.

const { passkeys, webauthnChallenges } = schema;
const CHALLENGE_MS = 5 * 60_000;
const RP_NAME = "Hearth";

type Purpose = "register" | "sign_in" | "step_up";

/** The relying party's id (the host name) and the exact origin a browser signs, from the request. */
export function relyingParty(c: Context): { rpID: string; origin: string } {
  const url = new URL(c.req.url);
  return { rpID: url.hostname, origin: url.origin };
}

async function storeChallenge(db: Db, challenge: string, purpose: Purpose, userId: string | null, now: number): Promise<void> {
  await db.batch([
    db.delete(webauthnChallenges).where(lte(webauthnChallenges.expiresAt, now)),
    db.insert(webauthnChallenges).values({ challenge, purpose, userId, expiresAt: now + CHALLENGE_MS }),
  ]);
}

const REFUSED = () => new ApiError(401, "invalid_credentials", "That passkey could not be checked. Try again, or use another way to sign in.");

/** Spends the challenge a credential answers; refuses one that is unknown, expired, used, or for another purpose or user. */
async function takeChallenge(db: Db, clientDataJSON: string, purpose: Purpose, userId: string | null, now: number): Promise<string> {
  let challenge: string;
  try {
    challenge = decodeClientDataJSON(clientDataJSON).challenge;
  } catch {
    throw REFUSED();
  }
  const [row] = await db
    .delete(webauthnChallenges)
    .where(and(eq(webauthnChallenges.challenge, challenge), eq(webauthnChallenges.purpose, purpose), gt(webauthnChallenges.expiresAt, now)))
    .returning();
  if (!row || row.userId !== userId) throw REFUSED();
  return challenge;
}

const transportsOf = (row: PasskeyRow) => PasskeyTransports.parse(JSON.parse(row.transports));

/** Options for adding a passkey: a discoverable credential, never one the account already has. */
export async function registrationOptions(c: Context, db: Db, user: User, existing: PasskeyRow[], now = Date.now()): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const options = await generateRegistrationOptions({
    rpName: RP_NAME,
    rpID: relyingParty(c).rpID,
    userName: user.email,
    userDisplayName: user.name ?? user.email,
    userID: Uint8Array.from(new TextEncoder().encode(user.id)),
    attestationType: "none",
    excludeCredentials: existing.map((row) => ({ id: row.id, transports: transportsOf(row) })),
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
  });
  await storeChallenge(db, options.challenge, "register", user.id, now);
  return options;
}

/** Checks a new passkey against its challenge and stores it under `name`. */
export async function addPasskey(c: Context, db: Db, userId: string, name: string, credential: z.infer<typeof RegistrationCredential>, now = Date.now()): Promise<PasskeyRow> {
  const expectedChallenge = await takeChallenge(db, credential.response.clientDataJSON, "register", userId, now);
  const { rpID, origin } = relyingParty(c);
  const verified = await verifyRegistrationResponse({ response: credential, expectedChallenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: true }).catch(() => null);
  if (!verified?.verified) throw new ApiError(400, "validation_failed", "The passkey could not be verified. Try adding it again.");
  const { credential: made } = verified.registrationInfo;
  const row: PasskeyRow = {
    id: made.id,
    userId,
    name,
    publicKey: isoBase64URL.fromBuffer(made.publicKey),
    counter: made.counter,
    transports: JSON.stringify(made.transports ?? []),
    createdAt: now,
    lastUsedAt: null,
  };
  const inserted = await db.insert(passkeys).values(row).onConflictDoNothing().returning({ id: passkeys.id });
  if (inserted.length === 0) throw new ApiError(409, "conflict", "This passkey is already registered.");
  return row;
}

/** Options for using a passkey. For a known user, only their passkeys; for a passwordless sign-in, any discoverable one. */
export async function authenticationOptions(c: Context, db: Db, purpose: "sign_in" | "step_up", userId: string | null, now = Date.now()): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const allow = userId === null ? [] : await db.select().from(passkeys).where(eq(passkeys.userId, userId)).all();
  const options = await generateAuthenticationOptions({
    rpID: relyingParty(c).rpID,
    allowCredentials: allow.map((row) => ({ id: row.id, transports: transportsOf(row) })),
    userVerification: "required",
  });
  await storeChallenge(db, options.challenge, purpose, userId, now);
  return options;
}

/**
 * Checks a passkey's answer to a challenge of this purpose; returns the passkey (and so its user). With `userId`,
 * the passkey must be that user's. The signature counter and last use are updated.
 */
export async function usePasskey(c: Context, db: Db, purpose: "sign_in" | "step_up", userId: string | null, credential: z.infer<typeof AuthenticationCredential>, now = Date.now()): Promise<PasskeyRow> {
  const expectedChallenge = await takeChallenge(db, credential.response.clientDataJSON, purpose, userId, now);
  const row = await db.select().from(passkeys).where(eq(passkeys.id, credential.id)).get();
  if (!row || (userId !== null && row.userId !== userId)) throw REFUSED();
  const { rpID, origin } = relyingParty(c);
  const verified = await verifyAuthenticationResponse({
    response: credential,
    expectedChallenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    credential: { id: row.id, publicKey: isoBase64URL.toBuffer(row.publicKey), counter: row.counter, transports: transportsOf(row) },
    requireUserVerification: true,
  }).catch(() => null);
  if (!verified?.verified) throw REFUSED();
  await db.update(passkeys).set({ counter: verified.authenticationInfo.newCounter, lastUsedAt: now }).where(eq(passkeys.id, row.id));
  return row;
}
