import type { Context } from "hono";

/** Whether the request came over HTTPS: cookies are set `Secure` then (not on `http://localhost` in development). */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:";
}
