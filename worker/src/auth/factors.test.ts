import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SoftPasskey } from "../../../test/authenticator.ts";
import { errorOf, PASSWORD, TestClient } from "../../../test/client.ts";
import { codeFor, enrolTotp } from "../../../test/totp.ts";
import { hashToken } from "./tokens.ts";

async function json<T>(response: Response): Promise<T> {
  return response.json();
}

/** A signed-in user with an authenticator app set up (sign-in now asks for a code); returns its secret and recovery codes. */
async function userWithTotp() {
  const client = new TestClient();
  const { email } = await client.register();
  const { secret, uri, recoveryCodes } = await enrolTotp(client);
  expect(uri).toMatch(/^otpauth:\/\/totp\/Hearth:.*secret=/);
  return { client, email, secret, recoveryCodes };
}

async function passwordStep(email: string) {
  const client = new TestClient();
  const response = await client.request("POST", "/api/auth/login", { json: { email, password: PASSWORD } });
  expect(response.status).toBe(200);
  const body = await json<{ second_factor: { token: string; methods: string[] } }>(response);
  return { client, response, ...body.second_factor };
}

async function sessionCount(email: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ?").bind(email).first<{ n: number }>();
  return row?.n ?? 0;
}

describe("TOTP enrolment", () => {
  it("needs a current code from the app before it counts, and then brings ten recovery codes", async () => {
    const client = new TestClient();
    await client.register();
    const { secret } = await json<{ secret: string }>(await client.request("POST", "/api/auth/totp/setup"));
    const wrong = await client.request("POST", "/api/auth/totp/confirm", { json: { code: "000000" } });
    expect(wrong.status).toBe(400);
    expect((await json<{ totp: boolean }>(await client.request("GET", "/api/auth/security"))).totp).toBe(false);

    const right = await client.request("POST", "/api/auth/totp/confirm", { json: { code: codeFor(secret) } });
    const { recovery_codes } = await json<{ recovery_codes: string[] }>(right);
    expect(recovery_codes).toHaveLength(10);
    expect(new Set(recovery_codes).size).toBe(10);
    const view = await json<{ totp: boolean; require_second_factor: boolean; recovery_codes_left: number }>(await client.request("GET", "/api/auth/security"));
    expect(view).toMatchObject({ totp: true, require_second_factor: true, recovery_codes_left: 10 });
    // Only hashes are kept.
    const stored = await env.DB.prepare("SELECT code_hash FROM recovery_codes").all<{ code_hash: string }>();
    expect(stored.results.map((r) => r.code_hash)).not.toContain(recovery_codes[0]);
  });
});

