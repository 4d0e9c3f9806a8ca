import { sql } from "drizzle-orm";
import { openDb } from "../db/index.ts";
import type { OutboxNotice } from "../notifications/outbox.ts";
import { dayIn } from "./details.ts";
import type { FollowUpFacts, InterviewReminderFacts } from "./notices.ts";

// What the hourly sweep raises for job applications, as notice outbox rows (worker/src/jobs/sweep.ts then tells each
// user's relay, which applies their rule, channels and quiet hours):
// - "follow up?" for an application at applied, assessment or interview with no movement (a move, or the user's
//   "followed up") for the job_follow_up rule's threshold days. Asked once per quiet stretch (job_details
//   .asked_for_movement), and not during a snooze. Only a stretch that went quiet recently is asked about, so a
//   years-old application (an import, a restore) never floods the bell.
// - a reminder for an interview tomorrow, in the user's time zone (their quiet-hours zone), once per interview.
// Notice ids are stable (`follow:<application>:<movement>:<snooze end>`, `interview:<id>:<start>`), so a sweep that runs twice
// stores one notice.

const DAY = 86_400_000;
/** How long after it fell due a quiet stretch is still asked about. */
const RECENT_DAYS = 30;
const BATCH = 200;

export type RaisedNotice = OutboxNotice & { userId: string };

type DueFollowUp = { id: string; user_id: string; company: string | null; role: string | null; job_status: string; moved: number; snoozed: number; days: number };

/** Raises every follow-up due at `at`; returns the notices stored (new ones only). */
export async function raiseFollowUps(d1: D1Database, at: number): Promise<RaisedNotice[]> {
  const db = openDb(d1);
  const due = await db.all<DueFollowUp>(sql`
    WITH waiting AS (
      -- Only applications at a waiting stage; each one's latest move through job_status_history_activity_idx.
      SELECT a.id, a.user_id, a.company, a.role, a.job_status,
        (SELECT max(h.at) FROM job_status_history h WHERE h.activity_id = a.id) AS at
      FROM activities a WHERE a.activity_type = 'job' AND a.job_status IN ('applied', 'assessment', 'interview')
    ),
    rules AS (
      -- The job_follow_up rule, read once per user who has such applications.
      SELECT p.user_id, CAST(r.value ->> '$.threshold' AS INTEGER) AS threshold, r.value ->> '$.enabled' AS enabled
      FROM notification_preferences p, json_each(p.rules) r
      WHERE r.value ->> '$.kind' = 'job_follow_up' AND p.user_id IN (SELECT user_id FROM waiting)
    ),
    apps AS (
      SELECT w.id, w.user_id, w.company, w.role, w.job_status,
        max(w.at, coalesce(d.followed_up_at, 0)) AS moved, d.snoozed_until, d.asked_for_movement,
        coalesce(r.threshold, 10) AS days, r.enabled
      FROM waiting w LEFT JOIN job_details d ON d.activity_id = w.id LEFT JOIN rules r ON r.user_id = w.user_id
      WHERE w.at IS NOT NULL
    )
    SELECT id, user_id, company, role, job_status, moved, coalesce(snoozed_until, 0) AS snoozed, days FROM apps
    WHERE moved <= ${at} - days * ${DAY} AND moved > ${at} - (days + ${RECENT_DAYS}) * ${DAY}
      AND coalesce(snoozed_until, 0) <= ${at} AND (asked_for_movement IS NULL OR asked_for_movement < moved) AND enabled IS NOT 0
    LIMIT 1000`);
  const raised: RaisedNotice[] = [];
  for (let i = 0; i < due.length; i += BATCH) {
    const statements = due.slice(i, i + BATCH).flatMap((app) => {
      const facts: FollowUpFacts = { activity_id: app.id, company: app.company, role: app.role, status: app.job_status, days: Math.floor((at - app.moved) / DAY) };
      return [
        d1
          .prepare("INSERT INTO notice_outbox (id, user_id, kind, facts, created_at) VALUES (?, ?, 'job_follow_up', ?, ?) ON CONFLICT DO NOTHING RETURNING id, user_id, kind, facts, created_at")
          .bind(`follow:${app.id}:${app.moved}:${app.snoozed}`, app.user_id, JSON.stringify(facts), at),
        d1
          .prepare("INSERT INTO job_details (activity_id, user_id, asked_for_movement, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (activity_id) DO UPDATE SET asked_for_movement = excluded.asked_for_movement")
          .bind(app.id, app.user_id, app.moved, at),
      ];
    });
    raised.push(...(await storedNotices(d1, statements)));
  }
  return raised;
}

type SoonInterview = { id: string; activity_id: string; user_id: string; starts_at: number; time_zone: string; kind: string; location: string | null; company: string | null; role: string | null; zone: string | null };

/** The next calendar day after `day` (YYYY-MM-DD). */
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY).toISOString().slice(0, 10);

/** Raises a reminder for each interview that is tomorrow in its user's zone and not yet reminded. */
export async function raiseInterviewReminders(d1: D1Database, at: number): Promise<RaisedNotice[]> {
  const soon = await openDb(d1).all<SoonInterview>(sql`
    SELECT i.id, i.activity_id, i.user_id, i.starts_at, i.time_zone, i.kind, i.location, a.company, a.role,
      (SELECT p.quiet_hours ->> '$.time_zone' FROM notification_preferences p WHERE p.user_id = i.user_id) AS zone
    FROM job_interviews i JOIN activities a ON a.id = i.activity_id
    WHERE i.starts_at > ${at} AND i.starts_at <= ${at + 2 * DAY} AND i.reminded_at IS NULL
    LIMIT 1000`);
  const tomorrow = soon.filter((i) => {
    const zone = zoneOr(i.zone);
    return dayIn(i.starts_at, zone) === nextDay(dayIn(at, zone));
  });
  const statements = tomorrow.flatMap((i) => {
    const facts: InterviewReminderFacts = { activity_id: i.activity_id, interview_id: i.id, company: i.company, role: i.role, starts_at: i.starts_at, time_zone: zoneOr(i.zone), kind: i.kind, location: i.location };
    return [
      d1
        .prepare("INSERT INTO notice_outbox (id, user_id, kind, facts, created_at) VALUES (?, ?, 'interview_reminder', ?, ?) ON CONFLICT DO NOTHING RETURNING id, user_id, kind, facts, created_at")
        .bind(`interview:${i.id}:${i.starts_at}`, i.user_id, JSON.stringify(facts), at),
      d1.prepare("UPDATE job_interviews SET reminded_at = ? WHERE id = ?").bind(at, i.id),
    ];
  });
  return storedNotices(d1, statements);
}

/** A zone the runtime knows, or UTC. */
function zoneOr(zone: string | null): string {
  if (!zone) return "UTC";
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone;
  } catch {
    return "UTC";
  }
}

type OutboxRow = { id: string; user_id: string; kind: string; facts: string; created_at: number };

async function storedNotices(d1: D1Database, statements: D1PreparedStatement[]): Promise<RaisedNotice[]> {
  if (statements.length === 0) return [];
  const results = await d1.batch<OutboxRow>(statements);
  return results.flatMap((r) => r.results.filter((row) => typeof row.kind === "string").map((row) => ({ id: row.id, userId: row.user_id, kind: row.kind, facts: row.facts, createdAt: row.created_at })));
}
