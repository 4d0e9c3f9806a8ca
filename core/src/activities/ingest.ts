import { fillPlaceholders, sql } from "drizzle-orm";
import { checkActivityEvent } from "#protocol";
import type { ActivityEvent, CheckedActivity, IngestResult } from "#protocol";
import { categoriseEvents } from "../categories/apply.ts";
import { storedUnderOldIds } from "./legacy-csv.ts";
import { openDb, schema } from "../db/index.ts";
import { FIRST_MOVE_SQL } from "../jobs/moves.ts";
import { DETECTION_SQL, isDetected } from "../jobs/detections.ts";

// Activity ingest, shared by every way in (the relay's `activity` frames, POST /api/activities, uploads). Each
// event is checked on its own: a bad one is refused with its index and reason, and the rest are stored. Stored
// means committed: the answer is given only after D1 has the rows. The same event_id twice is stored once.
// Transactions get their categories here (the user's rules, then the learned category), so every way in gets them.

export type IngestSource = "agent" | "local" | "api" | "upload" | "manual" | "demo";

const { activities } = schema;

/** D1 runs a batch as one transaction; this many rows per batch keeps each well inside its limits. */
const ROWS_PER_BATCH = 50;

/** An activities row as toRow makes it: everything but who stored it, from where, and when. */
type Row = Omit<typeof activities.$inferSelect, "userId" | "deviceId" | "source" | "createdAt" | "updatedAt">;

/** One event to a row, or the reason it is refused (the check is the protocol's, shared with the agent). */
export function toRow(input: unknown): Row | { reason: string } {
  const checked = checkActivityEvent(input);
  return checked.ok ? rowOf(checked) : { reason: checked.reason };
}

/** The row of an event that passed the check. */
function rowOf({ event, money, job }: Extract<CheckedActivity, { ok: true }>): Row {
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

/** The event a row was read from, as stored for a detection (the agent's own shape, so accepting re-reads it). */
function eventOf(r: Row): Record<string, unknown> {
  return {
    event_id: r.eventId,
    activity_type: r.activityType,
    timestamp: r.timestamp,
    application: r.application,
    ...(r.description !== null ? { description: r.description } : {}),
    details: JSON.parse(r.details),
    tags: JSON.parse(r.tags),
  };
}

/** What one stored row takes besides the event's own columns. */
type Stored = { userId: string; deviceId: string | null; source: IngestSource; createdAt: number; updatedAt: number };

const column = (name: keyof Row | keyof Stored) => sql.placeholder(name);

/** The SQL of `insertStatement`, made once per isolate (it depends only on the schema). */
let insertOne: { sql: string; params: unknown[] } | undefined;

/**
 * The insert for one event, made by drizzle from the typed schema once and then bound per row (D1's own prepare and
 * bind): built per row as a drizzle query, it took about 40% more workerd CPU per ingested event
 * (bench/ingest.mjs). It returns the id of a row it stored; a duplicate (same user and event_id) returns nothing.
 */
function insertStatement(d1: D1Database): { sql: string; params: unknown[] } {
  insertOne ??= openDb(d1)
    .insert(activities)
    .values({
      id: column("id"), userId: column("userId"), eventId: column("eventId"), deviceId: column("deviceId"), source: column("source"),
      activityType: column("activityType"), timestamp: column("timestamp"), occurredAt: column("occurredAt"), application: column("application"),
      description: column("description"), details: column("details"), tags: column("tags"), amountMinor: column("amountMinor"),
      currency: column("currency"), merchant: column("merchant"), category: column("category"), company: column("company"), role: column("role"),
      jobStatus: column("jobStatus"), url: column("url"), createdAt: column("createdAt"), updatedAt: column("updatedAt"),
    })
    .onConflictDoNothing({ target: [activities.userId, activities.eventId] })
    .returning({ id: activities.id })
    .toSQL();
  return insertOne;
}

/** Stores a batch of events for a user; resolves once D1 has committed them. `fresh` is the new rows' ids. */
export async function ingestActivities(
  d1: D1Database,
  userId: string,
  input: { deviceId: string | null; source: IngestSource; events: readonly unknown[]; confirmed?: boolean },
): Promise<IngestResult & { fresh: string[] }> {
  let rows: Row[] = [];
  let events: ActivityEvent[] = [];
  const rejected: IngestResult["rejected"] = [];
  input.events.forEach((event, index) => {
    const checked = checkActivityEvent(event);
    if (!checked.ok) return void rejected.push({ index, reason: checked.reason });
    rows.push(rowOf(checked));
    events.push(checked.event);
  });
  // A CSV row stored before under an older id of the same transaction is a duplicate, not stored again.
  const old = await storedUnderOldIds(d1, userId, events);
  const checkedCount = rows.length;
  if (old.size > 0) {
    const keep = (_: unknown, i: number) => !old.has(i);
    rows = rows.filter(keep);
    events = events.filter(keep);
  }
  // The rule step: a transaction a rule (or the learned category) files gets it in both its column and its details.
  // `details.category` then tells a category given on arrival from one the user set by hand later (the apply step
  // of core/src/categories/rules.ts keeps the latter).
  const categorised = await categoriseEvents(d1, userId, events);
  categorised.forEach((event, i) => {
    const row = rows[i];
    const category = event.details.category;
    if (row && row.activityType === "financial" && typeof category === "string" && category !== row.category) {
      row.category = category;
      row.details = JSON.stringify(event.details);
    }
  });
  const now = Date.now();
  const stored: Stored = { userId, deviceId: input.deviceId, source: input.source, createdAt: now, updatedAt: now };
  const insert = insertStatement(d1);
  const fresh: string[] = [];
  let detected = 0;
  for (let at = 0; at < rows.length; at += ROWS_PER_BATCH) {
    const statement = d1.prepare(insert.sql);
    const firstMove = d1.prepare(FIRST_MOVE_SQL);
    const detection = d1.prepare(DETECTION_SQL);
    // A job application the agent's history listener detected waits for the user's yes (job_detections), unless this is
    // that yes; a job row's first status goes into its history in the same batch as the row.
    const statements = rows.slice(at, at + ROWS_PER_BATCH).flatMap((r) => {
      if (input.source === "agent" && !input.confirmed && isDetected(r)) return [detection.bind(userId, r.eventId, input.deviceId, r.company, r.role, r.url, r.occurredAt, now, JSON.stringify(eventOf(r)))];
      const row = statement.bind(...fillPlaceholders(insert.params, { ...r, ...stored }));
      return r.activityType === "job" ? [row, firstMove.bind(crypto.randomUUID(), r.id)] : [row];
    });
    // Counted from RETURNING: `meta.changes` would also count the search index's trigger writes.
    for (const result of await d1.batch<{ id?: string; event_id?: string }>(statements)) {
      for (const row of result.results) {
        if (row.id) fresh.push(row.id);
        else if (row.event_id) detected += 1;
      }
    }
  }
  const storedCount = fresh.length + detected;
  return { stored: storedCount, duplicates: checkedCount - storedCount, rejected, fresh };
}
