import { and, eq } from "drizzle-orm";
import type { CommandView, ErrorCode } from "#protocol";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { DispatchOutcome } from "../../../relay/src/index.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import { ApiError } from "../http/errors.ts";
import { relayFor } from "../relay/stub.ts";
import { commandRecordOf } from "./record.ts";

// Sending a command through the user's relay, for every caller: the commands API and a notification's Retry
// button (in the app or from a signed link). Domain code: routes call it, it never imports a route.

const { commands } = schema;

/** HTTP statuses for the relay's refusals (the relay checks the device, the action and the queue bound). */
const REFUSAL_STATUS: Partial<Record<ErrorCode, ContentfulStatusCode>> = { not_found: 404, device_revoked: 409, not_ready: 409, queue_full: 429, payload_too_large: 413 };

/** The queued command, or the relay's refusal thrown as an ApiError with its HTTP status. */
export function acceptedCommand(outcome: DispatchOutcome): CommandView {
  if (!outcome.ok) throw new ApiError(REFUSAL_STATUS[outcome.code] ?? 400, outcome.code, outcome.message, outcome.field ? { field: outcome.field } : undefined);
  return outcome.command;
}

/** Runs a failed or expired command again, as a new command (the API's retry, and a notification's Retry). */
export async function retryCommand(env: Env, userId: string, commandId: string): Promise<CommandView> {
  const row = await openDb(env.DB).select().from(commands).where(and(eq(commands.id, commandId), eq(commands.userId, userId))).get();
  if (!row) throw new ApiError(404, "not_found", "There is no such command.");
  if (row.status !== "failed" && row.status !== "expired") {
    throw new ApiError(409, "conflict", "Only a failed or expired command can be retried; this one is still going or finished.");
  }
  const { command } = commandRecordOf(row);
  return acceptedCommand(await relayFor(env, userId).dispatch({ deviceId: row.deviceId, command, retryOf: row.id }));
}
