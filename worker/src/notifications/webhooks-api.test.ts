import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import { DeliveryPage, DeliveryView, MAX_WEBHOOKS, WebhookCreated, WebhookRotated, WebhookView } from "#protocol";
import type { CreateWebhook } from "#protocol";
import { z } from "zod";
import { ORIGIN, TestClient, errorOf } from "../../../test/client.ts";
import type { ReceivedDelivery } from "../../../test/webhook-receiver.ts";
import { app } from "../app.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";

// Settings → Webhooks through the real worker and D1: endpoints are added (with the secret shown once), changed,
// rotated and removed; refused targets say why; each user sees only their own; the delivery log reads back
// what the relay recorded; "Send test" and "Resend" go through the user's relay to a real receiver on loopback.

const { webhookEndpoints, webhookDeliveries, webhookAttempts } = schema;
const receiver = inject("webhookReceiverUrl");
const PUBLIC_URL = "https://hooks.example.com/hearth";

async function signedIn(): Promise<TestClient> {
  const client = new TestClient();
  await client.register();
  return client;
}

async function create(client: TestClient, body: CreateWebhook): Promise<WebhookCreated> {
  const response = await client.request("POST", "/api/webhooks", { json: body });
  expect(response.status).toBe(201);
  return WebhookCreated.parse(await response.json());
}

async function list(client: TestClient): Promise<WebhookView[]> {
  const response = await client.request("GET", "/api/webhooks");
  expect(response.status).toBe(200);
  return z.object({ webhooks: z.array(WebhookView) }).parse(await response.json()).webhooks;
}

async function deliveries(client: TestClient, id: string, query = ""): Promise<DeliveryPage> {
  const response = await client.request("GET", `/api/webhooks/${id}/deliveries${query}`);
  expect(response.status).toBe(200);
  return DeliveryPage.parse(await response.json());
}

/** The same worker as production sees it: WEBHOOKS_ALLOW_PRIVATE is not "true". */
function createInProduction(client: TestClient, url: string): Promise<Response> {
  const headers = { origin: ORIGIN, cookie: client.cookie ?? "", "content-type": "application/json" };
  return Promise.resolve(app.request(`${ORIGIN}/api/webhooks`, { method: "POST", headers, body: JSON.stringify({ url }) }, { ...env, WEBHOOKS_ALLOW_PRIVATE: "false" }));
}

const OneWebhook = z.object({ webhook: WebhookView });

const storedSecret = async (id: string) => (await openDb(env.DB).select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get())?.secret;

