import { commandSubject, defaultScope, scopeCovers } from "#protocol";
import type { Decision, Json } from "#protocol";
import type { PermissionRequestRecord } from "./d1-sync.ts";
import { grantFor } from "./permission-rules.ts";
import { openDb, schema } from "../../core/src/db/index.ts";

// The grant an answer to a permission request leaves: "Allow for 1 hour" and "Always allow" store a rule with
// exactly the scope the prompt showed and the user chose (the narrowest on offer when none was sent).

type Refusal = { ok: false; code: "validation_failed"; message: string; field: string };

/**
 * The scope a grant for this request gets: the one the user chose, when it covers the request (a grant that would
 * not even cover what was asked is a mistake, refused with the reason), else the narrowest on offer.
 */
export function grantScope(
  request: { target: string; action: string; parameters: Record<string, Json> },
  chosen: string | null | undefined,
): { ok: true; scope: string | null } | Refusal {
  if (chosen === undefined) return { ok: true, scope: defaultScope(request) };
  if (scopeCovers(chosen, request)) return { ok: true, scope: chosen };
  const subject = commandSubject(request);
  const message = subject === null
    ? `${request.target}.${request.action} names no path, URL, program or app, so its grant can only cover everything. Send scope null.`
    : `The scope "${chosen}" does not cover ${subject}, which this request is about. Pick a scope that covers it, like "${defaultScope(request) ?? subject}".`;
  return { ok: false, code: "validation_failed", message, field: "scope" };
}

/**
 * Stores the rule a decision leaves, if any, in D1 before the relay acts on the answer. Returns the grant (null
 * for "Allow once" and "Deny") and its scope, or the refusal of a scope that does not cover the request.
 */
export async function recordGrant(
  db: D1Database,
  userId: string,
  request: PermissionRequestRecord,
  decision: Decision,
  chosen: string | null | undefined,
  now: number,
): Promise<{ ok: true; grant: { expiresAt: number | null } | null; scope: string | null } | Refusal> {
  const grant = grantFor(decision, now);
  if (!grant) return { ok: true, grant, scope: null };
  const scope = grantScope(request, chosen);
  if (!scope.ok) return scope;
  await openDb(db)
    .insert(schema.permissions)
    .values({ id: crypto.randomUUID(), userId, deviceId: request.deviceId, target: request.target, action: request.action, scope: scope.scope, effect: "allow", oneTime: false, expiresAt: grant.expiresAt, createdAt: now });
  return { ok: true, grant, scope: scope.scope };
}