describe("two-step sign-in", () => {
  it("makes no session until the code is right; a code works once; the pending token works once", async () => {
    const { email, secret } = await userWithTotp();
    const before = await sessionCount(email);
    const first = await passwordStep(email);
    expect(first.methods).toEqual(["totp", "recovery"]);
    expect(first.response.headers.get("set-cookie") ?? "").not.toMatch(/hearth_session=/);
    expect(await sessionCount(email)).toBe(before);

    const wrong = await first.client.request("POST", "/api/auth/login/second-factor", { json: { token: first.token, method: "totp", code: "123456" } });
    expect(wrong.status).toBe(401);
    expect(await sessionCount(email)).toBe(before);

    const code = codeFor(secret, 1);
    const right = await first.client.request("POST", "/api/auth/login/second-factor", { json: { token: first.token, method: "totp", code } });
    expect(right.status).toBe(200);
    expect((await first.client.request("GET", "/api/auth/me")).status).toBe(200);

    // The same token again: spent.
    const reuse = await new TestClient().request("POST", "/api/auth/login/second-factor", { json: { token: first.token, method: "totp", code: codeFor(secret, 0) } });
    expect(reuse.status).toBe(401);
    expect(await errorOf(reuse)).toMatchObject({ code: "expired_token" });

    // The same code with a new pending sign-in: replayed inside its window, refused.
    const second = await passwordStep(email);
    const replay = await second.client.request("POST", "/api/auth/login/second-factor", { json: { token: second.token, method: "totp", code } });
    expect(replay.status).toBe(401);
    expect(second.client.cookie).toBeUndefined();
  });

  it("refuses an expired pending sign-in", async () => {
    const { email, secret } = await userWithTotp();
    const pending = await passwordStep(email);
    await env.DB.prepare("UPDATE pending_sign_ins SET expires_at = ? WHERE id = ?").bind(Date.now() - 1, await hashToken(pending.token)).run();
    const late = await pending.client.request("POST", "/api/auth/login/second-factor", { json: { token: pending.token, method: "totp", code: codeFor(secret, 1) } });
    expect(late.status).toBe(401);
    expect(await errorOf(late)).toMatchObject({ code: "expired_token" });
  });

  it("takes a recovery code once, in any case and spacing, and refuses it the second time", async () => {
    const { email, recoveryCodes } = await userWithTotp();
    const code = recoveryCodes[0] ?? "";
    const first = await passwordStep(email);
    const used = await first.client.request("POST", "/api/auth/login/second-factor", { json: { token: first.token, method: "recovery", code: ` ${code.toUpperCase()} ` } });
    expect(used.status).toBe(200);
    const second = await passwordStep(email);
    const again = await second.client.request("POST", "/api/auth/login/second-factor", { json: { token: second.token, method: "recovery", code } });
    expect(again.status).toBe(401);
    const view = await json<{ recovery_codes_left: number }>(await first.client.request("GET", "/api/auth/security"));
    expect(view.recovery_codes_left).toBe(9);
  });

  it("checks at most 5 of 50 concurrent wrong codes, and then refuses even the right one", async () => {
    const { email, secret } = await userWithTotp();
    const pending = await passwordStep(email);
    const guesses = Array.from({ length: 50 }, (_, i) => String(100000 + i));
    const answers = await Promise.all(
      guesses.map((code) => new TestClient().request("POST", "/api/auth/login/second-factor", { json: { token: pending.token, method: "totp", code } })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(45);
    const right = await pending.client.request("POST", "/api/auth/login/second-factor", { json: { token: pending.token, method: "totp", code: codeFor(secret) } });
    expect(right.status).toBe(429);
    expect(right.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("signs in with the password alone when the owner turns the requirement off, and removing the last factor turns it off", async () => {
    const { client, email } = await userWithTotp();
    const removed = await client.request("DELETE", "/api/auth/totp");
    expect(removed.status).toBe(200);
    expect(await json(removed)).toMatchObject({ totp: false, require_second_factor: false, recovery_codes_left: 0 });
    const plain = await new TestClient().request("POST", "/api/auth/login", { json: { email, password: PASSWORD } });
    expect(await json(plain)).toHaveProperty("user");
    // The removed app's codes prove nothing any more.
    const stale = await client.request("POST", "/api/auth/step-up", { json: { method: "totp", code: "123456" } });
    expect(stale.status).toBe(400);
    expect(await errorOf(stale)).toMatchObject({ field: "method" });
    const require = await client.request("PUT", "/api/auth/security", { json: { require_second_factor: true } });
    expect(require.status).toBe(400);
    expect(await errorOf(require)).toMatchObject({ field: "require_second_factor" });
  });
});

async function addPasskey(client: TestClient, name = "Laptop") {
  const passkey = new SoftPasskey();
  const options = await json<{ challenge: string; rp: { id: string }; user: { id: string } }>(await client.request("POST", "/api/auth/passkeys/register/options"));
  expect(options.rp.id).toBe("hearth.test");
  const added = await client.request("POST", "/api/auth/passkeys", { json: { name, credential: await passkey.register(options) } });
  expect(added.status).toBe(201);
  return passkey;
}

async function passkeySignIn(passkey: SoftPasskey, token?: string) {
  const client = new TestClient();
  const options = await json<{ challenge: string; rpId: string }>(await client.request("POST", "/api/auth/passkeys/sign-in/options", { json: token ? { token } : {} }));
  const response = await client.request("POST", "/api/auth/passkeys/sign-in", { json: { ...(token ? { token } : {}), credential: await passkey.sign(options) } });
  return { client, response };
}

describe("passkeys", () => {
  it("signs in without a password, records its last use, and can be renamed and removed", async () => {
    const client = new TestClient();
    const { email } = await client.register();
    const passkey = await addPasskey(client);
    const { client: other, response } = await passkeySignIn(passkey);
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ user: { email } });
    expect((await other.request("GET", "/api/auth/me")).status).toBe(200);

    const listed = await json<{ passkeys: { id: string; name: string; last_used_at: number | null }[] }>(await client.request("GET", "/api/auth/passkeys"));
    expect(listed.passkeys).toEqual([expect.objectContaining({ id: passkey.id, name: "Laptop", last_used_at: expect.any(Number) })]);
    expect((await client.request("PATCH", `/api/auth/passkeys/${passkey.id}`, { json: { name: "Work laptop" } })).status).toBe(200);
    expect((await client.request("DELETE", `/api/auth/passkeys/${passkey.id}`)).status).toBe(200);
    const gone = await passkeySignIn(passkey);
    expect(gone.response.status).toBe(401);
  });

  it("answers a challenge once", async () => {
    const client = new TestClient();
    await client.register();
    const passkey = await addPasskey(client);
    const options = await json<{ challenge: string; rpId: string }>(await new TestClient().request("POST", "/api/auth/passkeys/sign-in/options", { json: {} }));
    const credential = await passkey.sign(options);
    expect((await new TestClient().request("POST", "/api/auth/passkeys/sign-in", { json: { credential } })).status).toBe(200);
    expect((await new TestClient().request("POST", "/api/auth/passkeys/sign-in", { json: { credential } })).status).toBe(401);
  });

  it("as a second step, takes only the pending user's passkey", async () => {
    const { client, email } = await userWithTotp();
    const mine = await addPasskey(client);
    const otherUser = new TestClient();
    await otherUser.register();
    const theirs = await addPasskey(otherUser, "Theirs");

    const pending = await passwordStep(email);
    expect(pending.methods).toEqual(["totp", "recovery", "passkey"]);
    const wrongUser = await passkeySignIn(theirs, pending.token);
    expect(wrongUser.response.status).toBe(401);
    expect(wrongUser.client.cookie).toBeUndefined();
    const right = await passkeySignIn(mine, pending.token);
    expect(right.response.status).toBe(200);
    expect(await json(right.response)).toMatchObject({ user: { email } });
    // The pending sign-in is spent.
    expect((await passkeySignIn(mine, pending.token)).response.status).toBe(401);
  });

  it("refuses another user's passkey id on rename and remove", async () => {
    const a = new TestClient();
    await a.register();
    const passkey = await addPasskey(a);
    const b = new TestClient();
    await b.register();
    expect((await b.request("PATCH", `/api/auth/passkeys/${passkey.id}`, { json: { name: "Mine now" } })).status).toBe(404);
    expect((await b.request("DELETE", `/api/auth/passkeys/${passkey.id}`)).status).toBe(404);
    expect((await passkeySignIn(passkey)).response.status).toBe(200);
  });
});

describe("step-up for settings", () => {
  it("asks for a fresh proof to change factors once the sign-in is old, and a step-up clears it", async () => {
    const { client, secret } = await userWithTotp();
    await env.DB.prepare("UPDATE sessions SET proved_at = ? WHERE id = ?").bind(Date.now() - 60 * 60_000, await hashToken(client.token)).run();
    const refused = await client.request("POST", "/api/auth/recovery-codes");
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ error: { code: "step_up_required", methods: ["totp"] } });
    const password = await client.request("POST", "/api/auth/step-up", { json: { method: "password", password: PASSWORD } });
    expect(password.status).toBe(400);
    expect((await client.request("POST", "/api/auth/step-up", { json: { method: "totp", code: codeFor(secret, 1) } })).status).toBe(200);
    const codes = await client.request("POST", "/api/auth/recovery-codes");
    expect(codes.status).toBe(200);
  });
});

describe("step-up with a passkey", () => {
  it("takes a tap of the user's own passkey, not another account's", async () => {
    const client = new TestClient();
    await client.register();
    const mine = await addPasskey(client);
    const other = new TestClient();
    await other.register();
    const theirs = await addPasskey(other, "Theirs");
    await env.DB.prepare("UPDATE sessions SET proved_at = ? WHERE id = ?").bind(Date.now() - 60 * 60_000, await hashToken(client.token)).run();
    expect(await json(await client.request("POST", "/api/auth/recovery-codes"))).toMatchObject({ error: { code: "step_up_required", methods: ["passkey"] } });

    const tap = async (passkey: SoftPasskey) => {
      const options = await json<{ challenge: string; rpId: string; allowCredentials: { id: string }[] }>(await client.request("POST", "/api/auth/passkeys/step-up/options"));
      expect(options.allowCredentials.map((c) => c.id)).toEqual([mine.id]);
      return client.request("POST", "/api/auth/step-up", { json: { method: "passkey", credential: await passkey.sign(options) } });
    };
    expect((await tap(theirs)).status).toBe(401);
    expect((await tap(mine)).status).toBe(200);
    expect((await client.request("POST", "/api/auth/recovery-codes")).status).toBe(200);
  });
});
