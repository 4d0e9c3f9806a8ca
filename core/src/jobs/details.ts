import { and, asc, eq, gte, sql } from "drizzle-orm";
import { JobContact } from "#protocol";
import type { InterviewView, JobApplicationView, UpcomingInterview, UpdateJobApplication } from "#protocol";
import { z } from "zod";
import { openDb, schema } from "../db/index.ts";
import type { JobDetailsRow, JobInterviewRow } from "../db/jobs-schema.ts";
import { activityView } from "../activities/views.ts";
import { movesOf } from "./moves.ts";

// One application with all it holds: its activity row, the details the user keeps, its moves and its interviews.

const { activities, jobDetails, jobInterviews } = schema;

const Contacts = z.array(JobContact);

function contactsOf(row: JobDetailsRow | undefined): JobContact[] {
  if (!row) return [];
  try {
    const parsed = Contacts.safeParse(JSON.parse(row.contacts));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

export function interviewView(row: JobInterviewRow): InterviewView {
  return {
    id: row.id,
    application_id: row.activityId,
    starts_at: row.startsAt,
    time_zone: row.timeZone,
    duration_minutes: row.durationMinutes,
    kind: row.kind,
    location: row.location,
  };
}

/** The user's job application by id, or undefined (another user's, not a job, or gone). */
export async function findApplication(d1: D1Database, userId: string, id: string) {
  return openDb(d1)
    .select()
    .from(activities)
    .where(and(eq(activities.id, id), eq(activities.userId, userId), eq(activities.activityType, "job")))
    .get();
}

export async function applicationView(d1: D1Database, userId: string, id: string): Promise<JobApplicationView | null> {
  const db = openDb(d1);
  const activity = await findApplication(d1, userId, id);
  if (!activity) return null;
  const [details, history, interviews] = await Promise.all([
    db.select().from(jobDetails).where(eq(jobDetails.activityId, id)).get(),
    movesOf(db, userId, id),
    db.select().from(jobInterviews).where(and(eq(jobInterviews.activityId, id), eq(jobInterviews.userId, userId))).orderBy(asc(jobInterviews.startsAt)),
  ]);
  return {
    activity: activityView(activity),
    notes: details?.notes ?? null,
    resume_version: details?.resumeVersion ?? null,
    contacts: contactsOf(details),
    followed_up_at: details?.followedUpAt ?? null,
    snoozed_until: details?.snoozedUntil ?? null,
    history,
    interviews: interviews.map(interviewView),
  };
}

/** "" and null both clear a text. */
const text = (value: string | null | undefined) => (value === undefined ? undefined : value === null || value === "" ? null : value);

/** The upsert of an application's kept details (only the fields given change). */
export function saveDetails(d1: D1Database, userId: string, id: string, body: Pick<UpdateJobApplication, "notes" | "resume_version" | "contacts">, now: number) {
  const set = {
    ...(body.notes !== undefined ? { notes: text(body.notes) } : {}),
    ...(body.resume_version !== undefined ? { resumeVersion: text(body.resume_version) } : {}),
    ...(body.contacts !== undefined ? { contacts: JSON.stringify(body.contacts.map((c) => ({ name: c.name, ...(c.email ? { email: c.email } : {}), ...(c.role ? { role: c.role } : {}) }))) } : {}),
    updatedAt: now,
  };
  return openDb(d1)
    .insert(jobDetails)
    .values({ activityId: id, userId, ...set })
    .onConflictDoUpdate({ target: jobDetails.activityId, set });
}

/** The user's interviews from `from` on (the board, the calendar, the .ics export), with their application. */
export async function upcomingInterviews(d1: D1Database, userId: string, from: number, limit = 500): Promise<UpcomingInterview[]> {
  const rows = await openDb(d1)
    .select({ interview: jobInterviews, company: activities.company, role: activities.role })
    .from(jobInterviews)
    .innerJoin(activities, eq(activities.id, jobInterviews.activityId))
    .where(and(eq(jobInterviews.userId, userId), gte(sql`${jobInterviews.startsAt} + ${jobInterviews.durationMinutes} * 60000`, from)))
    .orderBy(asc(jobInterviews.startsAt))
    .limit(limit);
  return rows.map((r) => ({ ...interviewView(r.interview), company: r.company, role: r.role }));
}

/** One of the user's interviews, with its application (a single .ics); null when it is not theirs or is gone. */
export async function interviewOf(d1: D1Database, userId: string, interviewId: string): Promise<UpcomingInterview | null> {
  const row = await openDb(d1)
    .select({ interview: jobInterviews, company: activities.company, role: activities.role })
    .from(jobInterviews)
    .innerJoin(activities, eq(activities.id, jobInterviews.activityId))
    .where(and(eq(jobInterviews.id, interviewId), eq(jobInterviews.userId, userId)))
    .get();
  return row ? { ...interviewView(row.interview), company: row.company, role: row.role } : null;
}

/**
 * The instant a wall-clock time in a zone stands for (YYYY-MM-DDTHH:MM). Found by guessing UTC and correcting by the
 * zone's offset at the guess, twice, which settles across a DST change; a time the clocks skip lands an hour later.
 */
export function zonedInstant(local: string, timeZone: string): number {
  const [date = "", time = ""] = local.split("T");
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  const wall = Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1, hh ?? 0, mm ?? 0);
  let guess = wall;
  for (let i = 0; i < 2; i++) guess = wall - offsetAt(guess, timeZone);
  return guess;
}

/** The zone's offset from UTC at an instant, in ms (east positive). */
export function offsetAt(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - (at - (at % 1000));
}

/** The calendar day (YYYY-MM-DD) an instant falls on in a zone. */
export function dayIn(at: number, timeZone: string): string {
  return new Date(at + offsetAt(at, timeZone)).toISOString().slice(0, 10);
}
