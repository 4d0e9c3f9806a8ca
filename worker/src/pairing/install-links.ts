import { and, eq, gt, lt, sql } from "drizzle-orm";
import type { InstallLinkResponse, InstallLinkStatus } from "#protocol";
import { schema } from "../../../core/src/db/index.ts";
import type { Db } from "../../../core/src/db/index.ts";
import { hashToken } from "../auth/tokens.ts";
import { ApiError } from "../http/errors.ts";

// Install lines: Settings → Devices → Add a computer shows `curl -fsSL <origin>/install.sh?k=<key> | sh`. The key
// rides along into `hearth pair --install-key`, so the page that showed the line can find the pairing it started
// and offer its code for one-click approval. It grants nothing: approving still takes the owner's session and a
// recent second factor, and the page shows where the pairing came from.

const { installLinks, pairingCodes } = schema;

export const INSTALL_LINK_TTL_MS = 30 * 60_000;
/** Unexpired lines one user may hold at once. */
export const MAX_INSTALL_LINKS = 20;
/** Expired lines are kept this long, so an open page still reads how its pairing ended; then they are deleted. */
const KEEP_EXPIRED_MS = 24 * 60 * 60_000;

/** A new install key: 24 random bytes as 32 url-safe characters (the script checks `^[A-Za-z0-9_-]{0,64}$`). */
export function newInstallKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
}

/** The lines to paste for a key, for the origin the user is looking at. */
export function installCommands(origin: string, key: string): InstallLinkResponse["commands"] {
  return { unix: `curl -fsSL ${origin}/install.sh?k=${key} | sh`, windows: `irm ${origin}/install.ps1?k=${key} | iex` };
}

/** Makes an install line for the user; 429 past MAX_INSTALL_LINKS unexpired ones. */
export async function createInstallLink(db: Db, userId: string, origin: string, now = Date.now()): Promise<InstallLinkResponse> {
  await db.delete(installLinks).where(and(eq(installLinks.userId, userId), lt(installLinks.expiresAt, now - KEEP_EXPIRED_MS)));
  const key = newInstallKey();
  const expiresAt = now + INSTALL_LINK_TTL_MS;
  // One conditional INSERT: D1 runs a statement atomically, so racing requests cannot pass the limit together.
  const columns = [installLinks.keyHash, installLinks.userId, installLinks.createdAt, installLinks.expiresAt].map((column) => sql.identifier(column.name));
  const inserted = await db.all<{ key_hash: string }>(sql`
    INSERT INTO ${installLinks} (${sql.join(columns, sql`, `)})
    SELECT ${await hashToken(key)}, ${userId}, ${now}, ${expiresAt}
    WHERE (SELECT count(*) FROM ${installLinks} WHERE ${and(eq(installLinks.userId, userId), gt(installLinks.expiresAt, now))}) < ${MAX_INSTALL_LINKS}
    RETURNING ${sql.identifier(installLinks.keyHash.name)}`);
  if (inserted.length === 0) {
    throw new ApiError(429, "rate_limited", `You already have ${MAX_INSTALL_LINKS} install lines that work. Use one of them, or wait: each stops working 30 minutes after it was made.`);
  }
  return { key, expires_at: expiresAt, commands: installCommands(origin, key) };
}

/** The key's hash when it names an unexpired install line; 400 `invalid_install_key` otherwise (pair/start). */
export async function liveInstallKeyHash(db: Db, key: string, now = Date.now()): Promise<string> {
  const keyHash = await hashToken(key);
  const link = await db.select({ keyHash: installLinks.keyHash }).from(installLinks).where(and(eq(installLinks.keyHash, keyHash), gt(installLinks.expiresAt, now))).get();
  if (!link) {
    throw new ApiError(400, "invalid_install_key", "This install line has expired. Copy a fresh one from Settings → Devices → Add a computer.", { field: "install_key" });
  }
  return keyHash;
}

/**
 * A second `/start` with a key that already started a pairing. One pairing per key, so that someone who learned the
 * key (over a shoulder, from a shared terminal) cannot start theirs a moment later and have the owner's page offer
 * it instead; the agent then falls back to a plain pairing, whose code the user types.
 */
export function installKeyAlreadyUsed(): ApiError {
  return new ApiError(400, "invalid_install_key", "This install line was already used to pair a computer. Copy a fresh one from Settings → Devices → Add a computer.", { field: "install_key" });
}

/** Where the user's own install line stands: the one pairing it started, if any. 404 for a key that is not theirs. */
export async function installLinkStatus(db: Db, userId: string, key: string): Promise<InstallLinkStatus> {
  const keyHash = await hashToken(key);
  const link = await db.select().from(installLinks).where(and(eq(installLinks.keyHash, keyHash), eq(installLinks.userId, userId))).get();
  if (!link) throw new ApiError(404, "not_found", "There is no such install line. Make a new one in Settings → Devices → Add a computer.");
  const pairing = await db.select().from(pairingCodes).where(eq(pairingCodes.installKeyHash, keyHash)).get();
  if (!pairing) return { expires_at: link.expiresAt, pairing: null };
  return {
    expires_at: link.expiresAt,
    pairing: {
      user_code: pairing.userCode ?? "",
      name: pairing.name,
      platform: pairing.platform,
      agent_version: pairing.agentVersion,
      started_at: pairing.createdAt,
      started_from: { ip: pairing.startIp, place: pairing.startPlace },
      status: pairing.status,
      // Someone else who approved this code (it was theirs to type) keeps their device's id to themselves.
      device_id: pairing.userId === userId ? pairing.deviceId : null,
    },
  };
}
