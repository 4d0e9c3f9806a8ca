import { and, eq } from "drizzle-orm";
import { CommandView, commandView } from "#protocol";
import type { ErrorCode } from "#protocol";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isFinal } from "../../../relay/src/index.ts";
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

/**
 * The command's latest state. D1 mirrors the relay a flush behind (the 202 does not wait for D1), so a command D1
 * does not show final (or not at all) is read from the relay, which has its latest state; a relay that has pruned
 * it (a day after it ended) leaves D1's copy.
 */
export async function latestCommand(env: Env, userId: string, commandId: string): Promise<CommandView | null> {
  const row = await openDb(env.DB).select().from(commands).where(and(eq(commands.id, commandId), eq(commands.userId, userId))).get();
  const stored = row ? commandView(commandRecordOf(row)) : null;
  if (stored && isFinal(stored.status)) return stored;
  return CommandView.nullable().parse(await relayFor(env, userId).command(commandId)) ?? stored;
}

/** Runs a failed or expired command again, as a new command (the API's retry, and a notification's Retry). */
export async function retryCommand(env: Env, userId: string, commandId: string): Promise<CommandView> {
  // The latest state: a retry pressed right after the failure finds it failed, though D1 may not show it yet.
  const original = await latestCommand(env, userId, commandId);
  if (!original) throw new ApiError(404, "not_found", "There is no such command.");
  if (original.status !== "failed" && original.status !== "expired") {
    throw new ApiError(409, "conflict", "Only a failed or expired command can be retried; this one is still going or finished.");
  }
  const command = { target: original.target, action: original.action, parameters: original.parameters };
  return acceptedCommand(await relayFor(env, userId).dispatch({ deviceId: original.device_id, command, retryOf: original.id }));
}
