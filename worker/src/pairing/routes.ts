import { and, count, eq, gt } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { InstallKey, PairDecisionRequest, PairStartRequest, PairTokenRequest, UserCode } from "#protocol";
import type { PairLookupResponse, PairStartResponse, PairTokenResponse } from "#protocol";
import { requireUser } from "../auth/session.ts";
import { PAIRING_PROOF_MINUTES, assertRecentProof } from "../auth/step-up.ts";
import { hashToken, newToken } from "../auth/tokens.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import type { Db } from "../../../core/src/db/index.ts";
import { clientIp, clientPlace } from "../http/client-ip.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody, queryParams } from "../http/validate.ts";
import { createInstallLink, installKeyAlreadyUsed, installLinkStatus, liveInstallKeyHash } from "./install-links.ts";
import { formatUserCode, newUserCode, PAIR_FAILURE_WINDOW_MS, PAIR_MAX_FAILURES, PAIRING_TTL_MS, POLL_INTERVAL_S } from "./codes.ts";

const { pairingCodes, pairFailures, devices, users } = schema;

const invalidCode = () => new ApiError(404, "invalid_code", "That code is not valid or has expired. Check it, or run `hearth pair` again for a new one.", { field: "user_code" });

/** Finds a pending, unexpired pairing by its user code, counting a miss against the user's few tries. */
async function findPending(db: Db, userId: string, userCode: string) {
  const now = Date.now();
  const [failures] = await db
    .select({ n: count() })
    .from(pairFailures)
    .where(and(eq(pairFailures.userId, userId), gt(pairFailures.at, now - PAIR_FAILURE_WINDOW_MS)));
  if ((failures?.n ?? 0) >= PAIR_MAX_FAILURES) {
    throw new ApiError(429, "too_many_attempts", "Too many wrong codes. Wait 10 minutes, then run `hearth pair` again for a fresh code.", {
      headers: { "Retry-After": String(PAIR_FAILURE_WINDOW_MS / 1000) },
    });
  }
  const pairing = await db
    .select()
    .from(pairingCodes)
    .where(and(eq(pairingCodes.userCodeHash, await hashToken(userCode)), eq(pairingCodes.status, "pending"), gt(pairingCodes.expiresAt, now)))
    .get();
  if (!pairing) {
    await db.insert(pairFailures).values({ userId, at: now });
    throw invalidCode();
  }
  return pairing;
}

