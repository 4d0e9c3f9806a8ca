import { and, eq, isNull } from "drizzle-orm";
import { Hono } from "hono";
import type { Context } from "hono";
import type { AgentDeviceResponse } from "#protocol";
import { RELAY_DEVICE_HEADER, RELAY_LATEST_AGENT_HEADER, RELAY_ROLE_HEADER, RELAY_USER_HEADER } from "../../../relay/src/index.ts";
import { requireUser } from "../auth/session.ts";
import { hashToken } from "../auth/tokens.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import { ApiError } from "../http/errors.ts";
import { latestAgentVersion } from "../install/index.ts";
import type { AppEnv } from "../http/types.ts";
import { revokeDevice } from "../devices/revoke.ts";
import { relayFor } from "./stub.ts";

function requireUpgrade(c: Context<AppEnv>): void {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "bad_request", "This address takes a WebSocket. Connect with a WebSocket client instead of a plain request.");
  }
}

/** Forwards an authenticated upgrade to the user's relay, with identity headers built here (never the client's). */
async function forward(c: Context<AppEnv>, userId: string, role: "browser" | "agent", deviceId?: string): Promise<Response> {
  const headers = new Headers();
  for (const name of ["upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "sec-websocket-protocol", "sec-websocket-extensions"]) {
    const value = c.req.header(name);
    if (value) headers.set(name, value);
  }
  headers.set(RELAY_USER_HEADER, userId);
  headers.set(RELAY_ROLE_HEADER, role);
  if (deviceId) headers.set(RELAY_DEVICE_HEADER, deviceId);
  // A tab's device statuses say "update available"; only the worker can read which version that is.
  if (role === "browser") headers.set(RELAY_LATEST_AGENT_HEADER, (await latestAgentVersion(c.env)) ?? "");
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

/** The live device that a request's `Authorization: Bearer <agent token>` belongs to; 401 for none. */
async function agentDevice(c: Context<AppEnv>, code: "agent_token_invalid" | "unauthorized") {
  const token = /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "")?.[1];
  if (!token) throw new ApiError(401, code, "This needs the agent's token as `Authorization: Bearer …`. Run `hearth pair` to get one.");
  const device = await openDb(c.env.DB)
    .select()
    .from(schema.devices)
    .where(and(eq(schema.devices.tokenHash, await hashToken(token)), isNull(schema.devices.revokedAt)))
    .get();
  if (!device) throw new ApiError(401, code, "This agent's token is not valid (the device may have been revoked). Run `hearth pair` again.");
  return device;
}

/**
 * /api/agent: a paired agent's socket, authenticated by its bearer token before the upgrade, and the agent's own
 * questions about itself (`hearth status`, `doctor`, `update`, `uninstall`), authenticated the same way.
 */
export const agent = new Hono<AppEnv>()
  .get("/", async (c) => {
    requireUpgrade(c);
    const device = await agentDevice(c, "agent_token_invalid");
    return forward(c, device.userId, "agent", device.id);
  })

  .get("/device", async (c) => {
    const device = await agentDevice(c, "unauthorized");
    const [user, latest] = await Promise.all([
      openDb(c.env.DB).select({ email: schema.users.email }).from(schema.users).where(eq(schema.users.id, device.userId)).get(),
      latestAgentVersion(c.env),
    ]);
    const body: AgentDeviceResponse = {
      device_id: device.id,
      name: device.name,
      user_email: user?.email ?? "",
      agent_version: device.agentVersion,
      latest_version: latest,
      server_time: Date.now(),
    };
    return c.json(body, 200);
  })

  // `hearth uninstall`: the device revokes itself, as the user's DELETE /api/devices/:id would.
  .delete("/device", async (c) => {
    const device = await agentDevice(c, "unauthorized");
    await revokeDevice(c.env, device.userId, device.id);
    return c.json({ revoked: true as const }, 200);
  });
