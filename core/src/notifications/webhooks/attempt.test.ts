import { describe, expect, inject, it } from "vitest";
import type { ReceivedDelivery, ReceiverScript } from "../../../../test/webhook-receiver.ts";
import { attemptDelivery } from "./attempt.ts";
import type { AttemptResult } from "./attempt.ts";
import { DISABLE_AFTER_FAILED_DELIVERIES, RETRY_POLICY, afterDelivery, nextAttemptAt, retryCeilingMs } from "./backoff.ts";
import { WebhookPayload, encodeWebhookPayload } from "./payload.ts";
import { newWebhookSecret } from "./secret.ts";

const receiverUrl: string | undefined = inject("webhookReceiverUrl");
if (!receiverUrl) throw new Error("webhookReceiverUrl is not provided: vitest.config.ts should run test/webhook-receiver-setup.ts as globalSetup");

/** A fresh channel on the loopback receiver, which verifies with `secret` and answers as scripted. */
async function receiver(script: Omit<ReceiverScript, "secret"> = {}, secret = newWebhookSecret()) {
  const name = crypto.randomUUID();
  const scripted = await fetch(`${receiverUrl}/__script/${name}`, { method: "POST", body: JSON.stringify({ secret, ...script }) });
  expect(scripted.status).toBe(200);
  return {
    endpoint: { url: `${receiverUrl}/hooks/${name}`, secret },
    received: async () => (await (await fetch(`${receiverUrl}/__received/${name}`)).json<{ requests: ReceivedDelivery[] }>()).requests,
  };
}

const message = (id = `whd_${crypto.randomUUID()}`) => ({
  id,
  body: encodeWebhookPayload("webhook.test", { endpoint_id: "whe_test", message: "Hello from Hearth." }, Date.now()),
});
// The receiver is on loopback, which only local development may reach.
const dev = { allowPrivate: true };

