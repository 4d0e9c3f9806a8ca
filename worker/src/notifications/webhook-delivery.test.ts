import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import type { NotificationView } from "#protocol";
import { TestClient } from "../../../test/client.ts";
import { userWithDevice } from "../../../test/sockets.ts";
import type { ReceivedDelivery } from "../../../test/webhook-receiver.ts";
import { WebhookPayload, newWebhookSecret } from "../../../core/src/notifications/webhooks/index.ts";
import { relayFor } from "../relay/stub.ts";
import { loadPreferences } from "../../../core/src/notifications/preferences.ts";
import type { PermissionRequestRecord } from "../../../relay/src/d1-sync.ts";
import { requestNotification } from "../../../relay/src/notices.ts";
import type { UserRelay } from "../../../relay/src/user-relay.ts";

// The relay's webhook sender, end to end in workerd: a notification becomes a signed delivery that a real
// receiver on loopback verifies with the standardwebhooks package; failures retry and are logged; a receiver
// that stays dead gets its endpoint turned off, and the user hears of it in the app; a backlog goes out by priority.

const receiver = inject("webhookReceiverUrl");
if (!receiver) throw new Error("the webhook receiver is not running (vitest.config.ts globalSetup)");

async function signedInUser(): Promise<{ client: TestClient; userId: string }> {
  const client = new TestClient();
  await client.register();
  const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
  return { client, userId: me.user.id };
}

/** An endpoint for the user, straight into D1 (the API has its own tests), pointing at a fresh receiver channel. */
async function endpointFor(userId: string, script: { fail?: number; otherwise?: { status: number } } = {}): Promise<{ id: string; channel: string }> {
  const channel = crypto.randomUUID();
  const secret = newWebhookSecret();
  await fetch(`${receiver}/__script/${channel}`, { method: "POST", body: JSON.stringify({ secret, ...script }) });
  const id = crypto.randomUUID();
  await env.DB.prepare("INSERT INTO webhook_endpoints (id, user_id, url, kinds, secret, enabled, consecutive_failures, created_at) VALUES (?, ?, ?, '[]', ?, 1, 0, ?)")
    .bind(id, userId, `${receiver}/hooks/${channel}`, secret, Date.now())
    .run();
  await relayFor(env, userId).webhooksChanged();
  return { id, channel };
}

async function received(channel: string): Promise<ReceivedDelivery[]> {
  const body: { requests: ReceivedDelivery[] } = await (await fetch(`${receiver}/__received/${channel}`)).json();
  return body.requests;
}

/** Something to tell: a large deposit (a high-priority notice by default). */
async function largeDeposit(client: TestClient, n: number, amount = 5000) {
  const event = { event_id: `deposit-${n}`, activity_type: "financial", timestamp: new Date().toISOString(), application: "Bank", details: { amount, currency: "USD", merchant: `Client ${n}` } };
  await client.request("POST", "/api/activities", { json: { events: [event] } });
}

/** A pending `webhook.test` delivery straight into D1, as if queued at `at` (not waking the relay). */
async function insertDelivery(userId: string, endpointId: string, message: string, priority: string, at: number): Promise<string> {
  const id = `msg_${crypto.randomUUID().replaceAll("-", "")}`;
  const body = JSON.stringify({ type: "webhook.test", version: 1, timestamp: new Date(at).toISOString(), data: { endpoint_id: endpointId, message } });
  await env.DB.prepare("INSERT INTO webhook_deliveries (id, endpoint_id, user_id, event_type, payload, priority, status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, 'webhook.test', ?, ?, 'pending', 0, ?, ?)")
    .bind(id, endpointId, userId, body, priority, at, at)
    .run();
  return id;
}

/** Makes every pending delivery of the user due now, and runs the relay's alarm. */
async function retryNow(userId: string) {
  await env.DB.prepare("UPDATE webhook_deliveries SET next_attempt_at = ? WHERE user_id = ? AND status = 'pending'").bind(Date.now() - 1, userId).run();
  await runDurableObjectAlarm(env.RELAY.getByName(userId));
}

