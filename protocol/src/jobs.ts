import { z } from "zod";
import { ActivityLink, ActivityView, JobStatus } from "./activity.ts";
import { INTERVIEW_KINDS } from "./activity-kinds.ts";
import { isTimeZone } from "./notifications.ts";
import { multiLine, singleLine } from "./plain-text.ts";

// Job applications beyond their activity row (issue 19): each move's date, the details the user keeps (contacts,
// notes, the résumé version sent), interviews, and applications detected from browser history waiting to be
// confirmed. An application's id is its activity's id.

/** One move through the stages; `from` is null for the status an application started in. */
export const JobMove = z.object({ from: JobStatus.nullable(), to: JobStatus, at: z.number() });
export type JobMove = z.infer<typeof JobMove>;

export const JobContact = z.object({
  name: singleLine(200).pipe(z.string().min(1, { error: "Give the contact a name." })),
  email: z.union([z.literal(""), z.email({ error: "That is not an e-mail address." }).max(320)]).optional(),
  role: singleLine(200).optional(),
});
export type JobContact = z.infer<typeof JobContact>;

export { INTERVIEW_KINDS };

/** True when YYYY-MM-DDTHH:MM names a real day and time (no 31 February, no 25:61), so nothing is silently rolled over. */
function isRealLocalTime(value: string): boolean {
  const [y, mo, d, h, mi] = value.split(/[-T:]/).map(Number);
  if (y === undefined || mo === undefined || d === undefined || h === undefined || mi === undefined) return false;
  const at = new Date(Date.UTC(y, mo - 1, d, h, mi));
  return at.getUTCFullYear() === y && at.getUTCMonth() === mo - 1 && at.getUTCDate() === d && at.getUTCHours() === h && at.getUTCMinutes() === mi;
}

/** client → API: an interview, as the user enters it: a local date-time and the zone it is in. */
export const InterviewInput = z.object({
  /** Local wall-clock time, YYYY-MM-DDTHH:MM, in `time_zone`. */
  starts_local: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, { error: "Give the start as a date and time (YYYY-MM-DDTHH:MM)." })
    .refine(isRealLocalTime, { error: "That date or time does not exist (check the day of the month, the hour and the minutes)." }),
  time_zone: z.string().min(1).max(100).refine(isTimeZone, { error: "That is not a time zone (like Europe/Amsterdam)." }),
  duration_minutes: z.number().int().min(5, { error: "An interview lasts 5 minutes or more." }).max(24 * 60).default(60),
  kind: z.enum(INTERVIEW_KINDS).default("video"),
  location: singleLine(500).optional(),
});
export type InterviewInput = z.input<typeof InterviewInput>;

/** API → client: a stored interview; `starts_at` is the instant (epoch ms). */
export const InterviewView = z.object({
  id: z.string(),
  application_id: z.string(),
  starts_at: z.number(),
  time_zone: z.string(),
  duration_minutes: z.number(),
  kind: z.enum(INTERVIEW_KINDS),
  location: z.string().nullable(),
});
export type InterviewView = z.infer<typeof InterviewView>;

/** An interview with the application it belongs to, for the board and the calendar. */
export const UpcomingInterview = InterviewView.extend({ company: z.string().nullable(), role: z.string().nullable() });
export type UpcomingInterview = z.infer<typeof UpcomingInterview>;

/** API → client: GET /api/activities/jobs/:id, one application with everything it holds. */
export const JobApplicationView = z.object({
  activity: ActivityView,
  notes: z.string().nullable(),
  resume_version: z.string().nullable(),
  contacts: z.array(JobContact),
  followed_up_at: z.number().nullable(),
  snoozed_until: z.number().nullable(),
  history: z.array(JobMove),
  interviews: z.array(InterviewView),
});
export type JobApplicationView = z.infer<typeof JobApplicationView>;

/** client → API: PATCH /api/activities/jobs/:id, one or more of the details (null or "" clears a text). */
export const UpdateJobApplication = z
  .object({
    company: singleLine(200).pipe(z.string().min(1, { error: "Which company?" })),
    role: singleLine(200).pipe(z.string().min(1, { error: "Which role?" })),
    url: z.union([z.literal(""), ActivityLink]).nullable(),
    notes: multiLine(5000).nullable(),
    resume_version: singleLine(200).nullable(),
    contacts: z.array(JobContact).max(20, { error: "Up to 20 contacts." }),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, { error: "Say what to change." });
export type UpdateJobApplication = z.infer<typeof UpdateJobApplication>;

/** An application detected from browser history, waiting for accept or dismiss. */
export const JobDetectionView = z.object({
  event_id: z.string(),
  company: z.string().nullable(),
  role: z.string().nullable(),
  url: z.string().nullable(),
  occurred_at: z.number(),
  application: z.string(),
});
export type JobDetectionView = z.infer<typeof JobDetectionView>;

/** client → API: POST /api/activities/jobs/detections/decide. */
export const DecideDetection = z.object({ event_id: z.string().min(1).max(200), decision: z.enum(["accept", "dismiss"]) });
