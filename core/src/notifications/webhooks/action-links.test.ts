import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { actionToken, actionTokenState, issueActionToken, readActionToken, spendActionToken } from "./action-links.ts";
import type { ActionClaims } from "./action-links.ts";

const SECRET = "test-action-link-secret-0123456789abcdef";
const now = Date.parse("2026-11-26T09:00:00Z");
const HOUR = 3_600_000;
const claims: ActionClaims = { jti: "tok_1", userId: "usr_1", notificationId: "ntf_1", action: "approve", expiresAt: now + HOUR };

/** base64url of a JSON value, as a token's first part is made. */
const encode = (value: unknown) => btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

describe("action tokens", () => {
  it("round-trip: a token we signed reads back as its claims, and fits in a URL as is", async () => {
    const token = await actionToken(claims, SECRET);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(await readActionToken(token, SECRET, now)).toEqual({ ok: true, claims });
  });

  it("an altered payload is refused as tampered: deny swapped in for approve, another user, a later expiry", async () => {
    const [, signature] = (await actionToken(claims, SECRET)).split(".");
    for (const edited of [{ ...claims, action: "deny" }, { ...claims, userId: "usr_2" }, { ...claims, expiresAt: now + 1000 * HOUR }]) {
      expect(await readActionToken(`${encode(edited)}.${signature}`, SECRET, now)).toEqual({ ok: false, reason: "tampered" });
    }
  });

  it("an altered signature, or one made with another secret, is refused as tampered", async () => {
    const [body, signature] = (await actionToken(claims, SECRET)).split(".");
    const flipped = `${signature?.[0] === "A" ? "B" : "A"}${signature?.slice(1)}`;
    expect(await readActionToken(`${body}.${flipped}`, SECRET, now)).toEqual({ ok: false, reason: "tampered" });
    const foreign = await actionToken(claims, "another-secret-that-is-long-enough-000000");
    expect(await readActionToken(foreign, SECRET, now)).toEqual({ ok: false, reason: "tampered" });
  });

  it("any one-character change anywhere in the token is refused", async () => {
    const token = await actionToken(claims, SECRET);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet), async (at, c) => {
        fc.pre(token[at] !== c);
        const edited = token.slice(0, at) + c + token.slice(at + 1);
        const read = await readActionToken(edited, SECRET, now);
        expect(read.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("an expired token is refused as expired, at its expiry and after", async () => {
    const token = await actionToken(claims, SECRET);
    expect((await readActionToken(token, SECRET, claims.expiresAt - 1)).ok).toBe(true);
    expect(await readActionToken(token, SECRET, claims.expiresAt)).toEqual({ ok: false, reason: "expired" });
    expect(await readActionToken(token, SECRET, claims.expiresAt + 7 * 24 * HOUR)).toEqual({ ok: false, reason: "expired" });
  });

  it("anything that is not a token of ours is refused as malformed", async () => {
    const [body, signature] = (await actionToken(claims, SECRET)).split(".");
    for (const junk of ["", "abc", ".", `${body}.`, `.${signature}`, `${body}.${signature}.x`, "!!!.???", `${body}.${signature}`.repeat(20)]) {
      expect(await readActionToken(junk, SECRET, now)).toEqual({ ok: false, reason: "malformed" });
    }
  });

  it("refuses to work with a short secret, and says how to set one", async () => {
    await expect(actionToken(claims, "dev")).rejects.toThrow("wrangler secret put ACTION_LINK_SECRET");
    await expect(readActionToken("a.b", "dev", now)).rejects.toThrow("ACTION_LINK_SECRET is too short");
  });
});

describe("single use, in D1 (action_tokens)", () => {
  const userId = `usr_${crypto.randomUUID()}`;
  beforeAll(async () => {
    // The table comes from the real migrations (0007_notifications); the row needs a user to belong to.
    await env.DB.prepare("INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, 'unused', ?)").bind(userId, `${userId}@example.com`, now).run();
  });
  const issue = (expiresAt = now + HOUR) => issueActionToken(env.DB, { userId, notificationId: "ntf_1", action: "approve", expiresAt }, SECRET);
  const jtiOf = async (token: string) => {
    const read = await readActionToken(token, SECRET, now);
    if (!read.ok) throw new Error(`the token did not read back: ${read.reason}`);
    return read.claims.jti;
  };

  it("works once, then is refused", async () => {
    const jti = await jtiOf(await issue());
    expect(await actionTokenState(env.DB, jti, now)).toBe("usable");
    expect(await spendActionToken(env.DB, jti, now)).toBe(true);
    expect(await spendActionToken(env.DB, jti, now + 1)).toBe(false);
    expect(await actionTokenState(env.DB, jti, now + 2)).toBe("used");
    const row = await env.DB.prepare("SELECT used_at FROM action_tokens WHERE id = ?").bind(jti).first<{ used_at: number }>();
    expect(row?.used_at).toBe(now);
  });

  it("two clicks at once: exactly one wins", async () => {
    const jti = await jtiOf(await issue());
    const results = await Promise.all([spendActionToken(env.DB, jti, now), spendActionToken(env.DB, jti, now), spendActionToken(env.DB, jti, now)]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("an expired link cannot be spent, and one we never issued cannot either", async () => {
    const jti = await jtiOf(await issue(now + 1000));
    expect(await actionTokenState(env.DB, jti, now + 1000)).toBe("expired");
    expect(await spendActionToken(env.DB, jti, now + 1000)).toBe(false);
    expect(await actionTokenState(env.DB, "tok_never_issued", now)).toBe("unknown");
    expect(await spendActionToken(env.DB, "tok_never_issued", now)).toBe(false);
  });
});
