import { env } from "cloudflare:workers";
import { createScheduledController, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import type { NotificationView } from "#protocol";
import { TestClient } from "../../../test/client.ts";
import type { ReceivedDelivery } from "../../../test/webhook-receiver.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import { storeJobStatusNotice } from "../../../core/src/notifications/outbox.ts";
import type { OutboxNotice } from "../../../core/src/notifications/outbox.ts";
import { newWebhookSecret } from "../../../core/src/notifications/webhooks/index.ts";
import { relayFor } from "../relay/stub.ts";
import worker from "../index.ts";

// A job-status PATCH stores its notice in the same D1 batch as the change (the notice outbox), answers, and only
// then tells the relay. These tests hold the user's view of it: each change is told once, in the bell and by a
// signed webhook, whether the relay's call arrives, arrives twice, or never arrives (the sweep, the cron); and a
// delivery the relay sends at once, without waiting for its alarm, is neither lost nor sent twice across a restart.

const receiver = inject("webhookReceiverUrl");
if (!receiver) throw new Error("the webhook receiver is not running (vitest.config.ts globalSetup)");

const KIND = "job_status_changed";

type User = { client: TestClient; userId: string; channel: string };

/** A user whose job-status rule also sends by webhook, with one endpoint on a fresh receiver channel. */
async function userWithWebhook(script: { fail?: number } = {}): Promise<User> {
  const client = new TestClient();
  await client.register();
  const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
  const prefs: { rules: { kind: string; channels: Record<string, unknown> }[] } = await (await client.request("GET", "/api/notifications/preferences")).json();
  const rules = prefs.rules.map((rule) => (rule.kind === KIND ? { ...rule, enabled: true, channels: { ...rule.channels, webhook: { enabled: true, min_priority: "low" } } } : rule));
  expect((await client.request("PUT", "/api/notifications/preferences", { json: { rules } })).status).toBe(200);
  const channel = crypto.randomUUID();
  const secret = newWebhookSecret();
  await fetch(`${receiver}/__script/${channel}`, { method: "POST", body: JSON.stringify({ secret, ...script }) });
  await env.DB.prepare("INSERT INTO webhook_endpoints (id, user_id, url, kinds, secret, enabled, consecutive_failures, created_at) VALUES (?, ?, ?, '[]', ?, 1, 0, ?)")
    .bind(crypto.randomUUID(), me.user.id, `${receiver}/hooks/${channel}`, secret, Date.now())
    .run();
  await relayFor(env, me.user.id).webhooksChanged();
  return { client, userId: me.user.id, channel };
}

async function application(client: TestClient, company = "Acme"): Promise<string> {
  const response = await client.request("POST", "/api/activities/applications", { json: { company, role: "Engineer", status: "applied" } });
  expect(response.status).toBe(201);
  const body: { activity: { id: string } } = await response.json();
  return body.activity.id;
}

const patch = (client: TestClient, id: string, json: unknown) => client.request("PATCH", `/api/activities/${id}`, { json });

/** What the receiver got on the channel: each delivery's notification, and how it was answered. */
async function received(channel: string): Promise<{ source: string; notification: string; title: string; body: string; answered: number }[]> {
  const body: { requests: ReceivedDelivery[] } = await (await fetch(`${receiver}/__received/${channel}`)).json();
  return body.requests.map((d) => {
    const n = JSON.parse(d.body).data.notification;
    return { source: n.source.id, notification: n.id, title: n.title, body: n.body, answered: d.answered };
  });
}

async function count(sql: string, userId: string): Promise<number> {
  return (await env.DB.prepare(sql).bind(userId).first<{ n: number }>())?.n ?? -1;
}
const waiting = (userId: string) => count("SELECT count(*) AS n FROM notice_outbox WHERE user_id = ?", userId);
const notificationsOf = (userId: string) => count(`SELECT count(*) AS n FROM notifications WHERE user_id = ? AND kind = '${KIND}'`, userId);

/** The PATCH's durable half alone (its D1 batch), as if its call to the relay then failed: the notice waits. */
async function changeWithoutCall(userId: string, activityId: string, to: "interview" | "offer"): Promise<OutboxNotice> {
  const db = openDb(env.DB);
  const { activities } = schema;
  const [stored] = await db.batch([
    storeJobStatusNotice(db, { id: crypto.randomUUID(), userId, activityId, to, at: Date.now() }),
    db.update(activities).set({ jobStatus: to, updatedAt: Date.now() }).where(and(eq(activities.id, activityId), eq(activities.userId, userId))),
  ]);
  const [notice] = stored;
  if (!notice) throw new Error("the batch stored no notice");
  return notice;
}

const cron = (at: number) => worker.scheduled(createScheduledController({ scheduledTime: at, cron: "17 3 * * *" }), env);

describe("job-status notices", () => {
  it("tells a status change once, in the bell and by webhook; a change that changes nothing tells nothing", async () => {
    const { client, userId, channel } = await userWithWebhook();
    const id = await application(client);
    const answer = await patch(client, id, { job_status: "interview" });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { activity: { job_status: string } }).activity.job_status).toBe("interview");
    await expect.poll(async () => (await received(channel)).length).toBe(1);
    expect(await received(channel)).toEqual([expect.objectContaining({ source: id, title: "Acme: interview", body: "Engineer at Acme moved from applied to interview.", answered: 200 })]);
    const page: { notifications: NotificationView[] } = await (await client.request("GET", `/api/notifications?kind=${KIND}`)).json();
    expect(page.notifications.map((n) => n.title)).toEqual(["Acme: interview"]);
    await expect.poll(() => waiting(userId)).toBe(0);

    // The same status again, and a change of tags: nothing to tell.
    expect((await patch(client, id, { job_status: "interview" })).status).toBe(200);
    expect((await patch(client, id, { tags: ["remote"] })).status).toBe(200);
    expect(await waiting(userId)).toBe(0);
    await runDurableObjectAlarm(env.RELAY.getByName(userId));
    expect(await received(channel)).toHaveLength(1);
    expect(await notificationsOf(userId)).toBe(1);
  });

  it("tells nothing of a change while the rule is off; a notice stored just before it was turned off leaves the outbox", async () => {
    const { client, userId, channel } = await userWithWebhook();
    const [early, ...ids] = await Promise.all([application(client, "Initrode"), application(client, "Umbrella"), application(client, "Stark")]);
    const notice = await changeWithoutCall(userId, early!, "interview"); // stored while the rule was on
    const prefs: { rules: { kind: string }[] } = await (await client.request("GET", "/api/notifications/preferences")).json();
    const rules = prefs.rules.map((rule) => (rule.kind === KIND ? { ...rule, enabled: false } : rule));
    expect((await client.request("PUT", "/api/notifications/preferences", { json: { rules } })).status).toBe(200);
    await Promise.all(ids.map((id) => patch(client, id, { job_status: "offer" })));
    expect(await waiting(userId)).toBe(1); // the PATCHes stored none: the saved rule is off
    await relayFor(env, userId).noticeStored(notice); // the relay applies the rule as it is now, and drops it
    await expect.poll(() => waiting(userId)).toBe(0);
    expect(await notificationsOf(userId)).toBe(0);
    expect(await received(channel)).toEqual([]);
  });

  it("tells a change whose call to the relay never came: the daily cron has the relay sweep its outbox, once", async () => {
    const { client, userId, channel } = await userWithWebhook();
    const id = await application(client, "Initech");
    await changeWithoutCall(userId, id, "offer");
    await evictDurableObject(env.RELAY.getByName(userId)); // a restart: the relay remembers nothing of it
    expect(await waiting(userId)).toBe(1);
    // Not yet stale: the cron leaves it to the call that may still be on its way.
    await cron(Date.now());
    expect(await notificationsOf(userId)).toBe(0);
    await cron(Date.now() + 2 * 60_000);
    await expect.poll(async () => (await received(channel)).map((r) => [r.source, r.title])).toEqual([[id, "Initech: offer"]]);
    expect(await waiting(userId)).toBe(0);
    await cron(Date.now() + 4 * 60_000);
    await runDurableObjectAlarm(env.RELAY.getByName(userId));
    expect(await received(channel)).toHaveLength(1);
    expect(await notificationsOf(userId)).toBe(1);
  });

  it("tells a stranded change with the next one: a restarted relay sweeps its outbox on its first notice", async () => {
    const { client, userId, channel } = await userWithWebhook();
    const [stranded, next] = [await application(client, "Globex"), await application(client, "Hooli")];
    await changeWithoutCall(userId, stranded, "interview");
    await evictDurableObject(env.RELAY.getByName(userId));
    expect((await patch(client, next, { job_status: "offer" })).status).toBe(200);
    await expect.poll(async () => (await received(channel)).map((r) => r.title).sort()).toEqual(["Globex: interview", "Hooli: offer"]);
    expect(await waiting(userId)).toBe(0);
    expect(await notificationsOf(userId)).toBe(2);
  });

  it("makes one notification and one delivery of a notice handed over several times at once", async () => {
    const { client, userId, channel } = await userWithWebhook();
    const id = await application(client);
    const notice = await changeWithoutCall(userId, id, "interview");
    const relay = relayFor(env, userId);
    await Promise.all([relay.noticeStored(notice), relay.sweepNotices(), relay.noticeStored(notice)]);
    await relay.noticeStored(notice); // after it was handled: the outbox no longer has it, its notification keeps its id
    await expect.poll(async () => (await received(channel)).length).toBe(1);
    await runDurableObjectAlarm(env.RELAY.getByName(userId));
    expect(await received(channel)).toHaveLength(1);
    expect(await notificationsOf(userId)).toBe(1);
    expect(await count("SELECT count(*) AS n FROM webhook_deliveries WHERE user_id = ?", userId)).toBe(1);
  });

  it("sends a delivery at once, without the alarm; its retry survives a restart and it is delivered once", async () => {
    const { client, userId, channel } = await userWithWebhook({ fail: 1 });
    const id = await application(client);
    expect((await patch(client, id, { job_status: "interview" })).status).toBe(200);
    // The first attempt is the relay's own run, not its alarm's.
    await expect.poll(async () => (await received(channel)).map((r) => r.answered)).toEqual([500]);
    await evictDurableObject(env.RELAY.getByName(userId));
    await env.DB.prepare("UPDATE webhook_deliveries SET next_attempt_at = ? WHERE user_id = ? AND status = 'pending'").bind(Date.now() - 1, userId).run();
    await runDurableObjectAlarm(env.RELAY.getByName(userId));
    await expect.poll(async () => (await received(channel)).map((r) => r.answered)).toEqual([500, 200]);
    await runDurableObjectAlarm(env.RELAY.getByName(userId));
    expect(await received(channel)).toHaveLength(2);
    const log = await env.DB.prepare("SELECT status, attempts FROM webhook_deliveries WHERE user_id = ?").bind(userId).all();
    expect(log.results).toEqual([{ status: "delivered", attempts: 2 }]);
  });

  it("tells 24 changes made at once each once, with the alarm running among the sends", async () => {
    const { client, userId, channel } = await userWithWebhook();
    const ids = await Promise.all(Array.from({ length: 24 }, (_, i) => application(client, `Company ${i}`)));
    const answers = await Promise.all([...ids.map((id, i) => patch(client, id, { job_status: i % 2 ? "offer" : "interview" })), runDurableObjectAlarm(env.RELAY.getByName(userId))]);
    expect(answers.slice(0, 24).map((a) => (a instanceof Response ? a.status : 0))).toEqual(ids.map(() => 200));
    await runDurableObjectAlarm(env.RELAY.getByName(userId));
    await expect.poll(async () => (await received(channel)).length, { timeout: 10_000 }).toBe(24);
    const all = await received(channel);
    expect(new Set(all.map((r) => r.source))).toEqual(new Set(ids));
    expect(new Set(all.map((r) => r.notification)).size).toBe(24);
    const log = await env.DB.prepare("SELECT count(*) AS n, sum(attempts) AS attempts FROM webhook_deliveries WHERE user_id = ? AND status = 'delivered'").bind(userId).first();
    expect(log).toEqual({ n: 24, attempts: 24 });
    expect(await waiting(userId)).toBe(0);
  });
});
