// Endpoint signing secrets, in the Standard Webhooks format: `whsec_` and the base64 of the key's bytes.
// The spec asks for 24 to 64 random bytes; receivers' libraries (standardwebhooks, svix) decode this form as is.

export const WEBHOOK_SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 24;

/** A fresh signing secret for an endpoint, e.g. `whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw`. Shown to the user once. */
export function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
  return WEBHOOK_SECRET_PREFIX + btoa(String.fromCharCode(...bytes));
}

/** True for a string in that format, with 24 to 64 bytes of key. */
export function isWebhookSecret(value: string): boolean {
  if (!value.startsWith(WEBHOOK_SECRET_PREFIX)) return false;
  const key = value.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || key.length % 4 !== 0) return false;
  const bytes = (key.length / 4) * 3 - (key.endsWith("==") ? 2 : key.endsWith("=") ? 1 : 0);
  return bytes >= 24 && bytes <= 64;
}
