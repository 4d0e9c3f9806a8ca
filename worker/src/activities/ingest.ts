import { checkActivityEvent } from "#protocol";
import type { ActivityEvent, IngestResult } from "#protocol";

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

/** One event to a row, or the reason it is refused (the check is the protocol's, shared with the agent). */
export function toRow(input: unknown): Row | { reason: string } {
  const checked = checkActivityEvent(input);
  if (!checked.ok) return { reason: checked.reason };
  const { event, money, job } = checked;
  return {
    id: crypto.randomUUID(),
    eventId: event.event_id,
    activityType: event.activity_type,
    timestamp: event.timestamp,
    occurredAt: Date.parse(event.timestamp),
    application: event.application,
    description: event.description ?? null,
    details: JSON.stringify(event.details),
    tags: JSON.stringify([...new Set(event.tags ?? [])]),
    amountMinor: money ? Math.round(money.amount * 100) : null,
    currency: money?.currency ?? null,
    merchant: money?.merchant ?? null,
    category: money?.category ?? null,
    company: job?.company ?? null,
    role: job?.role ?? null,
    jobStatus: job ? (job.status ?? "applied") : null,
    url: job?.url ?? null,
  };
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
