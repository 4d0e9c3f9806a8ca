import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { DecideDetection, InterviewInput, ManualApplication, UpdateJobApplication } from "#protocol";
import type { ActivityEvent, ActivityView, JobApplicationView } from "#protocol";
import { requireUser } from "../auth/session.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody, queryParams } from "../http/validate.ts";
import { relayFor } from "../relay/stub.ts";
import { activityView } from "../../../core/src/activities/views.ts";
import { ingestActivities } from "../../../core/src/activities/ingest.ts";
import { applicationView, findApplication, interviewView, saveDetails, interviewOf, upcomingInterviews, zonedInstant } from "../../../core/src/jobs/details.ts";
import { pendingDetections } from "../../../core/src/jobs/detections.ts";
import { interviewsIcs } from "../../../core/src/jobs/ics.ts";
import { webhookEnv } from "../../../core/src/notifications/webhooks/env.ts";

// Job applications (mounted at /api/activities, beside the other activity routes): adding one by hand, its detail
// (history, contacts, notes, résumé version, interviews), interviews as a list and as .ics, and the tray of
// applications detected from browser history that wait for the user's accept or dismiss. Moving one through the
// stages is PATCH /api/activities/:id (job_status), which writes the history row in the same batch.

const { activities, jobDetections, jobInterviews } = schema;

/** The UTC instant for noon of a calendar day, so the day shows the same in every time zone near the user's. */
const middayOf = (day: string) => `${day}T12:00:00.000Z`;

const InterviewsQuery = z.object({ from: z.coerce.number().int().optional() });

async function viewOr404(d1: D1Database, userId: string, id: string): Promise<JobApplicationView> {
  const view = await applicationView(d1, userId, id);
  if (!view) throw new ApiError(404, "not_found", "There is no such application. It may have been deleted.");
  return view;
}

/** The host part of the calendar's UIDs, and the app's address for its links. */
function appUrl(requestUrl: string, configured: string | undefined): string {
  return (configured ?? new URL(requestUrl).origin).replace(/\/$/, "");
}

function icsResponse(body: string, filename: string): Response {
  return new Response(body, { status: 200, headers: { "content-type": "text/calendar; charset=utf-8", "content-disposition": `attachment; filename="${filename}"` } });
}

