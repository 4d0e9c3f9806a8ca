import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./types.ts";

// The web app's own pages get the same protection from web/static/_headers (the assets binding serves them without
// the worker); its scripts are pinned by a hash that SvelteKit writes into the page (`csp` in web/vite.config.ts).

/**
 * What every API answer carries. The API answers JSON, event streams and the action pages, so its policy lets
 * nothing load or run; a header a route sets itself is kept (the action pages allow their one stylesheet).
 */
export const API_SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  // Not "no-referrer": under it a browser sends `Origin: null` with a same-origin POST, which the CSRF guard refuses.
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
};

/** HSTS, sent over https only (a browser ignores it over http anyway, and local development stays plain http). */
export const HSTS = "max-age=31536000; includeSubDomains";

/** Adds the security headers to every API answer that does not set its own. */
export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  // A WebSocket upgrade is not a document; its response comes straight from the relay and is left alone.
  if (c.res.status === 101) return;
  const headers = { ...API_SECURITY_HEADERS, ...(new URL(c.req.url).protocol === "https:" ? { "strict-transport-security": HSTS } : {}) };
  // A response passed through from the relay has immutable headers, so it is copied first.
  c.res = new Response(c.res.body, c.res);
  for (const [name, value] of Object.entries(headers)) {
    if (!c.res.headers.has(name)) c.res.headers.set(name, value);
  }
});
