import { ActivityEvent, FinancialDetails, JobDetails } from "#protocol";
import type { IngestResult } from "#protocol";
import type { z } from "zod";

// Activity ingest, shared by every way in (the relay's `activity` frames, POST /api/activities, uploads). Each
// event is checked on its own: a bad one is refused with its index and reason, and the rest are stored. Stored
// means committed: the answer is given only after D1 has the rows. The same event_id twice is stored once.

export type IngestSource = "agent" | "local" | "api" | "upload" | "manual" | "demo";

/** D1 runs a batch as one transaction; this many rows per batch keeps each well inside its limits. */
const ROWS_PER_BATCH = 50;

type Row = {
  id: string;
  eventId: string;
  activityType: ActivityEvent["activity_type"];
  timestamp: string;
  occurredAt: number;
  application: string;
  description: string | null;
  details: string;
  tags: string;
  amountMinor: number | null;
  currency: string | null;
  merchant: string | null;
  category: string | null;
  company: string | null;
  role: string | null;
  jobStatus: string | null;
  url: string | null;
};

function reasonOf(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "it is not a valid activity event";
  const path = issue.path.join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** One event to a row, or the reason it is refused. */
export function toRow(input: unknown): Row | { reason: string } {
  const parsed = ActivityEvent.safeParse(input);
  if (!parsed.success) return { reason: reasonOf(parsed.error) };
  const event = parsed.data;
  const row: Row = {
    id: crypto.randomUUID(),
    eventId: event.event_id,
    activityType: event.activity_type,
    timestamp: event.timestamp,
    occurredAt: Date.parse(event.timestamp),
    application: event.application,
    description: event.description ?? null,
    details: JSON.stringify(event.details),
    tags: JSON.stringify([...new Set(event.tags ?? [])]),
    amountMinor: null,
    currency: null,
    merchant: null,
    category: null,
    company: null,
    role: null,
    jobStatus: null,
    url: null,
  };
  if (event.activity_type === "financial") {
    const money = FinancialDetails.safeParse(event.details);
    if (!money.success) return { reason: `a financial event needs details.amount and details.currency (${reasonOf(money.error)})` };
    row.amountMinor = Math.round(money.data.amount * 100);
    row.currency = money.data.currency;
    row.merchant = money.data.merchant ?? null;
    row.category = money.data.category ?? null;
  }
  if (event.activity_type === "job") {
    const job = JobDetails.safeParse(event.details);
    if (!job.success) return { reason: `details of a job event: ${reasonOf(job.error)}` };
    row.company = job.data.company ?? null;
    row.role = job.data.role ?? null;
    row.jobStatus = job.data.status ?? "applied";
    row.url = job.data.url ?? null;
  }
  return row;
}

/** Stores a batch of events for a user; resolves once D1 has committed them. `fresh` is the new rows' ids. */
export async function ingestActivities(
  db: D1Database,
  userId: string,
  input: { deviceId: string | null; source: IngestSource; events: readonly unknown[] },
): Promise<IngestResult & { fresh: string[] }> {
  const rows: Row[] = [];
  const rejected: IngestResult["rejected"] = [];
  input.events.forEach((event, index) => {
    const row = toRow(event);
    if ("reason" in row) rejected.push({ index, reason: row.reason });
    else rows.push(row);
  });
  const now = Date.now();
  const fresh: string[] = [];
  for (let at = 0; at < rows.length; at += ROWS_PER_BATCH) {
    const statements = rows.slice(at, at + ROWS_PER_BATCH).map((r) =>
      db
        .prepare(
          `INSERT INTO activities (id, user_id, event_id, device_id, source, activity_type, timestamp, occurred_at, application, description,
             details, tags, amount_minor, currency, merchant, category, company, role, job_status, url, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (user_id, event_id) DO NOTHING RETURNING id`,
        )
        .bind(r.id, userId, r.eventId, input.deviceId, input.source, r.activityType, r.timestamp, r.occurredAt, r.application, r.description,
          r.details, r.tags, r.amountMinor, r.currency, r.merchant, r.category, r.company, r.role, r.jobStatus, r.url, now, now),
    );
    // Counted from RETURNING: `meta.changes` would also count the search index's trigger writes.
    for (const result of await db.batch<{ id: string }>(statements)) fresh.push(...result.results.map((row) => row.id));
  }
  return { stored: fresh.length, duplicates: rows.length - fresh.length, rejected, fresh };
}
