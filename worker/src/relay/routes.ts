import { and, eq, isNull } from "drizzle-orm";
import { Hono } from "hono";
import type { Context } from "hono";
import { RELAY_DEVICE_HEADER, RELAY_ROLE_HEADER, RELAY_USER_HEADER } from "../../../relay/src/index.ts";
import { requireUser } from "../auth/session.ts";
import { hashToken } from "../auth/tokens.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { relayFor } from "./stub.ts";

function requireUpgrade(c: Context<AppEnv>): void {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "bad_request", "This address takes a WebSocket. Connect with a WebSocket client instead of a plain request.");
  }
}

/** Forwards an authenticated upgrade to the user's relay, with identity headers built here (never the client's). */
function forward(c: Context<AppEnv>, userId: string, role: "browser" | "agent", deviceId?: string): Promise<Response> {
  const headers = new Headers();
  for (const name of ["upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "sec-websocket-protocol", "sec-websocket-extensions"]) {
    const value = c.req.header(name);
    if (value) headers.set(name, value);
  }
  headers.set(RELAY_USER_HEADER, userId);
  headers.set(RELAY_ROLE_HEADER, role);
  if (deviceId) headers.set(RELAY_DEVICE_HEADER, deviceId);
  return relayFor(c.env, userId).fetch(new Request(c.req.url, { headers }));
}

/** /api/relay: the browser's live socket to its user's relay. */
export const relay = new Hono<AppEnv>().get("/", requireUser, async (c) => {
  requireUpgrade(c);
  // Browsers always send Origin on a WebSocket; another site's page must not ride the user's cookie.
  if (c.req.header("origin") !== new URL(c.req.url).origin) {
    throw new ApiError(403, "forbidden_origin", "This socket was opened from another website, so it was refused. Use Hearth from its own address.");
  }
  return forward(c, c.get("auth").user.id, "browser");
});

/** /api/agent: a paired agent's socket, authenticated by its bearer token before the upgrade. */
export const agent = new Hono<AppEnv>().get("/", async (c) => {
  requireUpgrade(c);
  const token = /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "")?.[1];
  if (!token) throw new ApiError(401, "agent_token_invalid", "This socket needs the agent's token as `Authorization: Bearer …`. Run `hearth pair` to get one.");
  const device = await openDb(c.env.DB)
    .select({ id: schema.devices.id, userId: schema.devices.userId })
    .from(schema.devices)
    .where(and(eq(schema.devices.tokenHash, await hashToken(token)), isNull(schema.devices.revokedAt)))
    .get();
  if (!device) throw new ApiError(401, "agent_token_invalid", "This agent's token is not valid (the device may have been revoked). Run `hearth pair` again.");
  return forward(c, device.userId, "agent", device.id);
});
