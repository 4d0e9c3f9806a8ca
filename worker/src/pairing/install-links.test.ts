import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { errorOf, PASSWORD, TestClient } from "../../../test/client.ts";
import { hashToken } from "../auth/tokens.ts";
import { MAX_INSTALL_LINKS } from "./install-links.ts";

// Settings → Devices → Add a computer: a line to paste, and the page that showed it approving the pairing it starts.

const USED_MESSAGE = "This install line was already used to pair a computer. Copy a fresh one from Settings → Devices → Add a computer.";

type Link = { key: string; expires_at: number; commands: { unix: string; windows: string } };
type Status = {
  expires_at: number;
  pairing: null | { user_code: string; name: string; platform: string; agent_version: string; started_at: number; started_from: { ip: string | null; place: string | null }; status: string; device_id: string | null };
};

async function signedIn() {
  const client = new TestClient();
  await client.register();
  return client;
}

async function newLink(client: TestClient): Promise<Link> {
  const response = await client.request("POST", "/api/pair/install-links");
  expect(response.status).toBe(200);
  return response.json();
}

const startWith = (installKey: string, agent = new TestClient()) =>
  agent.request("POST", "/api/pair/start", { json: { name: "Ada's desktop", platform: "linux-x64", agent_version: "0.1.0", install_key: installKey }, headers: { "cf-connecting-ip": "198.51.100.7" } });

const statusOf = async (client: TestClient, key: string): Promise<Status> => {
  const response = await client.request("GET", `/api/pair/install-links/${key}`);
  expect(response.status).toBe(200);
  return response.json();
};

