import { createMiddleware } from "hono/factory";
import { ApiError } from "./errors.ts";
import type { AppEnv } from "./types.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** True when a browser says the request comes from a page of another origin. */
export function isForeignOrigin(req: Request): boolean {
  const origin = req.headers.get("origin");
  if (origin !== null) return origin !== new URL(req.url).origin;
  // No Origin header: a non-browser client (curl, the agent), unless Fetch Metadata says cross-site.
  const site = req.headers.get("sec-fetch-site");
  return site !== null && site !== "same-origin" && site !== "none";
}

/** CSRF guard: a state-changing request from another origin's page is refused. */
export const sameOriginWrites = createMiddleware<AppEnv>(async (c, next) => {
  if (!SAFE_METHODS.has(c.req.method) && isForeignOrigin(c.req.raw)) {
    throw new ApiError(403, "forbidden_origin", "This request came from another website, so it was refused. Use Hearth from its own address.");
  }
  await next();
});
