import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { errorOf, ORIGIN, PASSWORD, TestClient, uniqueEmail } from "../../../test/client.ts";
import { readConfig } from "../../../core/src/config.ts";
import { hashToken } from "./tokens.ts";

const MINUTE = 60_000;

async function sessionRow(token: string) {
  return env.DB.prepare("SELECT * FROM sessions WHERE id = ?").bind(await hashToken(token)).first<{
    id: string;
    user_id: string;
    last_seen_at: number;
    expires_at: number;
  }>();
}

describe("register", () => {
  it("creates the account, signs in, and stores only a PBKDF2 hash of the password", async () => {
    const client = new TestClient();
    const email = uniqueEmail();
    const response = await client.request("POST", "/api/auth/register", { json: { email, password: PASSWORD, name: "Ada" } });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ ok: true });

    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^hearth_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // plain http here

    const row = await env.DB.prepare("SELECT password_hash FROM users WHERE email = ?").bind(email).first<{ password_hash: string }>();
    expect(row?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(row?.password_hash).not.toContain(PASSWORD);

    const me = await client.request("GET", "/api/auth/me");
    expect(me.status).toBe(200);
    const body: { user: { email: string; name: string } } = await me.json();
    expect(body.user).toMatchObject({ email, name: "Ada" });
  });

  it("gives every user a different salt", async () => {
    const [a, b] = [uniqueEmail(), uniqueEmail()];
    await new TestClient().register(a);
    await new TestClient().register(b);
    const { results } = await env.DB.prepare("SELECT password_hash FROM users WHERE email IN (?, ?)").bind(a, b).all<{ password_hash: string }>();
    const salts = results.map((r) => r.password_hash.split("$")[2]);
    expect(new Set(salts).size).toBe(2);
  });

  it("answers a taken email exactly as a new one, signs nobody in, keeps the account, and tells its owner", async () => {
    const owner = new TestClient();
    const { email } = await owner.register();
    const fresh = await new TestClient().request("POST", "/api/auth/register", { json: { email: uniqueEmail(), password: PASSWORD } });

    const prober = new TestClient();
    const taken = await prober.request("POST", "/api/auth/register", { json: { email: email.toUpperCase(), password: "another password!", name: "Mallory" } });
    expect(taken.status).toBe(fresh.status);
    expect(await taken.text()).toBe(await fresh.text());
    expect(prober.cookie).toBeUndefined();
    expect((await prober.request("GET", "/api/auth/me")).status).toBe(401);

    // The account is untouched: its own password still signs in, the prober's does not.
    const stolen = await new TestClient().request("POST", "/api/auth/login", { json: { email, password: "another password!" } });
    expect(stolen.status).toBe(401);
    expect((await new TestClient().request("POST", "/api/auth/login", { json: { email, password: PASSWORD } })).status).toBe(200);

    const notices = async () => {
      const page: { notifications: { title: string }[] } = await (await owner.request("GET", "/api/notifications?kind=new_sign_in")).json();
      return page.notifications.map((n) => n.title);
    };
    await expect.poll(notices).toContain("Someone tried to create an account with your email");
  });

  // 41 password hashes: slow on a busy machine.
  it("counts tries on taken emails against the sign-in limits, so accounts cannot be probed in bulk", { timeout: 30_000 }, async () => {
    const headers = { "cf-connecting-ip": "198.51.100.99" };
    const taken = await Promise.all(Array.from({ length: 20 }, () => new TestClient().register()));
    for (const { email } of taken) {
      expect((await new TestClient().request("POST", "/api/auth/register", { json: { email, password: PASSWORD }, headers })).status).toBe(201);
    }
    const stopped = await new TestClient().request("POST", "/api/auth/register", { json: { email: uniqueEmail(), password: PASSWORD }, headers });
    expect(stopped.status).toBe(429);
    expect((await errorOf(stopped)).code).toBe("too_many_attempts");
  });

  it("names the field that failed validation", async () => {
    const client = new TestClient();
    const short = await client.request("POST", "/api/auth/register", { json: { email: uniqueEmail(), password: "short" } });
    expect(short.status).toBe(400);
    expect(await errorOf(short)).toMatchObject({ code: "validation_failed", field: "password", message: expect.stringMatching(/at least 10/) });

    const bad = await client.request("POST", "/api/auth/register", { json: { email: "not-an-email", password: PASSWORD } });
    expect(await errorOf(bad)).toMatchObject({ code: "validation_failed", field: "email" });

    const missing = await client.request("POST", "/api/auth/register", { json: { password: PASSWORD } });
    expect(await errorOf(missing)).toMatchObject({ code: "validation_failed", field: "email", message: "Enter your email address." });
    expect(client.cookie).toBeUndefined();
  });
});