describe("install links", () => {
  it("gives the lines to paste, then shows the pairing they start with its code, approved in one click, until its device exists", async () => {
    const user = await signedIn();
    const link = await newLink(user);
    expect(link.key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(link.commands).toEqual({ unix: `curl -fsSL http://hearth.test/install.sh?k=${link.key} | sh`, windows: `irm http://hearth.test/install.ps1?k=${link.key} | iex` });
    expect(link.expires_at - Date.now()).toBeGreaterThan(29 * 60_000);
    expect(link.expires_at - Date.now()).toBeLessThanOrEqual(30 * 60_000);
    // Kept hashed: the key itself is nowhere in D1.
    const stored = await env.DB.prepare("SELECT key_hash FROM install_links WHERE key_hash = ?").bind(await hashToken(link.key)).first();
    expect(stored).not.toBeNull();
    expect(await env.DB.prepare("SELECT count(*) AS n FROM install_links WHERE key_hash = ?").bind(link.key).first<{ n: number }>()).toEqual({ n: 0 });

    expect(await statusOf(user, link.key)).toEqual({ expires_at: link.expires_at, pairing: null });

    // The script runs `hearth pair --install-key`: the page sees that pairing and its code.
    const agent = new TestClient();
    const started = await startWith(link.key, agent);
    expect(started.status).toBe(200);
    const codes: { device_code: string; user_code: string } = await started.json();
    const waiting = await statusOf(user, link.key);
    expect(waiting.pairing).toEqual({
      user_code: codes.user_code,
      name: "Ada's desktop",
      platform: "linux-x64",
      agent_version: "0.1.0",
      started_at: expect.any(Number),
      started_from: { ip: "198.51.100.7", place: null },
      status: "pending",
      device_id: null,
    });

    // One click: the existing approve, with its step-up (the registration was the proof; an old one is refused).
    await env.DB.prepare("UPDATE sessions SET proved_at = ? WHERE id = ?").bind(Date.now() - 60 * 60_000, await hashToken(user.token)).run();
    const stale = await user.request("POST", "/api/pair/approve", { json: { user_code: waiting.pairing?.user_code } });
    expect(await errorOf(stale)).toMatchObject({ code: "step_up_required" });
    expect((await user.request("POST", "/api/auth/step-up", { json: { method: "password", password: PASSWORD } })).status).toBe(200);
    expect((await user.request("POST", "/api/pair/approve", { json: { user_code: waiting.pairing?.user_code } })).status).toBe(200);
    expect((await statusOf(user, link.key)).pairing).toMatchObject({ status: "approved", device_id: null });

    const token = await agent.request("POST", "/api/pair/token", { json: { device_code: codes.device_code } });
    expect(token.status).toBe(200);
    const paired: { device_id: string } = await token.json();
    expect((await statusOf(user, link.key)).pairing).toMatchObject({ status: "consumed", device_id: paired.device_id });
    const { devices }: { devices: { id: string; name: string }[] } = await (await user.request("GET", "/api/devices")).json();
    expect(devices).toEqual([expect.objectContaining({ id: paired.device_id, name: "Ada's desktop" })]);
  });

  it("starts one pairing per line: a second start is refused, saying to copy a fresh line, and the page keeps the first", async () => {
    const user = await signedIn();
    const link = await newLink(user);
    const first: { user_code: string } = await (await startWith(link.key)).json();
    // Someone who learned the key tries a moment later, from elsewhere: nothing of theirs reaches the owner's page.
    const late = await startWith(link.key, new TestClient());
    expect(late.status).toBe(400);
    expect(await errorOf(late)).toEqual({ code: "invalid_install_key", message: USED_MESSAGE, field: "install_key" });
    expect((await statusOf(user, link.key)).pairing).toMatchObject({ user_code: first.user_code, status: "pending" });
    // Still refused once the first has been decided (here: denied); a new line works.
    expect((await user.request("POST", "/api/pair/deny", { json: { user_code: first.user_code } })).status).toBe(200);
    expect(await errorOf(await startWith(link.key))).toMatchObject({ code: "invalid_install_key", message: USED_MESSAGE });
    expect((await statusOf(user, link.key)).pairing).toMatchObject({ user_code: first.user_code, status: "denied" });
    expect((await startWith((await newLink(user)).key)).status).toBe(200);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM pairing_codes WHERE install_key_hash = ?").bind(await hashToken(link.key)).first()).toEqual({ n: 1 });
  });

  it("lets exactly one of several starts racing with one key in, and the page shows that one", async () => {
    const user = await signedIn();
    const link = await newLink(user);
    const answers = await Promise.all(Array.from({ length: 5 }, () => startWith(link.key, new TestClient())));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400, 400, 400, 400]);
    for (const refused of answers.filter((answer) => answer.status !== 200)) {
      expect(await errorOf(refused)).toMatchObject({ code: "invalid_install_key", message: USED_MESSAGE });
    }
    const accepted = answers.find((answer) => answer.status === 200);
    if (!accepted) throw new Error("no start was accepted");
    const winner: { user_code: string } = await accepted.json();
    expect((await statusOf(user, link.key)).pairing?.user_code).toBe(winner.user_code);
  });

  it("keeps a plain `hearth pair` code unreadable, and any number of plain pairings start", async () => {
    for (let i = 0; i < 2; i += 1) {
      const plainStart = await new TestClient().request("POST", "/api/pair/start", { json: { name: "Plain", platform: "linux", agent_version: "0.1.0" } });
      expect(plainStart.status).toBe(200);
    }
    const plain = await env.DB.prepare("SELECT user_code, install_key_hash FROM pairing_codes WHERE name = 'Plain' ORDER BY created_at DESC").first();
    expect(plain).toEqual({ user_code: null, install_key_hash: null });
  });

  it("is the owner's only: another user's key, a made-up key and no session all get nothing", async () => {
    const owner = await signedIn();
    const link = await newLink(owner);
    await startWith(link.key);
    const other = await signedIn();
    for (const key of [link.key, "A".repeat(32), "not-a-key"]) {
      const response = await other.request("GET", `/api/pair/install-links/${key}`);
      expect(response.status, key).toBe(404);
      expect(await response.text()).not.toContain("Ada's desktop");
    }
    expect((await new TestClient().request("GET", `/api/pair/install-links/${link.key}`)).status).toBe(401);
    expect((await new TestClient().request("POST", "/api/pair/install-links")).status).toBe(401);
  });

  it("refuses to start a pairing with an expired or unknown key, saying to copy a fresh line", async () => {
    const user = await signedIn();
    const link = await newLink(user);
    const expired = Date.now() - 1;
    await env.DB.prepare("UPDATE install_links SET expires_at = ? WHERE key_hash = ?").bind(expired, await hashToken(link.key)).run();
    for (const key of [link.key, "B".repeat(32)]) {
      const refused = await startWith(key);
      expect(refused.status).toBe(400);
      expect(await errorOf(refused)).toEqual({
        code: "invalid_install_key",
        message: "This install line has expired. Copy a fresh one from Settings → Devices → Add a computer.",
        field: "install_key",
      });
    }
    const malformed = await startWith("short");
    expect(await errorOf(malformed)).toMatchObject({ code: "validation_failed", field: "install_key" });
    // The owner still reads how it ended.
    expect(await statusOf(user, link.key)).toEqual({ expires_at: expired, pairing: null });
  });

  it(`allows ${MAX_INSTALL_LINKS} working lines per user, then says to use one or wait`, async () => {
    const user = await signedIn();
    for (let i = 0; i < MAX_INSTALL_LINKS; i += 1) await newLink(user);
    const refused = await user.request("POST", "/api/pair/install-links");
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).message).toBe(`You already have ${MAX_INSTALL_LINKS} install lines that work. Use one of them, or wait: each stops working 30 minutes after it was made.`);
    // Another user is not held to this one's count; an expired line frees a place.
    await newLink(await signedIn());
    await env.DB.prepare("UPDATE install_links SET expires_at = ? WHERE rowid = (SELECT rowid FROM install_links WHERE user_id = (SELECT user_id FROM sessions WHERE id = ?) LIMIT 1)")
      .bind(Date.now() - 1, await hashToken(user.token))
      .run();
    await newLink(user);
  });
});
