import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { CsvColumns, ManualApplication } from "#protocol";
import type { ActivityEvent, StatementImportResult } from "#protocol";
import { UnknownCsvLayout, importStatement, isStatementFile, layoutFromMapping } from "#importers";
import type { CsvMapping } from "#importers";
import { requireUser } from "../auth/session.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { jsonBody, queryParams } from "../http/validate.ts";
import { relayFor } from "../relay/stub.ts";
import { activityView } from "../../../core/src/activities/views.ts";
import { ingestActivities } from "../../../core/src/activities/ingest.ts";
import { learnedCategories } from "../../../core/src/categories/apply.ts";

const { activities } = schema;

// Two ways in for a signed-in browser: a statement file uploaded in the web app (read here with the same
// importers the agent's statements listener uses), and a job application added by hand.

/** A statement upload may be larger than the API's usual 1 MiB body (a few years of a busy account). */
export const MAX_STATEMENT_BYTES = 5 * 1024 * 1024;

const ImportQuery = z.object({
  filename: z.string().trim().min(1).max(200).refine(isStatementFile, { error: "Hearth reads .ofx, .qfx and .csv statements." }),
  /** For CSV layouts that do not say their currency. */
  currency: z.string().regex(/^[A-Z]{3}$/, { error: "currency is a 3-letter ISO code, like USD" }).optional(),
  /** JSON: which column is which, for a CSV layout Hearth does not know. */
  columns: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "columns is not JSON" });
        return z.NEVER;
      }
    })
    .pipe(CsvColumns)
    .optional(),
});

/** The user's column choices as an importer mapping: the header must hold every column they named. */
function mappingOf(columns: CsvColumns): CsvMapping {
  const named = [columns.date, columns.description, columns.amount, columns.debit, columns.credit, columns.currency].filter((c): c is string => c !== undefined);
  return { id: "custom", label: "Your column mapping", needs: [...new Set(named)], ...columns };
}

/** The UTC instant for noon of a calendar day, so the day shows the same in every time zone near the user's. */
const middayOf = (day: string) => `${day}T12:00:00.000Z`;

// Mounted beside activitiesApi, so requireUser goes on each route: POST /api/activities also takes ingest tokens.
export const activityImportsApi = new Hono<AppEnv>()

  // The body is the file itself; ?filename= says what it is. Good rows are stored, bad ones come back with reasons.
  .post("/import", requireUser, queryParams(ImportQuery), async (c) => {
    const { filename, currency, columns } = c.req.valid("query");
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength === 0) throw new ApiError(400, "validation_failed", `${filename} is empty.`, { field: "file" });
    if (bytes.byteLength > MAX_STATEMENT_BYTES) throw new ApiError(413, "payload_too_large", "A statement can be up to 5 MiB. Export a shorter period.");
    let imported;
    try {
      imported = importStatement(filename, bytes, { ...(currency ? { defaultCurrency: currency } : {}), ...(columns ? { layout: layoutFromMapping(mappingOf(columns)) } : {}) });
    } catch (error) {
      // The web app answers this one with a column picker.
      if (error instanceof UnknownCsvLayout) throw new ApiError(400, "validation_failed", error.message, { field: "columns" });
      throw new ApiError(400, "validation_failed", `${filename} was not imported: ${error instanceof Error ? error.message : String(error)}`, { field: "file" });
    }
    const userId = c.get("auth").user.id;
    const events = await learnedCategories(c.env.DB, userId, imported.events);
    const stored = await ingestActivities(c.env.DB, userId, { deviceId: null, source: "upload", events });
    if (stored.stored > 0) c.executionCtx.waitUntil(relayFor(c.env, userId).activityStored(stored.fresh));
    // A transaction the store refuses is reported by its own line in the file, like the importer's refusals.
    const refused = [...imported.refused, ...stored.rejected.map((r) => ({ row: imported.rows[r.index] ?? r.index + 1, reason: r.reason }))].sort((a, b) => a.row - b.row);
    const result: StatementImportResult = {
      file: filename,
      layout: imported.layout,
      accounts: imported.accounts,
      found: imported.events.length + imported.refused.length,
      stored: stored.stored,
      duplicates: stored.duplicates,
      refused,
      skipped: imported.skipped,
    };
    return c.json(result, 200);
  })

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
      description: `Applied to ${body.company} for ${body.role}`,
      details: {
        company: body.company,
        role: body.role,
        status: body.status,
        ...(body.url ? { url: body.url } : {}),
        ...(body.notes ? { notes: body.notes } : {}),
      },
      tags: ["manual"],
    };
    const result = await ingestActivities(c.env.DB, userId, { deviceId: null, source: "manual", events: [event] });
    const rejected = result.rejected[0];
    if (rejected) throw new ApiError(400, "validation_failed", rejected.reason);
    const row = await openDb(c.env.DB).select().from(activities).where(and(eq(activities.userId, userId), eq(activities.eventId, eventId))).get();
    if (!row) throw new ApiError(500, "internal", "The application was not saved. Try again.");
    c.executionCtx.waitUntil(relayFor(c.env, userId).activityStored([row.id]));
    return c.json({ activity: activityView(row) }, 201);
  });