describe("login and logout", () => {
  it("signs in with the right password and out again", async () => {
    const { email } = await new TestClient().register();
    const client = new TestClient();
    const login = await client.request("POST", "/api/auth/login", { json: { email: `  ${email.toUpperCase()} `, password: PASSWORD } });
    expect(login.status).toBe(200);
    expect((await client.request("GET", "/api/auth/me")).status).toBe(200);

    const token = client.token;
    const logout = await client.request("POST", "/api/auth/logout");
    expect(logout.status).toBe(200);
    expect(client.cookie).toBeUndefined();
    expect(await sessionRow(token)).toBeNull();

    // The old token is dead even if someone kept it.
    client.cookie = `hearth_session=${token}`;
    const me = await client.request("GET", "/api/auth/me");
    expect(me.status).toBe(401);
    expect((await errorOf(me)).code).toBe("session_expired");
  });

  it("answers a wrong password and an unknown email the same way", async () => {
    const { email } = await new TestClient().register();
    const wrong = await new TestClient().request("POST", "/api/auth/login", { json: { email, password: "wrong password!" } });
    const unknown = await new TestClient().request("POST", "/api/auth/login", { json: { email: uniqueEmail("nobody"), password: "wrong password!" } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await errorOf(wrong)).toEqual(await errorOf(unknown));
  });

  it("stores only the session token's hash", async () => {
    const client = new TestClient();
    await client.register();
    const row = await sessionRow(client.token);
    expect(row).not.toBeNull();
    const raw = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE id = ?").bind(client.token).first<{ n: number }>();
    expect(raw?.n).toBe(0);
  });
});

describe("lockout", () => {
  it("locks an email out after 5 failures in 15 minutes, even for the right password, with Retry-After", async () => {
    const { email } = await new TestClient().register();
    const client = new TestClient();
    for (let i = 0; i < 5; i++) {
      const response = await client.request("POST", "/api/auth/login", { json: { email, password: `wrong ${i} password` } });
      expect(response.status).toBe(401);
    }
    const locked = await client.request("POST", "/api/auth/login", { json: { email, password: PASSWORD } });
    expect(locked.status).toBe(429);
    expect((await errorOf(locked)).code).toBe("too_many_attempts");
    const retryAfter = Number(locked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(client.cookie).toBeUndefined();

    // Another account is not affected.
    const other = await new TestClient().register();
    expect((await new TestClient().request("POST", "/api/auth/login", { json: other })).status).toBe(200);
  });

  it("locks unknown emails out the same way, so the lockout reveals nothing", async () => {
    const email = uniqueEmail("ghost");
    const client = new TestClient();
    for (let i = 0; i < 5; i++) await client.request("POST", "/api/auth/login", { json: { email, password: "nope nope nope" } });
    expect((await client.request("POST", "/api/auth/login", { json: { email, password: "nope nope nope" } })).status).toBe(429);
  });

  it("lets the user in again once the failures leave the window", async () => {
    const { email } = await new TestClient().register();
    const client = new TestClient();
    for (let i = 0; i < 5; i++) await client.request("POST", "/api/auth/login", { json: { email, password: "wrong password" } });
    await env.DB.prepare("UPDATE login_attempts SET at = at - ? WHERE email = ?").bind(16 * MINUTE, email).run();
    expect((await client.request("POST", "/api/auth/login", { json: { email, password: PASSWORD } })).status).toBe(200);
  });

  it("checks at most 5 of 50 concurrent guesses, and the right password is refused after them", async () => {
    const { email } = await new TestClient().register();
    const headers = { "cf-connecting-ip": "203.0.113.50" };
    const guesses = Array.from({ length: 50 }, (_, i) =>
      new TestClient().request("POST", "/api/auth/login", { json: { email, password: `wrong guess ${i}` }, headers }),
    );
    const statuses = (await Promise.all(guesses)).map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(45);

    const client = new TestClient();
    const right = await client.request("POST", "/api/auth/login", { json: { email, password: PASSWORD }, headers });
    expect(right.status).toBe(429);
    expect(client.cookie).toBeUndefined();
  });

  it("limits failures per client address across emails, without touching other addresses", async () => {
    const address = { "cf-connecting-ip": "198.51.100.7" };
    const tries = Array.from({ length: 21 }, () =>
      new TestClient().request("POST", "/api/auth/login", { json: { email: uniqueEmail("spray"), password: "wrong password!" }, headers: address }),
    );
    const statuses = (await Promise.all(tries)).map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(20);

    const account = await new TestClient().register();
    const blocked = await new TestClient().request("POST", "/api/auth/login", { json: account, headers: address });
    expect(blocked.status).toBe(429);
    expect((await errorOf(blocked)).message).toMatch(/from your network/);
    const elsewhere = await new TestClient().request("POST", "/api/auth/login", { json: account, headers: { "cf-connecting-ip": "198.51.100.8" } });
    expect(elsewhere.status).toBe(200);
  });

  it("slows a spray across many accounts and addresses with a global limit", async () => {
    const account = await new TestClient().register();
    const now = Date.now();
    const spray = env.DB.prepare("INSERT INTO login_attempts (email, address, at) VALUES (?, ?, ?)");
    await env.DB.batch(Array.from({ length: 200 }, (_, i) => spray.bind(`sprayed-${i}@example.com`, `192.0.2.${i % 250}`, now)));
    try {
      const refused = await new TestClient().request("POST", "/api/auth/login", { json: account, headers: { "cf-connecting-ip": "203.0.113.9" } });
      expect(refused.status).toBe(429);
      expect((await errorOf(refused)).message).toMatch(/across accounts/);
    } finally {
      await env.DB.prepare("DELETE FROM login_attempts WHERE email LIKE 'sprayed-%'").run();
    }
  });

  it("does not count a successful sign-in against the address", { timeout: 30_000 }, async () => {
    const account = await new TestClient().register();
    const headers = { "cf-connecting-ip": "203.0.113.77" };
    for (let i = 0; i < 25; i++) {
      expect((await new TestClient().request("POST", "/api/auth/login", { json: account, headers })).status).toBe(200);
    }
  });
});

describe("session timeouts", () => {
  it("ends a session after 30 idle minutes", async () => {
    const client = new TestClient();
    await client.register();
    const token = client.token;
    const row = await sessionRow(token);
    await env.DB.prepare("UPDATE sessions SET last_seen_at = ? WHERE id = ?").bind(Date.now() - 31 * MINUTE, row?.id).run();
    const me = await client.request("GET", "/api/auth/me");
    expect(me.status).toBe(401);
    const error = await errorOf(me);
    expect(error.code).toBe("session_expired");
    expect(error.message).toMatch(/sign in again/i);
    expect(client.cookie).toBeUndefined(); // the dead cookie is cleared
    expect(await sessionRow(token)).toBeNull();
  });

  it("slides the idle timer on use, but not on a passive check", async () => {
    const client = new TestClient();
    await client.register();
    const row = await sessionRow(client.token);
    const twentyAgo = Date.now() - 20 * MINUTE;
    await env.DB.prepare("UPDATE sessions SET last_seen_at = ? WHERE id = ?").bind(twentyAgo, row?.id).run();

    const passive = await client.request("GET", "/api/auth/me?passive=1");
    expect(passive.status).toBe(200);
    expect((await sessionRow(client.token))?.last_seen_at).toBe(twentyAgo);

    const active = await client.request("GET", "/api/auth/me");
    const body: { session: { idleExpiresAt: number } } = await active.json();
    expect((await sessionRow(client.token))?.last_seen_at).toBeGreaterThan(Date.now() - MINUTE);
    expect(body.session.idleExpiresAt).toBeGreaterThan(Date.now() + 29 * MINUTE);
  });

  it("ends a session at its absolute lifetime, however active", async () => {
    const client = new TestClient();
    await client.register();
    const row = await sessionRow(client.token);
    expect(row?.expires_at).toBeGreaterThan(Date.now() + 29 * 24 * 60 * MINUTE);
    await env.DB.prepare("UPDATE sessions SET expires_at = ?, last_seen_at = ? WHERE id = ?").bind(Date.now() - 1, Date.now(), row?.id).run();
    expect((await client.request("GET", "/api/auth/me")).status).toBe(401);
  });

  it("reads both timeouts from configuration, with defaults", () => {
    const DAY = 24 * 60 * MINUTE;
    expect(readConfig({ ...env, SESSION_IDLE_MINUTES: "5", SESSION_MAX_DAYS: "2", ACTIVITY_RETENTION_DAYS: "90" })).toEqual({
      sessionIdleMs: 5 * MINUTE,
      sessionMaxMs: 2 * DAY,
      activityRetentionMs: 90 * DAY,
    });
    expect(readConfig({ ...env, SESSION_IDLE_MINUTES: "soon", SESSION_MAX_DAYS: "", ACTIVITY_RETENTION_DAYS: "-1" })).toEqual({
      sessionIdleMs: 30 * MINUTE,
      sessionMaxMs: 30 * DAY,
      activityRetentionMs: 365 * DAY,
    });
  });
});

describe("isolation", () => {
  it("never shows user A's session to user B", async () => {
    const a = new TestClient();
    const b = new TestClient();
    const { email: emailA } = await a.register();
    const { email: emailB } = await b.register();
    const meA: { user: { email: string } } = await (await a.request("GET", "/api/auth/me")).json();
    const meB: { user: { email: string } } = await (await b.request("GET", "/api/auth/me")).json();
    expect(meA.user.email).toBe(emailA);
    expect(meB.user.email).toBe(emailB);

    await a.request("POST", "/api/auth/logout");
    expect((await b.request("GET", "/api/auth/me")).status).toBe(200);
  });

  it("refuses a forged token", async () => {
    const client = new TestClient();
    client.cookie = "hearth_session=forged-token";
    expect((await client.request("GET", "/api/auth/me")).status).toBe(401);
  });
});

describe("request guards", () => {
  it("refuses a state-changing request from another origin", async () => {
    const client = new TestClient();
    const response = await client.request("POST", "/api/auth/register", {
      json: { email: uniqueEmail(), password: PASSWORD },
      headers: { origin: "https://evil.example" },
    });
    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe("forbidden_origin");
    const crossSite = await client.request("POST", "/api/auth/logout", { headers: { origin: "", "sec-fetch-site": "cross-site" } });
    expect(crossSite.status).toBe(403);
  });

  it("refuses malformed JSON with 400", async () => {
    const response = await new TestClient().request("POST", "/api/auth/login", { body: "{not json", headers: { "content-type": "application/json" } });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("malformed_json");
  });

  it("refuses a body that is not JSON with 415", async () => {
    const response = await new TestClient().request("POST", "/api/auth/login", { body: "email=a", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(response.status).toBe(415);
  });

  it("refuses a body over 1 MiB with 413", async () => {
    const big = JSON.stringify({ email: uniqueEmail(), password: "x".repeat(1024 * 1024) });
    const response = await new TestClient().request("POST", "/api/auth/register", { body: big, headers: { "content-type": "application/json" } });
    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe("payload_too_large");
  });

  it("answers an unknown route with a JSON 404", async () => {
    const response = await new TestClient().request("GET", "/api/nowhere");
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ code: "not_found", message: expect.stringContaining("/api/nowhere") });
  });

  it("answers a signed-out request with 401", async () => {
    const response = await new TestClient().request("GET", "/api/auth/me");
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({ code: "unauthenticated", message: expect.stringMatching(/sign in/i) });
  });

  it("marks the cookie Secure over https", async () => {
    const { exports } = await import("cloudflare:workers");
    const response = await exports.default.fetch(
      new Request("https://hearth.test/api/auth/register", {
        method: "POST",
        headers: { origin: "https://hearth.test", "content-type": "application/json" },
        body: JSON.stringify({ email: uniqueEmail(), password: PASSWORD }),
      }),
    );
    expect(response.status).toBe(201);
    expect(response.headers.get("set-cookie")).toMatch(/Secure/);
    expect(ORIGIN).toMatch(/^http:/);
  });
});
