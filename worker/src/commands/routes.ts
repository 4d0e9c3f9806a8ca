import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { ErrorCode, CommandListQuery, CommandStatus, DispatchRequest, commandView, cursorAfter } from "#protocol";
import type { CommandRecord, CommandView } from "#protocol";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { DispatchOutcome } from "../../../relay/src/index.ts";
import { requireUser } from "../auth/session.ts";
import { openDb, schema } from "../db/index.ts";
import type { CommandRow } from "../db/schema.ts";
import { newestFirst, olderThan } from "../http/cursor.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody, queryParams } from "../http/validate.ts";
import { relayFor } from "../relay/stub.ts";

const { commands } = schema;

/** A D1 history row read back as a command record; a status or code this build does not know reads as a failure. */
function recordOf(row: CommandRow): CommandRecord {
  return {
    id: row.id,
    deviceId: row.deviceId,
    seq: row.seq,
    status: CommandStatus.catch("failed").parse(row.status),
    command: { target: row.target, action: row.action, parameters: JSON.parse(row.parameters) },
    readOnly: row.readOnly,
    deadlineAt: row.deadlineAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    retryOf: row.retryOf,
    result: row.result === null ? undefined : JSON.parse(row.result),
    error: row.errorCode === null ? null : { code: ErrorCode.catch("internal").parse(row.errorCode), message: row.errorMessage ?? "" },
  };
}

/** HTTP statuses for the relay's refusals (the relay checks the device, the action and the queue bound). */
const REFUSAL_STATUS: Partial<Record<ErrorCode, ContentfulStatusCode>> = { not_found: 404, device_revoked: 409, not_ready: 409, queue_full: 429 };

function accepted(outcome: DispatchOutcome) {
  if (!outcome.ok) throw new ApiError(REFUSAL_STATUS[outcome.code] ?? 400, outcome.code, outcome.message, outcome.field ? { field: outcome.field } : undefined);
  return outcome.command;
}

/** /api/commands: run commands on the user's devices, through their relay, and read their records. */
export const commandsApi = new Hono<AppEnv>()
  .use(requireUser)
  .post("/", jsonBody(DispatchRequest), async (c) => {
    const userId = c.get("auth").user.id;
    const body = c.req.valid("json");
    const command = accepted(await relayFor(c.env, userId).dispatch({ deviceId: body.device_id, command: body.command, deadlineMs: body.deadline_ms }));
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
    return c.json({ commands: rows.map((row) => commandView(recordOf(row))), next_before: rows.length === limit && last ? cursorAfter(last.createdAt, last.id) : null }, 200);
  })

  .get("/:id", async (c) => {
    const row = await openDb(c.env.DB)
      .select()
      .from(commands)
      .where(and(eq(commands.id, c.req.param("id")), eq(commands.userId, c.get("auth").user.id)))
      .get();
    if (!row) throw new ApiError(404, "not_found", "There is no such command.");
    return c.json({ command: commandView(recordOf(row)) }, 200);
  })

  .post("/:id/retry", async (c) => {
    return c.json({ command: await retryCommand(c.env, c.get("auth").user.id, c.req.param("id")) }, 202);
  });

/** Runs a failed or expired command again, as a new command (the API's retry, and a notification's Retry). */
export async function retryCommand(env: Env, userId: string, commandId: string): Promise<CommandView> {
  const row = await openDb(env.DB).select().from(commands).where(and(eq(commands.id, commandId), eq(commands.userId, userId))).get();
  if (!row) throw new ApiError(404, "not_found", "There is no such command.");
  if (row.status !== "failed" && row.status !== "expired") {
    throw new ApiError(409, "conflict", "Only a failed or expired command can be retried; this one is still going or finished.");
  }
  return accepted(await relayFor(env, userId).dispatch({ deviceId: row.deviceId, command: recordOf(row).command, retryOf: row.id }));
}
