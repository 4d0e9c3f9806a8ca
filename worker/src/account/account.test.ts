import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { errorOf, PASSWORD, TestClient, uniqueEmail } from "../../../test/client.ts";

// Settings → Account: sessions, known browsers, the password and the email.

const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const NEW_PASSWORD = "a different sturdy password";

type Session = { id: string; browser: string; ip: string | null; current: boolean; created_at: number; last_seen_at: number };

async function signIn(email: string, password = PASSWORD, headers: Record<string, string> = {}) {
  const client = new TestClient();
  const response = await client.request("POST", "/api/auth/login", { json: { email, password }, headers });
  expect(response.status).toBe(200);
  return client;
}

async function sessions(client: TestClient): Promise<Session[]> {
  const response = await client.request("GET", "/api/account/sessions");
  expect(response.status).toBe(200);
  return ((await response.json()) as { sessions: Session[] }).sessions;
}

const signedIn = async (client: TestClient) => (await client.request("GET", "/api/auth/me")).status === 200;

describe("sessions", () => {
  it("lists the user's sessions with browser, address and this one marked, and signs another one out", async () => {
    const owner = new TestClient();
    const { email } = await owner.register();
    const laptop = await signIn(email, PASSWORD, { "user-agent": FIREFOX, "cf-connecting-ip": "203.0.113.7" });

    const listed = await sessions(owner);
    expect(listed).toHaveLength(2);
    expect(listed.filter((s) => s.current)).toHaveLength(1);
    const other = listed.find((s) => !s.current);
    expect(other).toMatchObject({ browser: "Firefox on Linux", ip: "203.0.113.7" });

    expect((await owner.request("DELETE", `/api/account/sessions/${other?.id}`)).status).toBe(200);
    expect(await signedIn(laptop)).toBe(false);
    expect(await signedIn(owner)).toBe(true);
    expect(await sessions(owner)).toHaveLength(1);
  });

  it("falls back to X-Forwarded-For for the address where the edge sets none (local development)", async () => {
    const client = new TestClient();
    const { email } = await client.register();
    const local = await signIn(email, PASSWORD, { "x-forwarded-for": "192.0.2.4, 10.0.0.1" });
    expect((await sessions(local)).find((s) => s.current)?.ip).toBe("192.0.2.4");
  });

  it("answers 404 for another user's session, and leaves it signed in", async () => {
    const alice = new TestClient();
    await alice.register();
    const bob = new TestClient();
    await bob.register();
    const [bobs] = await sessions(bob);
    const response = await alice.request("DELETE", `/api/account/sessions/${bobs?.id}`);
    expect(response.status).toBe(404);
    expect((await errorOf(response)).code).toBe("not_found");
    expect(await signedIn(bob)).toBe(true);
  });

  it("signs out everywhere else and keeps this session", async () => {
    const owner = new TestClient();
    const { email } = await owner.register();
    const others = [await signIn(email), await signIn(email)];
    const response = await owner.request("DELETE", "/api/account/sessions");
    expect(await response.json()).toEqual({ ended: 2 });
    for (const other of others) expect(await signedIn(other)).toBe(false);
    expect(await signedIn(owner)).toBe(true);
  });
});

describe("known browsers", () => {
  it("lists them and forgets one, so its next sign-in is announced as new; another user's is 404", async () => {
    const owner = new TestClient();
    const register = await owner.request("POST", "/api/auth/register", { json: { email: uniqueEmail(), password: PASSWORD } });
    expect(register.status).toBe(201);
    const listed: { browsers: { id: string; browser: string }[] } = await (await owner.request("GET", "/api/account/browsers")).json();
    expect(listed.browsers).toHaveLength(1);
    const id = listed.browsers[0]?.id ?? "";

    const stranger = new TestClient();
    await stranger.register();
    expect((await stranger.request("DELETE", `/api/account/browsers/${id}`)).status).toBe(404);

    expect((await owner.request("DELETE", `/api/account/browsers/${id}`)).status).toBe(200);
    const after: { browsers: unknown[] } = await (await owner.request("GET", "/api/account/browsers")).json();
    expect(after.browsers).toEqual([]);
  });
});

describe("changing the password", () => {
  it("refuses a wrong current password and changes nothing", async () => {
    const owner = new TestClient();
    const { email } = await owner.register();
    const other = await signIn(email);
    const response = await owner.request("POST", "/api/account/password", { json: { current_password: "not my password", new_password: NEW_PASSWORD } });
    expect(response.status).toBe(403);
    expect(await errorOf(response)).toMatchObject({ code: "invalid_credentials", field: "current_password" });
    expect(await signedIn(other)).toBe(true);
    await signIn(email, PASSWORD);
  });

  it("ends every other session, keeps this one, and only the new password signs in", async () => {
    const owner = new TestClient();
    const { email } = await owner.register();
    const other = await signIn(email);
    const response = await owner.request("POST", "/api/account/password", { json: { current_password: PASSWORD, new_password: NEW_PASSWORD } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ended_sessions: 1 });
    expect(await signedIn(other)).toBe(false);
    expect(await signedIn(owner)).toBe(true);
    const old = await new TestClient().request("POST", "/api/auth/login", { json: { email, password: PASSWORD } });
    expect(old.status).toBe(401);
    await signIn(email, NEW_PASSWORD);
  });

  it("checks the new password's length like sign-up", async () => {
    const owner = new TestClient();
    await owner.register();
    const response = await owner.request("POST", "/api/account/password", { json: { current_password: PASSWORD, new_password: "short" } });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).field).toBe("new_password");
  });
});

