import { and, desc, eq, isNull } from "drizzle-orm";
import { Hono } from "hono";
import type { Context } from "hono";
import { ActivityQuery, ActivitySummaryQuery, CreateIngestToken, IngestRequest, UpdateActivity, UpdateActivityRetention, cursorAfter } from "#protocol";
import type { ActivityView, IngestTokenView } from "#protocol";
import { requireUser, resolveSession } from "../auth/session.ts";
import { hashToken, newToken } from "../auth/tokens.ts";
import { newestFirst, olderThan } from "../../../core/src/cursor.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import type { IngestTokenRow } from "../../../core/src/db/schema.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody, queryParams } from "../http/validate.ts";
import { relayFor } from "../relay/stub.ts";
import { activityFilters } from "../../../core/src/activities/filters.ts";
import { activitiesCsv, activityView } from "../../../core/src/activities/views.ts";
import { ingestActivities } from "../../../core/src/activities/ingest.ts";
import { deleteAllActivities, loadRetention, recordedDays, saveRetention } from "../../../core/src/activities/retention.ts";
import { activitySummary } from "../../../core/src/activities/summary.ts";
import { storeJobStatusNotice } from "../../../core/src/notifications/outbox.ts";
import { recordMove } from "../../../core/src/jobs/moves.ts";
import type { OutboxNotice } from "../../../core/src/notifications/outbox.ts";

const { activities, ingestTokens } = schema;

/** Ingest tokens start with this, so a leaked one is easy to recognise (and to scan for). */
const TOKEN_PREFIX = "hearth_ingest_";

function tokenView(row: IngestTokenRow): IngestTokenView {
  return { id: row.id, name: row.name, created_at: row.createdAt, last_used_at: row.lastUsedAt, revoked_at: row.revokedAt };
}

/** Who pushes: a signed-in browser (cookie), or another tool with an ingest token (`Authorization: Bearer …`). */
async function ingestingUser(c: Context<AppEnv>): Promise<{ userId: string; source: "api" | "upload" }> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (bearer) {
    const row = await openDb(c.env.DB)
      .select()
      .from(ingestTokens)
      .where(and(eq(ingestTokens.tokenHash, await hashToken(bearer)), isNull(ingestTokens.revokedAt)))
      .get();
    if (!row) throw new ApiError(401, "unauthenticated", "This ingest token is not valid (or was revoked). Create one in Settings → Activity.");
    c.executionCtx.waitUntil(openDb(c.env.DB).update(ingestTokens).set({ lastUsedAt: Date.now() }).where(eq(ingestTokens.id, row.id)).run());
    return { userId: row.userId, source: "api" };
  }
  const session = await resolveSession(c, { touch: true });
  if (session === "none" || session === "expired") throw new ApiError(401, "unauthenticated", "Sign in, or send an ingest token as `Authorization: Bearer …`.");
  return { userId: session.user.id, source: "upload" };
}

const EXPORT_LIMIT = 50_000;

/** Tries to reach the relay this many times (after the answer), then leaves the notice to the relay's sweep. */
const RELAY_TRIES = [0, 500, 2_000];

/**
 * Tells the user's relay a notice is waiting (after the answer: nothing the PATCH says depends on it). The notice
 * is in D1 already, so a call that fails loses nothing: it is tried again, and the relay's sweep of the outbox
 * (on its next start, its alarm, and the daily cron) picks up what no call delivered.
 */
async function tellRelay(env: Env, userId: string, notice: OutboxNotice): Promise<void> {
  for (const wait of RELAY_TRIES) {
    if (wait > 0) await scheduler.wait(wait);
    try {
      await relayFor(env, userId).noticeStored(notice);
      return;
    } catch (error) {
      console.error(`activities: telling the relay of notice ${notice.id} failed; ${wait === RELAY_TRIES.at(-1) ? "its sweep will find it" : "trying again"}`, error);
    }
  }
}

