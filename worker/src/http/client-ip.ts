import type { Context } from "hono";

/**
 * The client's address. Cloudflare's edge sets `CF-Connecting-IP` on every request and clients cannot forge it
 * there; `wrangler dev` may not, so the first `X-Forwarded-For` hop stands in locally. Null when neither is known.
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
