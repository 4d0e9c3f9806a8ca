import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { CommandListQuery, DispatchRequest, commandView, cursorAfter } from "#protocol";
import { requireUser, requireUserAtRelay } from "../auth/session.ts";
import { dispatchAsSession } from "../auth/relay-session.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import { newestFirst, olderThan } from "../../../core/src/cursor.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody, queryParams } from "../http/validate.ts";
import { relayFor } from "../relay/stub.ts";
import { acceptedCommand, latestCommand, retryCommand } from "./dispatch.ts";
import { commandRecordOf } from "./record.ts";

const { commands } = schema;

/** /api/commands: run commands on the user's devices, through their relay, and read their records. */
export const commandsApi = new Hono<AppEnv>()
  .post("/", requireUserAtRelay, jsonBody(DispatchRequest), async (c) => {
    const body = c.req.valid("json");
    const input = { deviceId: body.device_id, command: body.command, deadlineMs: body.deadline_ms };
    // The round trip's hot path: where the relay can check the session, one RPC does both, and D1 is not read.
    const atRelay = c.get("relaySession");
    const outcome = atRelay ? await dispatchAsSession(c, atRelay, input) : await relayFor(c.env, c.get("auth").user.id).dispatch(input);
    return c.json({ command: acceptedCommand(outcome) }, 202);
  })

  .get("/", requireUser, queryParams(CommandListQuery), async (c) => {
    const userId = c.get("auth").user.id;
    const { limit, before, device_id } = c.req.valid("query");
    const rows = await openDb(c.env.DB)
      .select()
      .from(commands)
      .where(and(eq(commands.userId, userId), device_id ? eq(commands.deviceId, device_id) : undefined, olderThan(commands, before)))
      .orderBy(...newestFirst(commands))
      .limit(limit)
      .all();
    const last = rows[rows.length - 1];
    return c.json({ commands: rows.map((row) => commandView(commandRecordOf(row))), next_before: rows.length === limit && last ? cursorAfter(last.createdAt, last.id) : null }, 200);
  })

  .get("/:id", requireUser, async (c) => {
    const command = await latestCommand(c.env, c.get("auth").user.id, c.req.param("id"));
    if (!command) throw new ApiError(404, "not_found", "There is no such command.");
    return c.json({ command }, 200);
  })

  .post("/:id/retry", requireUser, async (c) => {
    return c.json({ command: await retryCommand(c.env, c.get("auth").user.id, c.req.param("id")) }, 202);
  });
