import { and, desc, eq, lt } from "drizzle-orm";
import { Hono } from "hono";
import { PageQuery } from "#protocol";
import type { AuditEntry } from "#protocol";
import { requireUser } from "../auth/session.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import type { AppEnv } from "../http/types.ts";
import { queryParams } from "../http/validate.ts";

const { auditLog } = schema;

/** /api/audit: every command state change, permission decision and device event, newest first. */
export const auditApi = new Hono<AppEnv>().get("/", requireUser, queryParams(PageQuery), async (c) => {
  const { limit, before } = c.req.valid("query");
  const rows = await openDb(c.env.DB)
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.userId, c.get("auth").user.id), before ? lt(auditLog.id, before) : undefined))
    .orderBy(desc(auditLog.id))
    .limit(limit)
    .all();
  const entries: AuditEntry[] = rows.map((row) => ({
    id: row.id,
    at: row.at,
    kind: row.kind,
    device_id: row.deviceId,
    command_id: row.commandId,
    summary: row.summary,
    detail: JSON.parse(row.detail),
  }));
  const last = rows[rows.length - 1];
  return c.json({ entries, next_before: rows.length === limit && last ? last.id : null }, 200);
});
