import { and, desc, eq } from "drizzle-orm";
import { Hono } from "hono";
import { CreatePermission, DecideRequest, PermissionRequestListQuery } from "#protocol";
import type { PermissionRequestView, PermissionRule } from "#protocol";
import { requestView } from "../../../relay/src/index.ts";
import { requireUser } from "../auth/session.ts";
import { assertApprovalProof } from "../auth/step-up.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import type { PermissionRequestRow, PermissionRow } from "../../../core/src/db/schema.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody, queryParams } from "../http/validate.ts";
import { relayFor } from "../relay/stub.ts";

const { permissions, permissionRequests, devices, auditLog } = schema;

function ruleView(row: PermissionRow): PermissionRule {
  return {
    id: row.id,
    target: row.target,
    action: row.action,
    scope: row.scope,
    effect: row.effect,
    one_time: row.oneTime,
    expires_at: row.expiresAt,
    device_id: row.deviceId,
    created_at: row.createdAt,
  };
}

/** A D1 row in the relay's own shape, so both answer with the same view. */
function requestFromRow(row: PermissionRequestRow): PermissionRequestView {
  return requestView({ ...row, parameters: JSON.parse(row.parameters) });
}

/** /api/permissions: the user's standing rules. Expired rules are listed until removed, marked by `expires_at`. */
export const permissionsApi = new Hono<AppEnv>()
  .use(requireUser)
  .get("/", async (c) => {
    const rows = await openDb(c.env.DB).select().from(permissions).where(eq(permissions.userId, c.get("auth").user.id)).orderBy(desc(permissions.createdAt)).all();
    return c.json({ permissions: rows.map(ruleView) }, 200);
  })

  .post("/", jsonBody(CreatePermission), async (c) => {
    const userId = c.get("auth").user.id;
    const body = c.req.valid("json");
    const db = openDb(c.env.DB);
    if (body.device_id) {
      const device = await db.select({ id: devices.id }).from(devices).where(and(eq(devices.id, body.device_id), eq(devices.userId, userId))).get();
      if (!device) throw new ApiError(404, "not_found", "There is no such device.", { field: "device_id" });
    }
    if (body.expires_at !== null && body.expires_at <= Date.now()) throw new ApiError(400, "validation_failed", "The expiry is in the past. Pick a later time.", { field: "expires_at" });
    const now = Date.now();
    const row: PermissionRow = {
      id: crypto.randomUUID(),
      userId,
      deviceId: body.device_id,
      target: body.target,
      action: body.action,
      scope: body.scope,
      effect: body.effect,
      oneTime: body.one_time,
      expiresAt: body.expires_at,
      createdAt: now,
    };
    await db.batch([
      db.insert(permissions).values(row),
      db.insert(auditLog).values({
        userId,
        at: now,
        kind: "permission.rule_added",
        deviceId: body.device_id,
        commandId: null,
        summary: `${body.effect === "allow" ? "Allow" : "Deny"} ${body.target}.${body.action}${body.scope ? ` on ${body.scope}` : ""}`,
        detail: JSON.stringify(body),
      }),
    ]);
    await relayFor(c.env, userId).rulesChanged();
    return c.json({ permission: ruleView(row) }, 201);
  })

  .delete("/:id", async (c) => {
    const userId = c.get("auth").user.id;
    const db = openDb(c.env.DB);
    const [removed] = await db.delete(permissions).where(and(eq(permissions.id, c.req.param("id")), eq(permissions.userId, userId))).returning();
    if (!removed) throw new ApiError(404, "not_found", "There is no such permission rule. It may have been removed already.");
    // The rule stops applying before this answers: the relay forgets its cached copy now.
    await relayFor(c.env, userId).rulesChanged();
    await db.insert(auditLog).values({
      userId,
      at: Date.now(),
      kind: "permission.rule_removed",
      deviceId: removed.deviceId,
      commandId: null,
      summary: `Removed rule ${removed.effect} ${removed.target}.${removed.action}`,
      detail: "{}",
    });
    return c.json({ ok: true as const }, 200);
  });

/** /api/permission-requests: prompts waiting for the user, and their answers. */
export const permissionRequestsApi = new Hono<AppEnv>()
  .use(requireUser)
  .get("/", queryParams(PermissionRequestListQuery), async (c) => {
    const { status } = c.req.valid("query");
    const rows = await openDb(c.env.DB)
      .select()
      .from(permissionRequests)
      .where(and(eq(permissionRequests.userId, c.get("auth").user.id), status ? eq(permissionRequests.status, status) : undefined))
      .orderBy(desc(permissionRequests.createdAt))
      .limit(200)
      .all();
    return c.json({ requests: rows.map(requestFromRow) }, 200);
  })

  .post("/:id/decision", jsonBody(DecideRequest), async (c) => {
    const { decision, scope } = c.req.valid("json");
    // Letting a command with effects through needs a recent proof; denying never does.
    if (decision !== "deny") await assertApprovalProof(c, c.req.param("id"));
    const outcome = await relayFor(c.env, c.get("auth").user.id).decide(c.req.param("id"), decision, scope);
    if (!outcome.ok) {
      const status = outcome.code === "not_found" ? 404 : outcome.code === "validation_failed" ? 400 : 409;
      throw new ApiError(status, outcome.code, outcome.message, outcome.field ? { field: outcome.field } : undefined);
    }
    return c.json({ request: outcome.request }, 200);
  });
