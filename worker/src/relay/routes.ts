import { Hono } from "hono";
import { RELAY_ROLE_HEADER, RELAY_USER_HEADER } from "../../../relay/src/index.ts";
import { requireUser } from "../auth/session.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";

/** /api/relay: the browser's live socket to its user's relay. */
export const relay = new Hono<AppEnv>().get("/", requireUser, async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "bad_request", "This address takes a WebSocket. Connect with new WebSocket(…) instead of a plain request.");
  }
  // Browsers always send Origin on a WebSocket; another site's page must not ride the user's cookie.
  if (c.req.header("origin") !== new URL(c.req.url).origin) {
    throw new ApiError(403, "forbidden_origin", "This socket was opened from another website, so it was refused. Use Hearth from its own address.");
  }
  const { user } = c.get("auth");
  const headers = new Headers(c.req.raw.headers);
  headers.set(RELAY_USER_HEADER, user.id);
  headers.set(RELAY_ROLE_HEADER, "browser");
  // One relay per user, addressed by name; partyserver reads the name from the id.
  return c.env.RELAY.getByName(user.id).fetch(new Request(c.req.raw, { headers }));
});
