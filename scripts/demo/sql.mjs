// The demo account as one SQL script for `wrangler d1 execute --file`, so the database can be filled whether or
// not the server runs. Rows are made by the worker's own `toRow`, so the typed columns (amount_minor, merchant,
// job_status…) are exactly what the API would have stored; the search index fills itself through its triggers.
//
// What must stay true: running the script again gives the same account and no duplicates. The user is upserted
// by email (its id, sessions and anything else it owns stay), and only its rows with source 'demo' are replaced.
import { toRow } from "../../core/src/activities/ingest.ts";
import { jobExtras } from "./jobs.mjs";

/**
 * A SQL literal: text single-quoted with quotes doubled, numbers as they are, null as NULL.
 * @param {string | number | null} value
 */
function literal(value) {
  if (value === null) return "NULL";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`Not a number SQL can store: ${value}`);
    return String(value);
  }
  return `'${value.replaceAll("'", "''")}'`;
}

const COLUMNS = ["id", "user_id", "event_id", "device_id", "source", "activity_type", "timestamp", "occurred_at", "application", "description",
  "details", "tags", "amount_minor", "currency", "merchant", "category", "company", "role", "job_status", "url", "created_at", "updated_at"];

/**
 * The SQL that creates or resets the demo user and loads its events.
 * @param {{ account: { email: string, name: string }, passwordHash: string, events: readonly unknown[], now: number }} input
 * @returns {string}
 */
export function demoSql({ account, passwordHash, events, now }) {
  const email = literal(account.email);
  const userId = `(SELECT id FROM users WHERE email = ${email})`;
  const lines = [
    "-- The Hearth demo account, written by `npm run demo`. Made-up data; running it again replaces the demo rows.",
    `INSERT INTO users (id, email, name, password_hash, created_at) VALUES (${literal(crypto.randomUUID())}, ${email}, ${literal(account.name)}, ${literal(passwordHash)}, ${now})
  ON CONFLICT (email) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash;`,
    // A newcomer who mistyped the password five times should not be locked out of the demo by a reset.
    `DELETE FROM login_attempts WHERE email = ${email};`,
    `DELETE FROM activities WHERE source = 'demo' AND user_id = ${userId};`,
  ];
  events.forEach((event, index) => {
    const row = toRow(event);
    if ("reason" in row) throw new Error(`Demo event ${index} is not a valid activity (${row.reason}): a bug in scripts/demo.`);
    const values = [literal(row.id), userId, literal(row.eventId), "NULL", "'demo'", literal(row.activityType), literal(row.timestamp), literal(row.occurredAt),
      literal(row.application), literal(row.description), literal(row.details), literal(row.tags), literal(row.amountMinor), literal(row.currency),
      literal(row.merchant), literal(row.category), literal(row.company), literal(row.role), literal(row.jobStatus), literal(row.url), now, now];
    lines.push(`INSERT INTO activities (${COLUMNS.join(", ")}) VALUES (${values.join(", ")});`);
  });
  // The applications' history, details and interviews (deleted with their rows above, by the foreign keys).
  for (const job of jobExtras(/** @type {import("./money.mjs").DemoEvent[]} */ (events), now)) {
    const activity = `(SELECT id FROM activities WHERE user_id = ${userId} AND event_id = ${literal(job.event_id)})`;
    for (const move of job.history) {
      lines.push(`INSERT INTO job_status_history (id, user_id, activity_id, from_status, to_status, at) VALUES (${literal(crypto.randomUUID())}, ${userId}, ${activity}, ${literal(move.from)}, ${literal(move.to)}, ${move.at});`);
    }
    if (job.notes || job.resume || job.contacts.length) {
      lines.push(`INSERT INTO job_details (activity_id, user_id, notes, resume_version, contacts, updated_at) VALUES (${activity}, ${userId}, ${literal(job.notes)}, ${literal(job.resume)}, ${literal(JSON.stringify(job.contacts))}, ${now});`);
    }
    for (const interview of job.interviews) {
      lines.push(`INSERT INTO job_interviews (id, user_id, activity_id, starts_at, time_zone, duration_minutes, kind, location, created_at) VALUES (${literal(crypto.randomUUID())}, ${userId}, ${activity}, ${interview.at}, ${literal(interview.zone)}, ${interview.minutes}, ${literal(interview.kind)}, ${literal(interview.location)}, ${now});`);
    }
  }
  return `${lines.join("\n")}\n`;
}
