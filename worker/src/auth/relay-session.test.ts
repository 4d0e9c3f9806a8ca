import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DELETE_ACCOUNT_PHRASE } from "#protocol";
import { errorOf, PASSWORD, TestClient } from "../../../test/client.ts";
import { userWithDevice } from "../../../test/sockets.ts";
import type { UserRelay } from "../../../relay/src/user-relay.ts";
import { hashToken } from "./tokens.ts";

// The dispatch path checks the session in the user's relay, not in D1 (relay/src/sessions.ts). Every way a
// session ends must still refuse it on the very next dispatch.

const MINUTE = 60_000;

async function userIdOf(client: TestClient): Promise<string> {
  const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
  return me.user.id;
}

function dispatch(client: TestClient, deviceId: string, query = "") {
  return client.request("POST", `/api/commands${query}`, { json: { device_id: deviceId, command: { target: "filesystem", action: "list", parameters: { path: "~" } } } });
}

/** A user with a device, signed in on two browsers, each of which has dispatched (so the relay knows both sessions). */
async function twoBrowsers() {
  const { client, deviceId } = await userWithDevice();
  const userId = await userIdOf(client);
  const email: { user: { email: string } } = await (await client.request("GET", "/api/auth/me")).json();
  const other = new TestClient();
  expect((await other.request("POST", "/api/auth/login", { json: { email: email.user.email, password: PASSWORD } })).status).toBe(200);
  expect((await dispatch(client, deviceId)).status).toBe(202);
  expect((await dispatch(other, deviceId)).status).toBe(202);
  expect(await cached(userId, other)).toBe(true);
  return { client, other, deviceId, userId };
}

/** Whether the user's relay holds the browser's session in its cache (i.e. the dispatch path checked it there). */
async function cached(userId: string, client: TestClient): Promise<boolean> {
  const id = await hashToken(client.token);
  return runInDurableObject(env.RELAY.getByName(userId), (relay: UserRelay) => relay.memory.sessions.has(id));
}

/** Moves a session's times back, in D1 and in the relay's cache alike: what the passing of time does. */
async function age(userId: string, client: TestClient, times: { lastSeenAt?: number; expiresAt?: number }) {
  const id = await hashToken(client.token);
  if (times.lastSeenAt !== undefined) await env.DB.prepare("UPDATE sessions SET last_seen_at = ? WHERE id = ?").bind(times.lastSeenAt, id).run();
  if (times.expiresAt !== undefined) await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE id = ?").bind(times.expiresAt, id).run();
  await runInDurableObject(env.RELAY.getByName(userId), (relay: UserRelay) => {
    const entry = relay.memory.sessions.get(id);
    if (!entry) throw new Error("the relay has no such session cached");
    Object.assign(entry, times);
  });
}

async function expectSignedOut(client: TestClient, deviceId: string) {
  const response = await dispatch(client, deviceId);
  expect(response.status).toBe(401);
  expect(await errorOf(response)).toMatchObject({ code: "session_expired", message: expect.stringMatching(/sign in again/i) });
}

