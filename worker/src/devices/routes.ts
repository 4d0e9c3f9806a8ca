import { and, asc, desc, eq } from "drizzle-orm";
import { Hono } from "hono";
import type { RefusedActivityView } from "#protocol";
import { deviceView } from "../../../relay/src/index.ts";
import { requireUser } from "../auth/session.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { latestAgentVersion } from "../install/index.ts";
import { relayFor } from "../relay/stub.ts";
import { revokeDevice } from "./revoke.ts";

const { activityRefusals, devices } = schema;

/** The device page lists at most this many refused events, newest first. */
const REFUSALS_SHOWN = 100;

/** /api/devices: the user's paired machines, with live status from the relay. */
export const devicesApi = new Hono<AppEnv>()
  .use(requireUser)
  .get("/", async (c) => {
    const userId = c.get("auth").user.id;
    const [rows, online, latest] = await Promise.all([
      openDb(c.env.DB).select().from(devices).where(eq(devices.userId, userId)).orderBy(asc(devices.createdAt)).all(),
      relayFor(c.env, userId).onlineDevices(),
      latestAgentVersion(c.env),
    ]);
    return c.json({ devices: rows.map((row) => deviceView(row, online.includes(row.id), latest)) }, 200);
  })

  // Activity this device sent that the server refused (schema drift), newest first, with the reason.
  .get("/:id/refused-activity", async (c) => {
    const userId = c.get("auth").user.id;
    const rows = await openDb(c.env.DB)
      .select()
      .from(activityRefusals)
      .where(and(eq(activityRefusals.userId, userId), eq(activityRefusals.deviceId, c.req.param("id"))))
      .orderBy(desc(activityRefusals.createdAt))
      .limit(REFUSALS_SHOWN)
      .all();
    const refused: RefusedActivityView[] = rows.map((row) => ({ id: row.id, event_id: row.eventId, reason: row.reason, event: row.event, created_at: row.createdAt }));
    return c.json({ refused }, 200);
  })

  // The user has read them: clear the list (the agent still keeps its copy until its retention ends).
  .delete("/:id/refused-activity", async (c) => {
    const userId = c.get("auth").user.id;
    await openDb(c.env.DB)
      .delete(activityRefusals)
      .where(and(eq(activityRefusals.userId, userId), eq(activityRefusals.deviceId, c.req.param("id"))))
      .run();
    return c.json({ ok: true }, 200);
  })

  .delete("/:id", async (c) => {
    const revoked = await revokeDevice(c.env, c.get("auth").user.id, c.req.param("id"));
    if (!revoked) throw new ApiError(404, "not_found", "There is no such device. It may have been removed already.");
    return c.json({ device: deviceView(revoked, false, await latestAgentVersion(c.env)) }, 200);
  });
