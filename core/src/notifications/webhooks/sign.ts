import { Webhook } from "standardwebhooks";

// Signing per the Standard Webhooks spec (https://www.standardwebhooks.com): the signature is
// `v1,` + base64(HMAC-SHA256(key, `${id}.${seconds}.${body}`)), made by the spec's own package, so what a
// receiver's verifier checks is exactly what we sign.

/** The headers of one signed delivery attempt. */
export type SignedHeaders = {
  "content-type": "application/json";
  "user-agent": string;
  /** The delivery's id: the same on every retry, so receivers can drop duplicates. */
  "webhook-id": string;
  /** Seconds since the epoch when this attempt was signed. */
  "webhook-timestamp": string;
  /** Space-separated `v1,<base64>` signatures, one per secret. */
  "webhook-signature": string;
};

export const WEBHOOK_USER_AGENT = "Hearth-Webhooks/1";

/**
 * Signs one attempt. `timestamp` must be the time of sending, not of the event: receivers refuse signatures
 * more than 5 minutes old, so each retry is signed afresh. Pass several secrets while rotating, to send one
 * signature per secret (the spec's zero-downtime rotation); receivers accept any one that matches.
 * @example fetch(url, { method: "POST", headers: signedRequest(secret, { id: delivery.id, timestamp: new Date(), body }), body })
 */
export function signedRequest(secret: string | readonly string[], message: { id: string; timestamp: Date; body: string }): SignedHeaders {
  const secrets = typeof secret === "string" ? [secret] : secret;
  if (secrets.length === 0) throw new Error("signedRequest needs at least one secret.");
  return {
    "content-type": "application/json",
    "user-agent": WEBHOOK_USER_AGENT,
    "webhook-id": message.id,
    "webhook-timestamp": String(Math.floor(message.timestamp.getTime() / 1000)),
    "webhook-signature": secrets.map((s) => new Webhook(s).sign(message.id, message.timestamp, message.body)).join(" "),
  };
}