describe("webhook endpoints", () => {
  it("adds an endpoint and shows its secret once; changes, rotates and deletes it", async () => {
    const client = await signedIn();
    const created = await create(client, { url: PUBLIC_URL, description: " Phone ", kinds: ["permission_requested", "command_failed", "permission_requested"] });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(created.webhook).toMatchObject({ url: PUBLIC_URL, description: "Phone", kinds: ["permission_requested", "command_failed"], enabled: true, disabled_reason: null, secret_rotated_at: null, last_delivery: null });
    const id = created.webhook.id;

    // The list never carries the secret.
    const listed = await client.request("GET", "/api/webhooks");
    expect(await listed.clone().text()).not.toContain(created.secret);
    expect((await list(client)).map((w) => w.id)).toEqual([id]);

    const patched = await client.request("PATCH", `/api/webhooks/${id}`, { json: { description: "", kinds: [], enabled: false } });
    expect(patched.status).toBe(200);
    expect(OneWebhook.parse(await patched.json()).webhook).toMatchObject({ description: null, kinds: [], enabled: false, disabled_reason: null });

    const rotated = await client.request("POST", `/api/webhooks/${id}/rotate`);
    expect(rotated.status).toBe(200);
    const { secret, webhook } = WebhookRotated.parse(await rotated.json());
    expect(secret).not.toBe(created.secret);
    expect(secret).toMatch(/^whsec_/);
    expect(webhook.secret_rotated_at).toBeGreaterThan(0);
    expect(await storedSecret(id)).toBe(secret);

    expect((await client.request("DELETE", `/api/webhooks/${id}`)).status).toBe(200);
    expect(await list(client)).toEqual([]);
    const gone = await client.request("PATCH", `/api/webhooks/${id}`, { json: { enabled: true } });
    expect(gone.status).toBe(404);
    expect((await errorOf(gone)).message).toMatch(/no such webhook/);
  });

  it("refuses SSRF targets with the reason on the url field; local ones only with the dev setting", async () => {
    const client = await signedIn();
    const refuse = async (response: Response, message: RegExp) => {
      expect(response.status).toBe(400);
      const error = await errorOf(response);
      expect(error).toMatchObject({ code: "validation_failed", field: "url" });
      expect(error.message).toMatch(message);
    };
    // Refused even in local dev: a metadata service, another scheme, credentials in the URL.
    await refuse(await client.request("POST", "/api/webhooks", { json: { url: "http://169.254.169.254/latest/meta-data/" } }), /cloud metadata service/);
    await refuse(await client.request("POST", "/api/webhooks", { json: { url: "https://[::ffff:169.254.169.254]/" } }), /cloud metadata service/);
    await refuse(await client.request("POST", "/api/webhooks", { json: { url: "file:///etc/passwd" } }), /use an https:\/\/ URL/);
    await refuse(await client.request("POST", "/api/webhooks", { json: { url: "https://user:pw@hooks.example.com/" } }), /user name and password/);
    await refuse(await client.request("POST", "/api/webhooks", { json: { url: "not a url" } }), /not a URL/);

    // In production: loopback, private, link-local and local names, and plain http.
    await refuse(await createInProduction(client, "https://127.0.0.1:8080/hook"), /loopback address/);
    await refuse(await createInProduction(client, "https://2130706433/hook"), /loopback address/);
    await refuse(await createInProduction(client, "https://10.1.2.3/hook"), /private address/);
    await refuse(await createInProduction(client, "https://169.254.10.1/hook"), /link-local address/);
    await refuse(await createInProduction(client, "https://printer.local/hook"), /inside a local network/);
    await refuse(await createInProduction(client, "http://hooks.example.com/hook"), /Use an https:\/\/ URL.*WEBHOOKS_ALLOW_PRIVATE/);
    expect((await createInProduction(client, PUBLIC_URL)).status).toBe(201);

    // Local dev (this test env sets WEBHOOKS_ALLOW_PRIVATE="true") may use a receiver on loopback.
    const local = await create(client, { url: "http://127.0.0.1:9/hook", kinds: [] });
    // A change of URL is checked the same way, and a refused one changes nothing.
    await refuse(await client.request("PATCH", `/api/webhooks/${local.webhook.id}`, { json: { url: "http://metadata.google.internal/" } }), /cloud metadata service/);
    expect((await list(client)).map((w) => w.url)).toEqual([PUBLIC_URL, "http://127.0.0.1:9/hook"]);
  });

  it("validates every input", async () => {
    const client = await signedIn();
    const { webhook } = await create(client, { url: PUBLIC_URL, kinds: [] });
    const fieldOf = async (response: Response) => {
      expect(response.status).toBe(400);
      return (await errorOf(response)).field;
    };
    expect(await fieldOf(await client.request("POST", "/api/webhooks", { json: { kinds: [] } }))).toBe("url");
    expect(await fieldOf(await client.request("POST", "/api/webhooks", { json: { url: PUBLIC_URL, kinds: ["everything"] } }))).toBe("kinds.0");
    expect(await fieldOf(await client.request("POST", "/api/webhooks", { json: { url: PUBLIC_URL, description: "x".repeat(201) } }))).toBe("description");
    expect(await fieldOf(await client.request("PATCH", `/api/webhooks/${webhook.id}`, { json: { enabled: "yes" } }))).toBe("enabled");
    const empty = await client.request("PATCH", `/api/webhooks/${webhook.id}`, { json: {} });
    expect(empty.status).toBe(400);
    expect((await errorOf(empty)).message).toMatch(/at least one of/);
    expect(await fieldOf(await client.request("GET", `/api/webhooks/${webhook.id}/deliveries?limit=0`))).toBe("limit");
    expect(await fieldOf(await client.request("GET", `/api/webhooks/${webhook.id}/deliveries?before=yesterday`))).toBe("before");
  });

  it(`allows at most ${MAX_WEBHOOKS} endpoints per user`, async () => {
    const client = await signedIn();
    for (let i = 0; i < MAX_WEBHOOKS; i++) await create(client, { url: `${PUBLIC_URL}/${i}`, kinds: [] });
    const over = await client.request("POST", "/api/webhooks", { json: { url: `${PUBLIC_URL}/over` } });
    expect(over.status).toBe(409);
    expect((await errorOf(over)).message).toMatch(/Delete one/);
    // Another user has their own allowance.
    await create(await signedIn(), { url: PUBLIC_URL, kinds: [] });
  });

  it("turning a disabled endpoint on again clears its reason and its failure count", async () => {
    const client = await signedIn();
    const { webhook } = await create(client, { url: PUBLIC_URL, kinds: [] });
    const reason = "Disabled after repeated failures: the receiver answered 500";
    await openDb(env.DB).update(webhookEndpoints).set({ enabled: false, disabledReason: reason, consecutiveFailures: 5 }).where(eq(webhookEndpoints.id, webhook.id));
    expect((await list(client))[0]).toMatchObject({ enabled: false, disabled_reason: reason });

    const enabled = await client.request("PATCH", `/api/webhooks/${webhook.id}`, { json: { enabled: true } });
    expect(OneWebhook.parse(await enabled.json()).webhook).toMatchObject({ enabled: true, disabled_reason: null });
    const row = await openDb(env.DB).select().from(webhookEndpoints).where(eq(webhookEndpoints.id, webhook.id)).get();
    expect(row).toMatchObject({ enabled: true, disabledReason: null, consecutiveFailures: 0 });
  });

  it("reads the delivery log newest first, each delivery with its attempts, paged", async () => {
    const client = await signedIn();
    const { webhook } = await create(client, { url: PUBLIC_URL, kinds: [] });
    const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
    const db = openDb(env.DB);
    const t = Date.now() - 60_000;
    const delivery = (n: number, status: "pending" | "delivered" | "failed", extra: Partial<typeof webhookDeliveries.$inferInsert> = {}) => ({
      id: `msg_log_${n}_${crypto.randomUUID().slice(0, 8)}`,
      endpointId: webhook.id,
      userId: me.user.id,
      eventType: "notification.created",
      payload: "{}",
      priority: "normal" as const,
      status,
      createdAt: t + n * 1000,
      ...extra,
    });
    const first = delivery(1, "delivered", { attempts: 2, deliveredAt: t + 5000, notificationId: "n-1" });
    const second = delivery(2, "failed", { attempts: 1 });
    const third = delivery(3, "pending", { attempts: 1, nextAttemptAt: t + 90_000 });
    await db.insert(webhookDeliveries).values([first, second, third]);
    await db.insert(webhookAttempts).values([
      { id: crypto.randomUUID(), deliveryId: first.id, attemptedAt: t + 1000, statusCode: 500, latencyMs: 120, responseSnippet: "oops", error: "The receiver answered 500." },
      { id: crypto.randomUUID(), deliveryId: first.id, attemptedAt: t + 5000, statusCode: 200, latencyMs: 80, responseSnippet: "ok", error: null },
      { id: crypto.randomUUID(), deliveryId: second.id, attemptedAt: t + 2000, statusCode: null, latencyMs: 10_000, responseSnippet: null, error: "No answer within 10 seconds." },
      { id: crypto.randomUUID(), deliveryId: third.id, attemptedAt: t + 4000, statusCode: 302, latencyMs: 45, responseSnippet: null, error: "Redirects are not followed." },
    ]);

    const page = await deliveries(client, webhook.id, "?limit=2");
    expect(page.deliveries.map((d) => d.id)).toEqual([third.id, second.id]);
    expect(page.deliveries[0]).toEqual({
      id: third.id,
      event_type: "notification.created",
      status: "pending",
      attempts: 1,
      next_attempt_at: t + 90_000,
      delivered_at: null,
      created_at: t + 3000,
      notification_id: null,
      attempts_log: [{ attempted_at: t + 4000, status_code: 302, latency_ms: 45, response_snippet: null, error: "Redirects are not followed." }],
    } satisfies DeliveryView);
    expect(page.next_before).not.toBeNull();

    const rest = await deliveries(client, webhook.id, `?limit=2&before=${page.next_before}`);
    expect(rest.next_before).toBeNull();
    expect(rest.deliveries).toHaveLength(1);
    expect(rest.deliveries[0]).toMatchObject({ id: first.id, status: "delivered", delivered_at: t + 5000, notification_id: "n-1" });
    expect(rest.deliveries[0]?.attempts_log.map((a) => [a.status_code, a.response_snippet])).toEqual([
      [200, "ok"],
      [500, "oops"],
    ]);

    // The endpoint's summary is its newest delivery, as of its last attempt.
    expect((await list(client))[0]?.last_delivery).toEqual({ status: "pending", at: t + 4000 });
  });

  it("keeps users apart: another user's endpoints and deliveries are 404 everywhere", async () => {
    const owner = await signedIn();
    const { webhook, secret } = await create(owner, { url: PUBLIC_URL, kinds: [] });
    const me: { user: { id: string } } = await (await owner.request("GET", "/api/auth/me")).json();
    const deliveryId = `msg_iso_${crypto.randomUUID().slice(0, 8)}`;
    await openDb(env.DB)
      .insert(webhookDeliveries)
      .values({ id: deliveryId, endpointId: webhook.id, userId: me.user.id, eventType: "webhook.test", payload: "{}", priority: "normal", status: "failed", createdAt: Date.now() });

    const other = await signedIn();
    expect(await list(other)).toEqual([]);
    const attempts: [string, string, unknown?][] = [
      ["PATCH", `/api/webhooks/${webhook.id}`, { enabled: false }],
      ["DELETE", `/api/webhooks/${webhook.id}`],
      ["POST", `/api/webhooks/${webhook.id}/rotate`],
      ["POST", `/api/webhooks/${webhook.id}/test`],
      ["GET", `/api/webhooks/${webhook.id}/deliveries`],
      ["POST", `/api/webhooks/deliveries/${deliveryId}/resend`],
    ];
    for (const [method, path, json] of attempts) {
      const response = await other.request(method, path, json === undefined ? {} : { json });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    // Nothing changed for the owner.
    expect((await list(owner))[0]).toMatchObject({ id: webhook.id, enabled: true });
    expect(await storedSecret(webhook.id)).toBe(secret);
    expect((await deliveries(owner, webhook.id)).deliveries.map((d) => d.id)).toEqual([deliveryId]);
  });

  it("sends a test through the relay to a real receiver; resends; a rotated secret takes over at once", async () => {
    if (!receiver) throw new Error("the webhook receiver is not running (vitest.config.ts globalSetup)");
    const client = await signedIn();
    const channel = crypto.randomUUID();
    const { webhook, secret } = await create(client, { url: `${receiver}/hooks/${channel}`, kinds: [] });
    await fetch(`${receiver}/__script/${channel}`, { method: "POST", body: JSON.stringify({ secret }) });
    const received = async (): Promise<ReceivedDelivery[]> => (await (await fetch(`${receiver}/__received/${channel}`)).json<{ requests: ReceivedDelivery[] }>()).requests;
    const me: { user: { id: string } } = await (await client.request("GET", "/api/auth/me")).json();
    const relay = env.RELAY.getByName(me.user.id);

    const test = await client.request("POST", `/api/webhooks/${webhook.id}/test`);
    expect(test.status).toBe(202);
    const { delivery_id } = z.object({ delivery_id: z.string() }).parse(await test.json());
    await runDurableObjectAlarm(relay);
    await expect.poll(async () => (await received()).map((r) => r.answered)).toEqual([200]);
    expect(JSON.parse((await received())[0]?.body ?? "{}")).toMatchObject({ type: "webhook.test", version: 1, data: { endpoint_id: webhook.id } });
    const [logged] = (await deliveries(client, webhook.id)).deliveries;
    expect(logged).toMatchObject({ id: delivery_id, event_type: "webhook.test", status: "delivered", attempts: 1 });
    expect(logged?.attempts_log).toMatchObject([{ status_code: 200, response_snippet: "ok", error: null }]);
    expect((await list(client))[0]?.last_delivery?.status).toBe("delivered");

    const resent = await client.request("POST", `/api/webhooks/deliveries/${delivery_id}/resend`);
    expect(resent.status).toBe(200);
    expect(z.object({ delivery: DeliveryView }).parse(await resent.json()).delivery).toMatchObject({ id: delivery_id, status: "pending" });
    await runDurableObjectAlarm(relay);
    await expect.poll(async () => (await received()).length).toBe(2);

    // After a rotation the receiver, still holding the old secret, rejects the next attempt.
    await client.request("POST", `/api/webhooks/${webhook.id}/rotate`);
    await client.request("POST", `/api/webhooks/deliveries/${delivery_id}/resend`);
    await runDurableObjectAlarm(relay);
    await expect.poll(async () => (await received()).map((r) => r.verified)).toEqual([true, true, false]);
  });
});