/** /api/activities: what the user's listeners and tools recorded. */
export const activitiesApi = new Hono<AppEnv>()
  // Ingest: each event is checked on its own; the answer counts the stored, the duplicates and each refusal.
  .post("/", jsonBody(IngestRequest), async (c) => {
    const { userId, source } = await ingestingUser(c);
    const result = await ingestActivities(c.env.DB, userId, { deviceId: null, source, events: c.req.valid("json").events });
    const { fresh, ...answer } = result;
    if (fresh.length > 0) c.executionCtx.waitUntil(relayFor(c.env, userId).activityStored(fresh));
    return c.json(answer, 200);
  })

  .get("/", requireUser, queryParams(ActivityQuery), async (c) => {
    const query = c.req.valid("query");
    const rows = await openDb(c.env.DB)
      .select()
      .from(activities)
      .where(
        and(
          ...activityFilters(c.get("auth").user.id, query),
          olderThan(activities, query.before, activities.occurredAt),
        ),
      )
      .orderBy(...newestFirst(activities, activities.occurredAt))
      .limit(query.limit)
      .all();
    const last = rows[rows.length - 1];
    const body: { activities: ActivityView[]; next_before: string | null } = {
      activities: rows.map(activityView),
      next_before: rows.length === query.limit && last ? cursorAfter(last.occurredAt, last.id) : null,
    };
    return c.json(body, 200);
  })

  // The dashboard's aggregates (spending by category, cash flow, applications, pipeline, timeline), in SQL.
  .get("/summary", requireUser, queryParams(ActivitySummaryQuery), async (c) => {
    return c.json(await activitySummary(c.env.DB, c.get("auth").user.id, c.req.valid("query")), 200);
  })

  // The current filter as CSV (up to 50,000 rows), for a spreadsheet.
  .get("/export.csv", requireUser, queryParams(ActivityQuery), async (c) => {
    const rows = await openDb(c.env.DB)
      .select()
      .from(activities)
      .where(and(...activityFilters(c.get("auth").user.id, c.req.valid("query"))))
      .orderBy(...newestFirst(activities, activities.occurredAt))
      .limit(EXPORT_LIMIT)
      .all();
    return c.body(activitiesCsv(rows), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="hearth-activity-${new Date().toISOString().slice(0, 10)}.csv"`,
    });
  })

  // One D1 batch: the notice (only for a job whose status changes, read before the change) and the change itself.
  // The notice is durable before the 200; the relay hears of it after the answer.
  .patch("/:id", requireUser, jsonBody(UpdateActivity), async (c) => {
    const body = c.req.valid("json");
    const userId = c.get("auth").user.id;
    const id = c.req.param("id");
    const now = Date.now();
    const db = openDb(c.env.DB);
    const update = db
      .update(activities)
      .set({
        ...(body.category !== undefined ? { category: body.category } : {}),
        ...(body.tags !== undefined ? { tags: JSON.stringify([...new Set(body.tags)]) } : {}),
        ...(body.job_status !== undefined ? { jobStatus: body.job_status } : {}),
        updatedAt: now,
      })
      .where(and(eq(activities.id, id), eq(activities.userId, userId)))
      .returning();
    // A status change also writes its history row (core/src/jobs/moves.ts), before the update, in the same batch.
    const [stored, , [updated]] =
      body.job_status === undefined
        ? [[], null, await update]
        : await db.batch([
            storeJobStatusNotice(db, { id: crypto.randomUUID(), userId, activityId: id, to: body.job_status, at: now }),
            recordMove(db, { userId, activityId: id, to: body.job_status, at: now }),
            update,
          ]);
    if (!updated) throw new ApiError(404, "not_found", "There is no such activity. It may have been deleted.");
    for (const notice of stored) c.executionCtx.waitUntil(tellRelay(c.env, userId, notice));
    return c.json({ activity: activityView(updated) }, 200);
  })

  // "Delete all my activity": every row, from every source. What the agents still hold locally is theirs to drop.
  .delete("/", requireUser, async (c) => {
    const deleted = await deleteAllActivities(c.env.DB, c.get("auth").user.id);
    return c.json({ deleted }, 200);
  })

  // How long each kind of activity is kept, counted from when it was stored (Settings → Activity).
  .get("/retention", requireUser, async (c) => c.json(await loadRetention(c.env.DB, c.get("auth").user.id, recordedDays(c.env)), 200))
  .put("/retention", requireUser, jsonBody(UpdateActivityRetention), async (c) =>
    c.json(await saveRetention(c.env.DB, c.get("auth").user.id, c.req.valid("json"), recordedDays(c.env)), 200),
  )

  .delete("/:id", requireUser, async (c) => {
    const [removed] = await openDb(c.env.DB)
      .delete(activities)
      .where(and(eq(activities.id, c.req.param("id")), eq(activities.userId, c.get("auth").user.id)))
      .returning({ id: activities.id });
    if (!removed) throw new ApiError(404, "not_found", "There is no such activity. It may have been deleted already.");
    return c.json({ ok: true as const }, 200);
  });

/** /api/ingest-tokens: tokens for other tools to push activity in. The token is shown once, at creation. */
export const ingestTokensApi = new Hono<AppEnv>()
  .use(requireUser)
  .get("/", async (c) => {
    const rows = await openDb(c.env.DB).select().from(ingestTokens).where(eq(ingestTokens.userId, c.get("auth").user.id)).orderBy(desc(ingestTokens.createdAt)).all();
    return c.json({ tokens: rows.map(tokenView) }, 200);
  })
  .post("/", jsonBody(CreateIngestToken), async (c) => {
    const token = `${TOKEN_PREFIX}${newToken()}`;
    const row: IngestTokenRow = {
      id: crypto.randomUUID(),
      userId: c.get("auth").user.id,
      name: c.req.valid("json").name,
      tokenHash: await hashToken(token),
      createdAt: Date.now(),
      lastUsedAt: null,
      revokedAt: null,
    };
    await openDb(c.env.DB).insert(ingestTokens).values(row);
    return c.json({ token, ingest_token: tokenView(row) }, 201);
  })
  .delete("/:id", async (c) => {
    const [revoked] = await openDb(c.env.DB)
      .update(ingestTokens)
      .set({ revokedAt: Date.now() })
      .where(and(eq(ingestTokens.id, c.req.param("id")), eq(ingestTokens.userId, c.get("auth").user.id), isNull(ingestTokens.revokedAt)))
      .returning();
    if (!revoked) throw new ApiError(404, "not_found", "There is no such token, or it is already revoked.");
    return c.json({ ingest_token: tokenView(revoked) }, 200);
  });