describe("the dispatch path's session check, in the relay", () => {
  it("is used once the user is known, and a cookie whose user part names someone else is refused", async () => {
    const { client, deviceId } = await userWithDevice();
    const userId = await userIdOf(client);
    expect(client.token.startsWith(`${userId}.`)).toBe(true);
    expect((await dispatch(client, deviceId)).status).toBe(202);
    expect(await cached(userId, client)).toBe(true);

    const { client: victim, deviceId: victimDevice } = await userWithDevice();
    const victimId = await userIdOf(victim);
    const forged = new TestClient();
    forged.cookie = `hearth_session=${victimId}.${client.token.slice(userId.length + 1)}`;
    await expectSignedOut(forged, victimDevice);
  });

  it("refuses a signed-out session on the next dispatch", async () => {
    const { client, deviceId, userId } = await twoBrowsers();
    const cookie = client.cookie;
    expect((await client.request("POST", "/api/auth/logout")).status).toBe(200);
    client.cookie = cookie;
    expect(await cached(userId, client)).toBe(false);
    await expectSignedOut(client, deviceId);
  });

  it("refuses a session ended from another browser, and every other one after 'sign out everywhere'", async () => {
    const { client, other, deviceId } = await twoBrowsers();
    const ended = await client.request("DELETE", `/api/account/sessions/${await hashToken(other.token)}`);
    expect(ended.status).toBe(200);
    await expectSignedOut(other, deviceId);
    expect((await dispatch(client, deviceId)).status).toBe(202);

    const { client: first, other: second, deviceId: device2 } = await twoBrowsers();
    expect((await first.request("DELETE", "/api/account/sessions")).status).toBe(200);
    await expectSignedOut(second, device2);
    expect((await dispatch(first, device2)).status).toBe(202);
  });

  it("refuses the other sessions after a password change", async () => {
    const { client, other, deviceId } = await twoBrowsers();
    const changed = await client.request("POST", "/api/account/password", { json: { current_password: PASSWORD, new_password: "another long password 2" } });
    expect(changed.status).toBe(200);
    await expectSignedOut(other, deviceId);
    expect((await dispatch(client, deviceId)).status).toBe(202);
  });

  it("refuses every session of a deleted account", async () => {
    const { client, other, deviceId } = await twoBrowsers();
    const deleted = await client.request("DELETE", "/api/account", { json: { current_password: PASSWORD, confirm: DELETE_ACCOUNT_PHRASE } });
    expect(deleted.status).toBe(200);
    await expectSignedOut(other, deviceId);
  });

  it("ends a session at its idle timeout and at its lifetime, and deletes it", async () => {
    const { client, other, deviceId, userId } = await twoBrowsers();
    await age(userId, other, { lastSeenAt: Date.now() - 31 * MINUTE });
    await expectSignedOut(other, deviceId);
    expect(other.cookie).toBeUndefined(); // the dead cookie is cleared
    expect(await env.DB.prepare("SELECT id FROM sessions WHERE id = ?").bind(await hashToken(client.token)).first()).not.toBeNull();

    const token = client.token;
    await age(userId, client, { expiresAt: Date.now() - 1, lastSeenAt: Date.now() });
    await expectSignedOut(client, deviceId);
    expect(await env.DB.prepare("SELECT id FROM sessions WHERE id = ?").bind(await hashToken(token)).first()).toBeNull();
  });

  it("slides the idle timer in D1 on a dispatch, not on a passive one, and trusts D1 when another tab slid it", async () => {
    const { client, deviceId, userId } = await twoBrowsers();
    const id = await hashToken(client.token);
    const lastSeen = async () => (await env.DB.prepare("SELECT last_seen_at FROM sessions WHERE id = ?").bind(id).first<{ last_seen_at: number }>())?.last_seen_at;

    const twentyAgo = Date.now() - 20 * MINUTE;
    await age(userId, client, { lastSeenAt: twentyAgo });
    expect((await dispatch(client, deviceId, "?passive=1")).status).toBe(202);
    expect(await lastSeen()).toBe(twentyAgo);
    expect((await dispatch(client, deviceId)).status).toBe(202);
    await expect.poll(lastSeen).toBeGreaterThan(Date.now() - MINUTE);

    // The relay's copy looks idle, but D1 says another request slid the timer: the session stays.
    await runInDurableObject(env.RELAY.getByName(userId), (relay: UserRelay) => {
      const entry = relay.memory.sessions.get(id);
      if (entry) entry.lastSeenAt = Date.now() - 31 * MINUTE;
    });
    expect((await dispatch(client, deviceId)).status).toBe(202);
  });

  it("refuses, within a minute, a session ended in D1 that the relay was never told of", async () => {
    const { other, deviceId, userId } = await twoBrowsers();
    const id = await hashToken(other.token);
    // Ended behind the relay's back (as when the worker's call to tell it failed).
    await env.DB.prepare("DELETE FROM sessions WHERE id = ?").bind(id).run();
    // A minute on, the relay's memory still looks live, but it asks D1 again.
    await runInDurableObject(env.RELAY.getByName(userId), (relay: UserRelay) => {
      const entry = relay.memory.sessions.get(id);
      if (!entry) throw new Error("the relay has no such session cached");
      entry.checkedAt = Date.now() - MINUTE;
    });
    await expectSignedOut(other, deviceId);
    expect(await runInDurableObject(env.RELAY.getByName(userId), (relay: UserRelay) => relay.memory.sessions.has(id))).toBe(false);
  });

  it("drops a cached session whose idle-timer write finds no row in D1, so the next dispatch is refused", async () => {
    const { other, deviceId, userId } = await twoBrowsers();
    const id = await hashToken(other.token);
    await env.DB.prepare("DELETE FROM sessions WHERE id = ?").bind(id).run();
    // The timer is due to slide: that write matches no row any more.
    await runInDurableObject(env.RELAY.getByName(userId), (relay: UserRelay) => {
      const entry = relay.memory.sessions.get(id);
      if (entry) entry.lastSeenAt = Date.now() - 2 * MINUTE;
    });
    await dispatch(other, deviceId);
    await expect.poll(() => cached(userId, other)).toBe(false);
    await expectSignedOut(other, deviceId);
  });

  it("still takes a cookie from before the user part, checked in D1", async () => {
    const { client, deviceId } = await userWithDevice();
    const userId = await userIdOf(client);
    const legacy = "legacy-token-" + crypto.randomUUID();
    const now = Date.now();
    await env.DB.prepare("INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, proved_at, proved_with) VALUES (?, ?, ?, ?, ?, ?, 'password')")
      .bind(await hashToken(legacy), userId, now, now, now + 24 * 60 * MINUTE, now)
      .run();
    const old = new TestClient();
    old.cookie = `hearth_session=${legacy}`;
    expect((await dispatch(old, deviceId)).status).toBe(202);
    expect((await old.request("POST", "/api/auth/logout")).status).toBe(200);
    old.cookie = `hearth_session=${legacy}`;
    await expectSignedOut(old, deviceId);
  });
});