describe("changing the email", () => {
  afterEach(() => vi.restoreAllMocks());

  /** With no MAIL_WEBHOOK_URL the mail is logged: the link to the new address, read back from the log. */
  async function requestChange(client: TestClient, newEmail: string) {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const response = await client.request("POST", "/api/account/email", { json: { current_password: PASSWORD, new_email: newEmail } });
    expect(response.status).toBe(202);
    await vi.waitFor(() => expect(log.mock.calls.length).toBeGreaterThanOrEqual(2));
    const mails = log.mock.calls.map((call) => String(call[0]));
    log.mockRestore();
    const toNew = mails.find((text) => text.includes(`to ${newEmail}:`)) ?? "";
    const token = /\/confirm-email#([\w-]+)/.exec(toNew)?.[1] ?? "";
    expect(token.length).toBeGreaterThan(20);
    return { token, mails };
  }

  const confirm = (token: string) => new TestClient().request("POST", "/api/account/email/confirm", { json: { token } });
  const emailOf = async (client: TestClient) => ((await (await client.request("GET", "/api/auth/me")).json()) as { user: { email: string } }).user.email;

  it("sends a single-use link to the new address and a notice to the old one; the email changes only when it is opened", async () => {
    const owner = new TestClient();
    const { email } = await owner.register();
    const newEmail = uniqueEmail("moved");
    const { token, mails } = await requestChange(owner, newEmail);
    expect(mails.some((text) => text.includes(`to ${email}:`) && text.includes(newEmail))).toBe(true);
    expect(await emailOf(owner)).toBe(email);

    const confirmed = await confirm(token);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toEqual({ email: newEmail });
    expect(await emailOf(owner)).toBe(newEmail);
    await signIn(newEmail);

    const reused = await confirm(token);
    expect(reused.status).toBe(400);
    expect((await errorOf(reused)).code).toBe("expired_token");
  });

  it("refuses an expired link and leaves the email as it was", async () => {
    const owner = new TestClient();
    const { email } = await owner.register();
    const { token } = await requestChange(owner, uniqueEmail("late"));
    const me: { user: { id: string } } = await (await owner.request("GET", "/api/auth/me")).json();
    await env.DB.prepare("UPDATE email_changes SET expires_at = ? WHERE user_id = ?").bind(Date.now() - 1, me.user.id).run();
    const response = await confirm(token);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("expired_token");
    expect(await emailOf(owner)).toBe(email);
  });

  it("refuses a wrong password and the same address; an address in use gets the usual answer and no link", async () => {
    const owner = new TestClient();
    const { email } = await owner.register();
    const { email: taken } = await new TestClient().register();
    const wrong = await owner.request("POST", "/api/account/email", { json: { current_password: "nope", new_email: uniqueEmail() } });
    expect(await errorOf(wrong)).toMatchObject({ code: "invalid_credentials", field: "current_password" });
    // Answered as a free address is (so it tells nothing of other accounts), but no link exists to spend.
    const inUse = await owner.request("POST", "/api/account/email", { json: { current_password: PASSWORD, new_email: taken.toUpperCase() } });
    expect(inUse.status).toBe(202);
    expect(await inUse.json()).toMatchObject({ sent_to: taken });
    const me = (await (await owner.request("GET", "/api/auth/me")).json()) as { user: { id: string } };
    const pending = await env.DB.prepare("SELECT COUNT(*) AS n FROM email_changes WHERE user_id = ?").bind(me.user.id).first<{ n: number }>();
    expect(pending?.n).toBe(0);
    expect(await emailOf(owner)).toBe(email);
    const same = await owner.request("POST", "/api/account/email", { json: { current_password: PASSWORD, new_email: email } });
    expect(await errorOf(same)).toMatchObject({ code: "validation_failed", field: "new_email" });
  });

  it("refuses the link when someone took the address meanwhile", async () => {
    const owner = new TestClient();
    await owner.register();
    const contested = uniqueEmail("contested");
    const { token } = await requestChange(owner, contested);
    await new TestClient().register(contested);
    const response = await confirm(token);
    expect(response.status).toBe(409);
    expect((await errorOf(response)).code).toBe("conflict");
  });
});
