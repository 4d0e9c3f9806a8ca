import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { ErrorCode, CommandListQuery, CommandStatus, DispatchRequest, cursorAfter } from "#protocol";
import type { CommandView } from "#protocol";
import { requireUser } from "../auth/session.ts";
import { openDb, schema } from "../db/index.ts";
import type { CommandRow } from "../db/schema.ts";
import { newestFirst, olderThan } from "../http/cursor.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody, queryParams } from "../http/validate.ts";
import { relayFor } from "../relay/stub.ts";
import { acceptedCommand, retryCommand } from "./dispatch.ts";

const { commands } = schema;

function commandView(row: CommandRow): CommandView {
  const view: CommandView = {
    id: row.id,
    device_id: row.deviceId,
    target: row.target,
    action: row.action,
    parameters: JSON.parse(row.parameters),
    status: CommandStatus.catch("failed").parse(row.status),
    seq: row.seq,
    read_only: row.readOnly,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    deadline_at: row.deadlineAt,
    retry_of: row.retryOf,
  };
  if (row.result !== null) view.result = JSON.parse(row.result);
  if (row.errorCode !== null) view.error = { code: ErrorCode.catch("internal").parse(row.errorCode), message: row.errorMessage ?? "" };
  return view;
}

/** /api/commands: run commands on the user's devices, through their relay, and read their records. */
export const commandsApi = new Hono<AppEnv>()
  .use(requireUser)
  .post("/", jsonBody(DispatchRequest), async (c) => {
    const userId = c.get("auth").user.id;
    const body = c.req.valid("json");
    const command = acceptedCommand(await relayFor(c.env, userId).dispatch({ deviceId: body.device_id, command: body.command, deadlineMs: body.deadline_ms }));
    return c.json({ command }, 202);
  })

  .get("/", queryParams(CommandListQuery), async (c) => {
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
    return c.json({ commands: rows.map(commandView), next_before: rows.length === limit && last ? cursorAfter(last.createdAt, last.id) : null }, 200);
  })

  .get("/:id", async (c) => {
    const row = await openDb(c.env.DB)
      .select()
      .from(commands)
      .where(and(eq(commands.id, c.req.param("id")), eq(commands.userId, c.get("auth").user.id)))
      .get();
    if (!row) throw new ApiError(404, "not_found", "There is no such command.");
    return c.json({ command: commandView(row) }, 200);
  })

  .post("/:id/retry", async (c) => {
    return c.json({ command: await retryCommand(c.env, c.get("auth").user.id, c.req.param("id")) }, 202);
  });
