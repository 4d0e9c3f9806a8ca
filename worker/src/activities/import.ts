import { Hono } from "hono";
import type { ActivityEvent, PreviewRow, StatementImportResult, StatementPreview } from "#protocol";
import { requireUser } from "../auth/session.ts";
import { ApiError } from "../http/errors.ts";
import type { AppEnv } from "../http/types.ts";
import { queryParams } from "../http/validate.ts";
import { relayFor } from "../relay/stub.ts";
import { ingestActivities } from "../../../core/src/activities/ingest.ts";
import { categoriseEvents } from "../../../core/src/categories/apply.ts";
import { StatementQuery, alreadyStored, readStatement, refusalOf, statementBytes } from "./statement-read.ts";

export { MAX_STATEMENT_BYTES } from "./statement-read.ts";

// A statement file uploaded in the web app, read here with the same importers and import profiles the agent's
// statements listener uses, previewed first and then imported. (A job application added by hand is
// POST /api/activities/applications, in worker/src/jobs/routes.ts.)

/** The preview shows this many lines of the file; its counts cover all of it. */
const PREVIEW_ROWS = 100;

const text = (value: unknown) => (typeof value === "string" ? value : null);

/** One transaction as the preview shows it. */
function previewRow(row: number, event: ActivityEvent, status: PreviewRow["status"], reason: string | null): PreviewRow {
  const { amount, currency, category } = event.details;
  return {
    row,
    status,
    date: event.timestamp.slice(0, 10),
    amount: typeof amount === "number" ? amount : null,
    currency: text(currency),
    description: event.description ?? text(event.details.merchant),
    category: text(category),
    reason,
  };
}

// Mounted beside activitiesApi, so requireUser goes on each route: POST /api/activities also takes ingest tokens.
export const activityImportsApi = new Hono<AppEnv>()

  // The body is the file; nothing is stored. The first lines as they would be stored, and counts for the whole file.
  .post("/import/preview", requireUser, queryParams(StatementQuery), async (c) => {
    const query = c.req.valid("query");
    const bytes = await statementBytes(c.req.raw, query.filename);
    const userId = c.get("auth").user.id;
    const read = await readStatement(c.env.DB, userId, query, bytes);
    if (!read.ok) {
      const unknown: StatementPreview = {
        file: query.filename,
        layout: "unknown",
        layout_name: "Not recognised",
        counts: { found: 0, new: 0, already: 0, refused: 0, skipped: 0 },
        rows: [],
        sniff: read.sniff,
      };
      return c.json(unknown, 200);
    }
    const { file } = read;
    // The categories they would get: the user's rules, then what they last gave the merchant (as ingest does).
    const events = await categoriseEvents(c.env.DB, userId, file.events);
    const already = await alreadyStored(c.env.DB, userId, events);
    const lines: PreviewRow[] = file.refused.map((r) => ({ row: r.row, status: "refused", date: null, amount: null, currency: null, description: null, category: null, reason: r.reason }));
    let fresh = 0;
    let refusedByStore = 0;
    events.forEach((event, index) => {
      const row = file.rows[index] ?? index + 1;
      const reason = refusalOf(event);
      if (reason !== null) refusedByStore++;
      else if (!already.has(index)) fresh++;
      lines.push(previewRow(row, event, reason !== null ? "refused" : already.has(index) ? "already" : "new", reason));
    });
    lines.sort((a, b) => a.row - b.row);
    const preview: StatementPreview = {
      file: query.filename,
      layout: file.layout,
      layout_name: file.layout_name,
      counts: { found: events.length + file.refused.length, new: fresh, already: events.length - fresh - refusedByStore, refused: file.refused.length + refusedByStore, skipped: file.skipped.length },
      rows: lines.slice(0, PREVIEW_ROWS),
      sniff: file.sniff,
    };
    return c.json(preview, 200);
  })

  // The body is the file itself; ?filename= says what it is. Good rows are stored, bad ones come back with reasons.
  .post("/import", requireUser, queryParams(StatementQuery), async (c) => {
    const query = c.req.valid("query");
    const { filename } = query;
    const bytes = await statementBytes(c.req.raw, filename);
    const userId = c.get("auth").user.id;
    const read = await readStatement(c.env.DB, userId, query, bytes);
    if (!read.ok) throw new ApiError(400, "validation_failed", read.message, { field: "layout", details: { sniff: read.sniff } });
    const imported = read.file;
    // Ingest counts a row stored before (by id, or under an older CSV id) as a duplicate.
    const stored = await ingestActivities(c.env.DB, userId, { deviceId: null, source: "upload", events: imported.events });
    if (stored.stored > 0) c.executionCtx.waitUntil(relayFor(c.env, userId).activityStored(stored.fresh));
    // A transaction the store refuses is reported by its own line in the file, like the importer's refusals.
    const refused = [...imported.refused, ...stored.rejected.map((r) => ({ row: imported.rows[r.index] ?? r.index + 1, reason: r.reason }))].sort((a, b) => a.row - b.row);
    const result: StatementImportResult = {
      file: filename,
      layout: imported.layout,
      layout_name: imported.layout_name,
      accounts: imported.accounts,
      found: imported.events.length + imported.refused.length,
      stored: stored.stored,
      duplicates: stored.duplicates,
      refused,
      skipped: imported.skipped,
    };
    return c.json(result, 200);
  });