describe("webhook deliveries", () => {
  it("sends a notification as a signed, versioned payload that the receiver verifies", async () => {
    const { client, userId } = await signedInUser();
    const { channel } = await endpointFor(userId);
    await largeDeposit(client, 1);
    await expect.poll(async () => (await received(channel)).length, { timeout: 5000 }).toBe(1);
    const [delivery] = await received(channel);
    expect(delivery).toMatchObject({ verified: true, answered: 200 });
    const payload = WebhookPayload.parse(JSON.parse(delivery?.body ?? ""));
    expect(payload).toMatchObject({ type: "notification.created", version: 1, data: { notification: { kind: "large_transaction", title: "Large deposit: $5,000.00", priority: "high" } } });
    if (payload.type !== "notification.created") throw new Error("unexpected type");
    expect(payload.data.notification.link).toMatch(/^http:\/\/hearth\.test\/dashboard\?/);
    const log = await env.DB.prepare("SELECT status, attempts FROM webhook_deliveries WHERE user_id = ?").bind(userId).all();
    expect(log.results).toEqual([{ status: "delivered", attempts: 1 }]);
  });

  it("gives a permission request's buttons signed, expiring links", async () => {
    const { client, deviceId } = await userWithDevice();
    const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
    const { channel } = await endpointFor(me.user.id);
    await client.request("POST", "/api/commands", { json: { device_id: deviceId, command: { target: "filesystem", action: "write", parameters: { path: "~/a.txt", content: "x" } } } });
    await expect.poll(async () => (await received(channel)).length).toBe(1);
    const [delivery] = await received(channel);
    const payload = WebhookPayload.parse(JSON.parse(delivery?.body ?? ""));
    if (payload.type !== "notification.created") throw new Error("unexpected type");
    const actions = payload.data.notification.actions;
    expect(actions.map((a) => [a.id, a.label])).toEqual([["approve", "Allow once"], ["deny", "Deny"]]);
    for (const action of actions) {
      // The token is in the fragment, so opening the link never puts it in a request line (or a log).
      expect(action.url).toMatch(/^http:\/\/hearth\.test\/api\/actions#[\w-]+\.[\w-]+$/);
      expect(action.expires_at).toBeGreaterThan(Date.now() + 23 * 60 * 60_000);
    }
  });

  it("sends no webhook for a permission request answered while its notification was being stored", async () => {
    const { client, deviceId } = await userWithDevice();
    const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
    const userId = me.user.id;
    const { channel } = await endpointFor(userId);
    const stored = await runInDurableObject(env.RELAY.getByName(userId), async (relay: UserRelay) => {
      const request: PermissionRequestRecord = {
        id: crypto.randomUUID(),
        deviceId,
        commandId: null,
        agentRef: "agent-ref",
        target: "filesystem",
        action: "write",
        context: "wants to write ~/a.txt",
        parameters: { path: "~/a.txt" },
        oneTime: true,
        status: "pending",
        decision: null,
        createdAt: Date.now(),
        decidedAt: null,
      };
      relay.queue.requests.put(request);
      relay.memory.preferences = await loadPreferences(env.DB, userId);
      const told = relay.notifier.notify(requestNotification(request));
      // The notifier has checked the request (still pending) and is waiting on D1: the user answers now.
      for (let i = 0; i < 20; i++) await Promise.resolve();
      relay.queue.requests.put({ ...request, status: "denied", decision: "deny", decidedAt: Date.now() });
      await told;
      return env.DB.prepare("SELECT outcome FROM notifications WHERE user_id = ? AND source_id = ?").bind(userId, request.id).first<{ outcome: string | null }>();
    });
    // It was stored (and settled) before the answer was seen: the late path, not the early drop.
    expect(stored?.outcome).toMatch(/Denied/);
    await retryNow(userId);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await received(channel)).toEqual([]);
    const pending = await env.DB.prepare("SELECT id FROM webhook_deliveries WHERE user_id = ? AND status = 'pending'").bind(userId).all();
    expect(pending.results).toEqual([]);
  });

  it("retries a flaky receiver until it answers, delivering once and logging every attempt", async () => {
    const { client, userId } = await signedInUser();
    const { channel } = await endpointFor(userId, { fail: 3 });
    await largeDeposit(client, 2);
    await expect.poll(async () => (await received(channel)).length).toBe(1);
    // Each retry comes when its backoff says; here, the test makes it due at once.
    await expect
      .poll(async () => {
        await retryNow(userId);
        return (await received(channel)).map((d) => d.answered);
      })
      .toEqual([500, 500, 500, 200]);
    const all = await received(channel);
    expect(all.map((d) => d.answered)).toEqual([500, 500, 500, 200]);
    expect(new Set(all.map((d) => d.id)).size).toBe(1); // one message, four tries: the receiver can dedupe
    const attempts = await env.DB.prepare("SELECT a.status_code FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.user_id = ? ORDER BY a.attempted_at").bind(userId).all();
    expect(attempts.results.map((row) => row.status_code)).toEqual([500, 500, 500, 200]);
    await retryNow(userId);
    expect(await received(channel)).toHaveLength(4);
  });

  it("turns off an endpoint that keeps failing, and tells the user in the app", async () => {
    const { client, userId } = await signedInUser();
    const { id } = await endpointFor(userId, { otherwise: { status: 503 } });
    for (let n = 0; n < 5; n++) {
      await largeDeposit(client, 10 + n);
      await expect.poll(async () => {
        // Past the 24-hour window (once the relay has queued it): the next failure is the delivery's last.
        await env.DB.prepare("UPDATE webhook_deliveries SET created_at = ? WHERE user_id = ? AND status = 'pending'").bind(Date.now() - 25 * 60 * 60_000, userId).run();
        await retryNow(userId);
        return (await env.DB.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE user_id = ? AND status = 'failed'").bind(userId).first<{ n: number }>())?.n;
      }).toBe(n + 1);
    }
    const endpoint = await env.DB.prepare("SELECT enabled, disabled_reason FROM webhook_endpoints WHERE id = ?").bind(id).first<{ enabled: number; disabled_reason: string }>();
    expect(endpoint?.enabled).toBe(0);
    expect(endpoint?.disabled_reason).toMatch(/503/);
    const page: { notifications: NotificationView[] } = await (await client.request("GET", "/api/notifications?kind=webhook_disabled")).json();
    expect(page.notifications.map((n) => n.title)).toEqual(["A webhook was turned off"]);
  });

  it("counts every delivery given up in one run, turning the endpoint off once", async () => {
    const { client, userId } = await signedInUser();
    const { id } = await endpointFor(userId, { otherwise: { status: 503 } });
    const dayAgo = Date.now() - 25 * 60 * 60_000;
    for (let n = 0; n < 4; n++) await insertDelivery(userId, id, `gave up ${n}`, "normal", dayAgo + n);
    // A manual resend of the fifth starts a send run; all five are then due, and past their 24 hours. The alarm
    // running beside it takes none of them twice.
    await relayFor(env, userId).resendDelivery(await insertDelivery(userId, id, "gave up 4", "normal", dayAgo + 4));
    await runDurableObjectAlarm(env.RELAY.getByName(userId));
    const endpoint = () => env.DB.prepare("SELECT enabled, consecutive_failures FROM webhook_endpoints WHERE id = ?").bind(id).first<{ enabled: number; consecutive_failures: number }>();
    await expect.poll(endpoint).toEqual({ enabled: 0, consecutive_failures: 5 });
    const attempts = await env.DB.prepare("SELECT count(*) AS n FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = ?").bind(id).first<{ n: number }>();
    expect(attempts?.n).toBe(5);
    const page: { notifications: NotificationView[] } = await (await client.request("GET", "/api/notifications?kind=webhook_disabled")).json();
    expect(page.notifications).toHaveLength(1);
  });

  it("sends a backlog larger than one run, each delivery once", async () => {
    const { userId } = await signedInUser();
    const { id, channel } = await endpointFor(userId);
    const at = Date.now() - 1000;
    for (let n = 0; n < 119; n++) await insertDelivery(userId, id, `backlog ${n}`, "normal", at + n);
    await relayFor(env, userId).resendDelivery(await insertDelivery(userId, id, "backlog 119", "normal", at + 119));
    await expect.poll(async () => (await received(channel)).length, { timeout: 15_000 }).toBe(120);
    const messages = (await received(channel)).map((d) => JSON.parse(d.body).data.message as string);
    expect(new Set(messages).size).toBe(120);
    const log = await env.DB.prepare("SELECT count(*) AS n, sum(attempts) AS attempts FROM webhook_deliveries WHERE endpoint_id = ? AND status = 'delivered'").bind(id).first();
    expect(log).toEqual({ n: 120, attempts: 120 });
  });

  it("sends a backlog highest priority first", async () => {
    const { userId } = await signedInUser();
    const { id, channel } = await endpointFor(userId);
    const at = Date.now() - 1000;
    for (const [n, priority] of [[1, "low"], [2, "urgent"], [3, "normal"], [4, "high"]] as const) await insertDelivery(userId, id, `${n} ${priority}`, priority, at + n);
    // A manual test send wakes the sender; it is the newest of the normal ones.
    await relayFor(env, userId).testWebhook(id);
    await expect.poll(async () => (await received(channel)).length).toBe(5);
    const order = (await received(channel)).map((d) => JSON.parse(d.body).data.message as string);
    // Each priority is sent before the next one starts; within one, up to 8 go at once, oldest first.
    expect(order.slice(0, 2)).toEqual(["2 urgent", "4 high"]);
    expect(order.slice(2, 4).sort()).toEqual(["3 normal", "This is a test from Hearth. Your endpoint works."]);
    expect(order[4]).toBe("1 low");
  });
});