export const routes = new Hono<AppEnv>()
  .use("/jobs/*", requireUser)

  // A job application added by hand; it then moves through the pipeline with PATCH /api/activities/:id.
  .post("/applications", requireUser, jsonBody(ManualApplication), async (c) => {
    const body = c.req.valid("json");
    const userId = c.get("auth").user.id;
    const eventId = `manual:${crypto.randomUUID()}`;
    const event: ActivityEvent = {
      event_id: eventId,
      activity_type: "job",
      timestamp: body.applied_on ? middayOf(body.applied_on) : new Date().toISOString(),
      application: "Hearth",
      description: body.status === "wishlist" ? `Saved ${body.role} at ${body.company} to apply for` : `Applied to ${body.company} for ${body.role}`,
      details: { company: body.company, role: body.role, status: body.status, ...(body.url ? { url: body.url } : {}) },
      tags: ["manual"],
    };
    const result = await ingestActivities(c.env.DB, userId, { deviceId: null, source: "manual", events: [event] });
    const rejected = result.rejected[0];
    if (rejected) throw new ApiError(400, "validation_failed", rejected.reason);
    const row = await openDb(c.env.DB).select().from(activities).where(and(eq(activities.userId, userId), eq(activities.eventId, eventId))).get();
    if (!row) throw new ApiError(500, "internal", "The application was not saved. Try again.");
    if (body.notes || body.resume_version) await saveDetails(c.env.DB, userId, row.id, { notes: body.notes ?? null, resume_version: body.resume_version ?? null }, Date.now());
    c.executionCtx.waitUntil(relayFor(c.env, userId).activityStored([row.id]));
    return c.json({ activity: activityView(row) }, 201);
  })

  // The detections tray: applications the history listener found, waiting for a yes or no.
  .get("/jobs/detections", async (c) => c.json({ detections: await pendingDetections(c.env.DB, c.get("auth").user.id) }, 200))

  // Accept stores the detection as an application (its own event, so the listener sending it again is a duplicate);
  // dismiss keeps it as dismissed, so it does not come back.
  .post("/jobs/detections/decide", jsonBody(DecideDetection), async (c) => {
    const { event_id, decision } = c.req.valid("json");
    const userId = c.get("auth").user.id;
    const db = openDb(c.env.DB);
    const where = and(eq(jobDetections.userId, userId), eq(jobDetections.eventId, event_id));
    const now = Date.now();
    // Decided in one step, only while pending: an "accept" in one tab and a "dismiss" in another cannot both act.
    const [detection] = await db
      .update(jobDetections)
      .set({ state: decision === "accept" ? "accepted" : "dismissed", decidedAt: now })
      .where(and(where, eq(jobDetections.state, "pending")))
      .returning();
    if (!detection) {
      const seen = await db.select({ state: jobDetections.state }).from(jobDetections).where(where).get();
      if (!seen) throw new ApiError(404, "not_found", "There is no such detected application.", { field: "event_id" });
      throw new ApiError(409, "conflict", `This detection was already ${seen.state}.`);
    }
    if (decision === "dismiss") {
      const answer: { activity: ActivityView | null } = { activity: null };
      return c.json(answer, 200);
    }
    const stored = await ingestActivities(c.env.DB, userId, { deviceId: detection.deviceId, source: "agent", events: [JSON.parse(detection.event)], confirmed: true }).catch(async (error: unknown) => {
      await db.update(jobDetections).set({ state: "pending", decidedAt: null }).where(where);
      throw error;
    });
    const rejected = stored.rejected[0];
    if (rejected) {
      // Not stored: it waits in the tray again.
      await db.update(jobDetections).set({ state: "pending", decidedAt: null }).where(where);
      throw new ApiError(400, "validation_failed", `This detection cannot be stored: ${rejected.reason}`);
    }
    const row = await db.select().from(activities).where(and(eq(activities.userId, userId), eq(activities.eventId, event_id))).get();
    if (!row) throw new ApiError(500, "internal", "The application was not saved. Try again.");
    if (stored.fresh.length > 0) c.executionCtx.waitUntil(relayFor(c.env, userId).activityStored(stored.fresh));
    const answer: { activity: ActivityView | null } = { activity: activityView(row) };
    return c.json(answer, 200);
  })

  // Interviews from `from` (default: now) on, for the board and the calendar.
  .get("/jobs/interviews", queryParams(InterviewsQuery), async (c) => {
    const from = c.req.valid("query").from ?? Date.now();
    return c.json({ interviews: await upcomingInterviews(c.env.DB, c.get("auth").user.id, from) }, 200);
  })

  // Every upcoming interview as one calendar file.
  .get("/jobs/interviews.ics", async (c) => {
    const url = appUrl(c.req.url, webhookEnv(c.env).PUBLIC_URL);
    const interviews = await upcomingInterviews(c.env.DB, c.get("auth").user.id, Date.now());
    return icsResponse(interviewsIcs(interviews, { host: new URL(url).host, now: Date.now(), appUrl: url }), "hearth-interviews.ics");
  })

  // One interview as a calendar file (past ones too: a link kept from an e-mail still works).
  .get("/jobs/interviews/:iid/ics", async (c) => {
    const url = appUrl(c.req.url, webhookEnv(c.env).PUBLIC_URL);
    const one = await interviewOf(c.env.DB, c.get("auth").user.id, c.req.param("iid"));
    if (!one) throw new ApiError(404, "not_found", "There is no such interview. It may have been deleted.");
    return icsResponse(interviewsIcs([one], { host: new URL(url).host, now: Date.now(), appUrl: url }), "hearth-interview.ics");
  })

  .delete("/jobs/interviews/:iid", async (c) => {
    const [removed] = await openDb(c.env.DB)
      .delete(jobInterviews)
      .where(and(eq(jobInterviews.id, c.req.param("iid")), eq(jobInterviews.userId, c.get("auth").user.id)))
      .returning({ id: jobInterviews.id });
    if (!removed) throw new ApiError(404, "not_found", "There is no such interview. It may have been deleted already.");
    return c.json({ ok: true as const }, 200);
  })

  .get("/jobs/:id", async (c) => c.json(await viewOr404(c.env.DB, c.get("auth").user.id, c.req.param("id")), 200))

  // The details: company, role and link live on the activity row; notes, résumé version and contacts beside it.
  .patch("/jobs/:id", jsonBody(UpdateJobApplication), async (c) => {
    const body = c.req.valid("json");
    const userId = c.get("auth").user.id;
    const id = c.req.param("id");
    if (!(await findApplication(c.env.DB, userId, id))) throw new ApiError(404, "not_found", "There is no such application. It may have been deleted.");
    const now = Date.now();
    const db = openDb(c.env.DB);
    if (body.company !== undefined || body.role !== undefined || body.url !== undefined) {
      await db
        .update(activities)
        .set({
          ...(body.company !== undefined ? { company: body.company } : {}),
          ...(body.role !== undefined ? { role: body.role } : {}),
          ...(body.url !== undefined ? { url: body.url === "" ? null : body.url } : {}),
          updatedAt: now,
        })
        .where(and(eq(activities.id, id), eq(activities.userId, userId)));
    }
    if (body.notes !== undefined || body.resume_version !== undefined || body.contacts !== undefined) await saveDetails(c.env.DB, userId, id, body, now);
    return c.json(await viewOr404(c.env.DB, userId, id), 200);
  })

  .post("/jobs/:id/interviews", jsonBody(InterviewInput), async (c) => {
    const body = c.req.valid("json");
    const userId = c.get("auth").user.id;
    const id = c.req.param("id");
    if (!(await findApplication(c.env.DB, userId, id))) throw new ApiError(404, "not_found", "There is no such application. It may have been deleted.");
    const [row] = await openDb(c.env.DB)
      .insert(jobInterviews)
      .values({
        id: crypto.randomUUID(),
        userId,
        activityId: id,
        startsAt: zonedInstant(body.starts_local, body.time_zone),
        timeZone: body.time_zone,
        durationMinutes: body.duration_minutes,
        kind: body.kind,
        location: body.location ? body.location : null,
        createdAt: Date.now(),
      })
      .returning();
    if (!row) throw new ApiError(500, "internal", "The interview was not saved. Try again.");
    return c.json({ interview: interviewView(row) }, 201);
  });
