import type { Context } from "hono";

// Who is asking, read from the request's headers. There are two readings on purpose, and they must stay apart:
// - `clientAddress` keys the sign-in limits. It trusts only CF-Connecting-IP, which Cloudflare's edge sets and a
//   client cannot forge there; X-Forwarded-For is whatever the client wrote, so a limit keyed by it could be
//   escaped by sending a new value with every guess.
// - `clientIp` is for showing the user (a session's "signed in from", a pairing's "same network"). It falls back
//   to the first X-Forwarded-For hop, since `wrangler dev` may not set CF-Connecting-IP and a best guess is better
//   than nothing on a screen; nothing is allowed or refused on it.

/**
 * The client's address for rate limits (auth/lockout.ts). Cloudflare always sets CF-Connecting-IP in production;
 * without it (tests, some local setups) every request shares one bucket, which only makes the limit stricter.
 */
export function clientAddress(req: Request): string {
  return req.headers.get("cf-connecting-ip") ?? "local";
}

/**
 * The client's address to show: CF-Connecting-IP, else the first `X-Forwarded-For` hop (forgeable, so never for
 * a decision). Null when neither is known.
 */
export function clientIp(c: Context): string | null {
  const edge = c.req.header("cf-connecting-ip")?.trim();
  if (edge) return edge.slice(0, 64);
  const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded ? forwarded.slice(0, 64) : null;
}

/** "City, CC" from the edge's `request.cf` data, or null where it does not know (local development). */
export function clientPlace(c: Context): string | null {
  const cf: unknown = c.req.raw.cf;
  if (typeof cf !== "object" || cf === null) return null;
  const city = "city" in cf && typeof cf.city === "string" ? cf.city : null;
  const country = "country" in cf && typeof cf.country === "string" ? cf.country : null;
  const place = [city, country].filter((part) => part).join(", ");
  return place ? place.slice(0, 120) : null;
}