/** /api/pair: the device flow. The agent starts and polls without a session; the signed-in user approves. */
export const pairing = new Hono<AppEnv>()
  .post("/start", jsonBody(PairStartRequest), async (c) => {
    const info = c.req.valid("json");
    const db = openDb(c.env.DB);
    const deviceCode = newToken();
    const userCode = newUserCode();
    const now = Date.now();
    const installKeyHash = info.install_key === undefined ? null : await liveInstallKeyHash(db, info.install_key, now);
    const started = await db
      .insert(pairingCodes)
      .values({
        deviceCodeHash: await hashToken(deviceCode),
        userCodeHash: await hashToken(userCode),
        name: info.name,
        platform: info.platform,
        agentVersion: info.agent_version,
        status: "pending",
        createdAt: now,
        expiresAt: now + PAIRING_TTL_MS,
        // Shown on the approval page: a code someone else started (a phishing link) comes from their network.
        startIp: clientIp(c),
        startPlace: clientPlace(c),
        // Only a pairing from an install line keeps its code readable: that line's page offers it for approval.
        installKeyHash,
        userCode: installKeyHash === null ? null : formatUserCode(userCode),
      })
      // The insert is the key's claim: the unique index on install_key_hash lets exactly one of any number of
      // racing starts with one key in (one statement, so D1 runs it atomically). Plain pairings (NULL) never conflict.
      .onConflictDoNothing({ target: pairingCodes.installKeyHash })
      .returning({ deviceCodeHash: pairingCodes.deviceCodeHash });
    if (started.length === 0) throw installKeyAlreadyUsed();
    const origin = new URL(c.req.url).origin;
    const body: PairStartResponse = {
      device_code: deviceCode,
      user_code: formatUserCode(userCode),
      verification_uri: `${origin}/pair`,
      verification_uri_complete: `${origin}/pair?code=${formatUserCode(userCode)}`,
      expires_in: PAIRING_TTL_MS / 1000,
      interval: POLL_INTERVAL_S,
    };
    return c.json(body, 200);
  })

  .post("/token", jsonBody(PairTokenRequest), async (c) => {
    const db = openDb(c.env.DB);
    const id = await hashToken(c.req.valid("json").device_code);
    const pairing = await db.select().from(pairingCodes).where(eq(pairingCodes.deviceCodeHash, id)).get();
    const now = Date.now();
    if (!pairing || pairing.status === "consumed" || pairing.expiresAt <= now) {
      throw new ApiError(400, "expired_token", "This pairing code has expired or was already used. Run `hearth pair` again.");
    }
    if (pairing.status === "denied") throw new ApiError(400, "access_denied", "Pairing was denied in the browser.");
    if (pairing.status === "pending") {
      // RFC 8628 §3.5: a client that polls faster than `interval` is told to slow down.
      const tooSoon = pairing.lastPolledAt !== null && now - pairing.lastPolledAt < (POLL_INTERVAL_S * 1000) / 2;
      await db.update(pairingCodes).set({ lastPolledAt: now }).where(eq(pairingCodes.deviceCodeHash, id));
      if (tooSoon) throw new ApiError(400, "slow_down", `Poll at most every ${POLL_INTERVAL_S} seconds.`);
      throw new ApiError(400, "authorization_pending", "Waiting for the user to approve this device in the browser.");
    }
    // Approved: mint the token now, so it exists only in this answer and, hashed, in D1.
    const userId = pairing.userId;
    if (!userId) throw new ApiError(500, "internal", "Approved pairing has no user.");
    const claimed = await db
      .update(pairingCodes)
      .set({ status: "consumed" })
      .where(and(eq(pairingCodes.deviceCodeHash, id), eq(pairingCodes.status, "approved")))
      .returning({ id: pairingCodes.deviceCodeHash });
    if (claimed.length === 0) throw new ApiError(400, "expired_token", "This pairing code was already used. Run `hearth pair` again.");
    const token = newToken();
    const deviceId = crypto.randomUUID();
    await db.update(pairingCodes).set({ deviceId }).where(eq(pairingCodes.deviceCodeHash, id));
    await db.insert(devices).values({
      id: deviceId,
      userId,
      name: pairing.name,
      platform: pairing.platform,
      agentVersion: pairing.agentVersion,
      tokenHash: await hashToken(token),
      createdAt: now,
    });
    const user = await db.select({ email: users.email }).from(users).where(eq(users.id, userId)).get();
    await db.insert(schema.auditLog).values({ userId, at: now, kind: "device.paired", deviceId, commandId: null, summary: `Paired ${pairing.name}`, detail: "{}" });
    const body: PairTokenResponse = { token, device_id: deviceId, user_email: user?.email ?? "" };
    return c.json(body, 200);
  })

  .get("/lookup", requireUser, queryParams(z.object({ user_code: UserCode })), async (c) => {
    const pairing = await findPending(openDb(c.env.DB), c.get("auth").user.id, c.req.valid("query").user_code);
    const body: PairLookupResponse = {
      name: pairing.name,
      platform: pairing.platform,
      agent_version: pairing.agentVersion,
      user_code: formatUserCode(c.req.valid("query").user_code),
      expires_at: pairing.expiresAt,
      started_at: pairing.createdAt,
      started_from: { ip: pairing.startIp, place: pairing.startPlace },
      // An unknown address is never "the same": the page then warns rather than reassures.
      same_network: pairing.startIp !== null && pairing.startIp === clientIp(c),
    };
    return c.json(body, 200);
  })

  .post("/approve", requireUser, jsonBody(PairDecisionRequest), async (c) => {
    const db = openDb(c.env.DB);
    const userId = c.get("auth").user.id;
    // A link to this page can be sent by anyone (phishing): adding a computer needs a proof from the last minutes.
    await assertRecentProof(c, PAIRING_PROOF_MINUTES, "add a computer to your account");
    const pairing = await findPending(db, userId, c.req.valid("json").user_code);
    await db.update(pairingCodes).set({ status: "approved", userId }).where(eq(pairingCodes.deviceCodeHash, pairing.deviceCodeHash));
    return c.json({ device_name: pairing.name }, 200);
  })

  .post("/deny", requireUser, jsonBody(PairDecisionRequest), async (c) => {
    const db = openDb(c.env.DB);
    const pairing = await findPending(db, c.get("auth").user.id, c.req.valid("json").user_code);
    await db.update(pairingCodes).set({ status: "denied" }).where(eq(pairingCodes.deviceCodeHash, pairing.deviceCodeHash));
    return c.json({ device_name: pairing.name }, 200);
  })

  // Settings → Devices → Add a computer: a line to paste, whose pairing this page can then find and approve.
  .post("/install-links", requireUser, async (c) => {
    return c.json(await createInstallLink(openDb(c.env.DB), c.get("auth").user.id, new URL(c.req.url).origin), 200);
  })

  // Polled by that page: the pairing the line started (one per line), with its code for one-click approval.
  .get("/install-links/:key", requireUser, async (c) => {
    const key = InstallKey.safeParse(c.req.param("key"));
    if (!key.success) throw new ApiError(404, "not_found", "There is no such install line. Make a new one in Settings → Devices → Add a computer.");
    return c.json(await installLinkStatus(openDb(c.env.DB), c.get("auth").user.id, key.data), 200);
  });
