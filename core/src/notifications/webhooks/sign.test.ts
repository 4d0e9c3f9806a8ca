import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { WebhookPayload, encodeWebhookPayload } from "./payload.ts";
import type { WebhookNotification } from "./payload.ts";
import { isWebhookSecret, newWebhookSecret } from "./secret.ts";
import { signedRequest } from "./sign.ts";

describe("endpoint secrets", () => {
  it("are whsec_ and the base64 of 24 random bytes, different every time", () => {
    const secrets = Array.from({ length: 50 }, newWebhookSecret);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      expect(isWebhookSecret(secret)).toBe(true);
    }
    expect(new Set(secrets).size).toBe(50);
  });

  it("tells a well-formed secret from anything else", () => {
    expect(isWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toBe(true);
    expect(isWebhookSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toBe(false);
    expect(isWebhookSecret("whsec_c2hvcnQ=")).toBe(false);
    expect(isWebhookSecret("whsec_not base64 at all, not at all!")).toBe(false);
    expect(isWebhookSecret(`whsec_${btoa("x".repeat(65))}`)).toBe(false);
  });
});

describe("signing (Standard Webhooks)", () => {
  it("matches the spec's test vector", () => {
    const headers = signedRequest("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", {
      id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
      timestamp: new Date(1614265330 * 1000),
      body: '{"test": 2432232314}',
    });
    expect(headers).toEqual({
      "content-type": "application/json",
      "user-agent": "Hearth-Webhooks/1",
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    });
  });

  it("verifies with the package's verifier, and an edited body, id or timestamp does not", () => {
    const secret = newWebhookSecret();
    const body = encodeWebhookPayload("webhook.test", { endpoint_id: "whe_1", message: "It works." }, Date.now());
    const headers = signedRequest(secret, { id: "whd_1", timestamp: new Date(), body });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace("It works.", "It works!"), headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(body, { ...headers, "webhook-id": "whd_2" })).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(body, { ...headers, "webhook-timestamp": String(Number(headers["webhook-timestamp"]) - 1) })).toThrow(WebhookVerificationError);
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow("No matching signature found");
  });

  it("a retry signed ten minutes late is refused by receivers, so each attempt is signed afresh", () => {
    const secret = newWebhookSecret();
    const headers = signedRequest(secret, { id: "whd_1", timestamp: new Date(Date.now() - 10 * 60_000), body: "{}" });
    expect(() => new Webhook(secret).verify("{}", headers)).toThrow("Message timestamp too old");
  });

  it("signs once per secret while rotating", () => {
    const [before, after] = [newWebhookSecret(), newWebhookSecret()];
    const headers = signedRequest([before, after], { id: "whd_1", timestamp: new Date(), body: "{}" });
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(() => new Webhook(before).verify("{}", headers)).not.toThrow();
    expect(() => new Webhook(after).verify("{}", headers)).not.toThrow();
    expect(() => signedRequest([], { id: "whd_1", timestamp: new Date(), body: "{}" })).toThrow();
  });
});

describe("payloads (version 1)", () => {
  const at = Date.parse("2026-11-26T09:30:00Z");
  const notification: WebhookNotification = {
    id: "ntf_1",
    kind: "permission_requested",
    title: "Allow “files.read” on Studio Mac?",
    body: "The agent wants to read ~/Documents/taxes.",
    priority: "high",
    source: { type: "permission_request", id: "prq_1" },
    link: "https://hearth.example.com/permissions/prq_1",
    created_at: at,
    actions: [
      { id: "approve", label: "Approve", url: "https://hearth.example.com/api/actions#tok1", expires_at: at + 3_600_000 },
      { id: "deny", label: "Deny", url: "https://hearth.example.com/api/actions#tok2", expires_at: at + 3_600_000 },
      { id: "open", label: "Open", url: "https://hearth.example.com/permissions/prq_1", expires_at: null },
    ],
  };

  it("carry type, version 1, an ISO timestamp and the data, and read back through the schema", () => {
    const created = JSON.parse(encodeWebhookPayload("notification.created", { notification }, at));
    expect(created).toEqual({ type: "notification.created", version: 1, timestamp: "2026-11-26T09:30:00.000Z", data: { notification } });
    expect(WebhookPayload.parse(created)).toEqual(created);

    const digest = JSON.parse(encodeWebhookPayload("notification.digest", { since: at - 8 * 3_600_000, until: at, notifications: [notification] }, at));
    expect(WebhookPayload.parse(digest)).toMatchObject({ type: "notification.digest", data: { notifications: [{ id: "ntf_1" }] } });
  });

  it("refuses, on the way out, data that breaks the schema", () => {
    const broken: WebhookNotification = { ...notification, actions: [{ id: "approve", label: "Approve", url: "not a url", expires_at: null }] };
    expect(() => encodeWebhookPayload("notification.created", { notification: broken }, at)).toThrow();
  });

  it("a payload of another version, or an unknown type, is not a version 1 payload", () => {
    const test = { type: "webhook.test", version: 1, timestamp: "2026-11-26T09:30:00.000Z", data: { endpoint_id: "whe_1", message: "hi" } };
    expect(WebhookPayload.safeParse(test).success).toBe(true);
    expect(WebhookPayload.safeParse({ ...test, version: 2 }).success).toBe(false);
    expect(WebhookPayload.safeParse({ ...test, type: "notification.deleted" }).success).toBe(false);
  });
});