describe("a delivery attempt, against a real receiver on loopback", () => {
  it("is signed so that the standardwebhooks verifier accepts it, and is logged as delivered", async () => {
    const { endpoint, received } = await receiver();
    const sent = message();
    const result = await attemptDelivery(endpoint, sent, dev);
    expect(result).toMatchObject({ ok: true, outcome: "delivered", statusCode: 200, responseSnippet: "ok", error: null });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);

    const [got, ...more] = await received();
    expect(more).toEqual([]);
    expect(got).toMatchObject({ verified: true, error: null, id: sent.id, body: sent.body, contentType: "application/json" });
    expect(Math.abs(Number(got?.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(WebhookPayload.parse(JSON.parse(got?.body ?? ""))).toMatchObject({ type: "webhook.test", version: 1, data: { endpoint_id: "whe_test" } });
  });

  it("signed with another secret, is rejected by the receiver's verifier", async () => {
    const { endpoint, received } = await receiver();
    const result = await attemptDelivery({ ...endpoint, secret: newWebhookSecret() }, message(), dev);
    expect(result).toMatchObject({ ok: false, outcome: "http_error", statusCode: 401, error: "the receiver answered HTTP 401" });
    expect(result.responseSnippet).toContain("signature rejected");
    expect(await received()).toMatchObject([{ verified: false, error: "No matching signature found", answered: 401 }]);
  });

  it("while a secret is rotated, carries one signature per secret, and the receiver accepts either", async () => {
    const { endpoint, received } = await receiver();
    const result = await attemptDelivery({ ...endpoint, secret: [newWebhookSecret(), endpoint.secret] }, message(), dev);
    expect(result.ok).toBe(true);
    const [got] = await received();
    expect(got?.signature?.split(" ")).toHaveLength(2);
    expect(got?.verified).toBe(true);
  });

  it("gives up at its timeout when the receiver hangs", async () => {
    const { endpoint } = await receiver({ otherwise: { status: 200, hangMs: 5_000 } });
    const result = await attemptDelivery(endpoint, message(), { ...dev, timeoutMs: 1_000 });
    expect(result).toMatchObject({ ok: false, outcome: "timeout", statusCode: null, responseSnippet: null, error: "timed out after 1 s" });
    expect(result.latencyMs).toBeGreaterThanOrEqual(900);
    expect(result.latencyMs).toBeLessThan(4_000);
  });

  it("does not follow a redirect, and says where it pointed", async () => {
    const elsewhere = await receiver();
    const { endpoint, received } = await receiver({ otherwise: { status: 302, location: elsewhere.endpoint.url } });
    const result = await attemptDelivery(endpoint, message(), dev);
    expect(result).toMatchObject({ ok: false, outcome: "redirect", statusCode: 302, error: `redirects are not followed (Location: ${elsewhere.endpoint.url})` });
    expect(await received()).toHaveLength(1);
    expect(await elsewhere.received()).toEqual([]);
  });

  it("keeps the first 512 characters of the response, and never half a character", async () => {
    const long = await receiver({ otherwise: { status: 200, body: "é".repeat(300) + "x".repeat(100_000) } });
    const snippet = (await attemptDelivery(long.endpoint, message(), dev)).responseSnippet;
    expect(snippet).toBe("é".repeat(300) + "x".repeat(212));

    const emoji = await receiver({ otherwise: { status: 500, body: "a".repeat(511) + "😀 and more" } });
    const failed = await attemptDelivery(emoji.endpoint, message(), dev);
    expect(failed).toMatchObject({ ok: false, statusCode: 500, responseSnippet: "a".repeat(511) });
  });

  it("refuses a loopback target outside local development, without sending anything", async () => {
    const { endpoint, received } = await receiver();
    const result = await attemptDelivery(endpoint, message(), { allowPrivate: false });
    expect(result).toMatchObject({ ok: false, outcome: "refused", statusCode: null, latencyMs: 0 });
    expect(result.error).toMatch(/^not sent: Use an https:\/\/ URL/);
    const https = await attemptDelivery({ ...endpoint, url: "https://169.254.169.254/latest/meta-data/" }, message(), { allowPrivate: true });
    expect(https.error).toBe("not sent: 169.254.169.254 is a cloud metadata service; webhooks are never sent there.");
    expect(await received()).toEqual([]);
  });

  it("reports a receiver that is not listening as a connection failure", async () => {
    const result = await attemptDelivery({ url: "http://127.0.0.1:9/hooks", secret: newWebhookSecret() }, message(), dev);
    expect(result).toMatchObject({ ok: false, outcome: "network", statusCode: null });
    expect(result.error).toMatch(/^could not connect: /);
  });
});

/** Retries one delivery on the backoff schedule, in simulated time, until it is delivered or given up. */
async function deliverWithRetries(endpoint: { url: string; secret: string }, id: string, createdAt: number, random?: () => number) {
  const log: { at: number; result: AttemptResult }[] = [];
  let at: number | null = createdAt;
  while (at !== null) {
    // Signed with the real clock (the receiver checks it); scheduled on the simulated one.
    const result = await attemptDelivery(endpoint, message(id), dev);
    log.push({ at, result });
    if (result.ok) return { delivered: true, log };
    at = nextAttemptAt(log.length, createdAt, at, random);
  }
  return { delivered: false, log };
}

describe("retries on the backoff schedule", () => {
  const createdAt = Date.parse("2026-11-26T09:00:00Z");

  it("a flaky receiver fails 3 times, then takes the delivery: delivered once, every attempt logged", async () => {
    const { endpoint, received } = await receiver({ fail: 3 });
    const id = `whd_${crypto.randomUUID()}`;
    const { delivered, log } = await deliverWithRetries(endpoint, id, createdAt);
    expect(delivered).toBe(true);
    expect(log.map((a) => [a.result.statusCode, a.result.error])).toEqual([
      [500, "the receiver answered HTTP 500"],
      [500, "the receiver answered HTTP 500"],
      [500, "the receiver answered HTTP 500"],
      [200, null],
    ]);
    expect(log[0]?.result.responseSnippet).toBe("receiver failure");
    // Each wait is within its jittered ceiling: 30 s, then 1 min, then 2 min.
    for (let i = 1; i < log.length; i++) {
      const wait = (log[i]?.at ?? 0) - (log[i - 1]?.at ?? 0);
      expect(wait).toBeGreaterThanOrEqual(RETRY_POLICY.minDelayMs);
      expect(wait).toBeLessThanOrEqual(retryCeilingMs(i));
    }
    // The receiver saw the same webhook-id four times, every one verified, and accepted exactly one.
    const requests = await received();
    expect(requests.map((r) => [r.id, r.verified, r.answered])).toEqual([
      [id, true, 500],
      [id, true, 500],
      [id, true, 500],
      [id, true, 200],
    ]);
  });

  it("a dead receiver: each delivery is given up after 24 hours, and after 5 such deliveries the endpoint is disabled", async () => {
    const { endpoint, received } = await receiver({ otherwise: { status: 503, body: "down for maintenance" } });
    let health = { consecutiveFailedDeliveries: 0, disable: false };
    let deliveries = 0;
    // The longest waits (random = 1) make the fewest attempts, which keeps this quick.
    while (!health.disable) {
      const start = createdAt + deliveries * RETRY_POLICY.retryForMs;
      const { delivered, log } = await deliverWithRetries(endpoint, `whd_dead_${deliveries}`, start, () => 1);
      expect(delivered).toBe(false);
      expect(log.at(-1)?.at).toBe(start + RETRY_POLICY.retryForMs);
      expect(log.every((a) => a.result.statusCode === 503 && a.result.responseSnippet === "down for maintenance")).toBe(true);
      health = afterDelivery(health.consecutiveFailedDeliveries, "gave_up");
      deliveries++;
    }
    expect(deliveries).toBe(DISABLE_AFTER_FAILED_DELIVERIES);
    expect((await received()).length).toBeGreaterThan(deliveries * 20);
  });
});
