import { z } from "zod";
import { ACTIVITY_TYPES, JOB_STATUSES } from "./activity-kinds.ts";
import { Cursor } from "./cursor.ts";

export { ACTIVITY_TYPES, JOB_STATUSES };
export const ActivityType = z.enum(ACTIVITY_TYPES);
export type ActivityType = z.infer<typeof ActivityType>;

export const JobStatus = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatus>;

/**
 * The seed's activity shape (`activity_type`, `timestamp`, `application`, `description`, `details`, `tags`), plus
 * `event_id`: a stable id made at the source, so the same event sent twice is stored once.
 */
export const ActivityEvent = z.object({
  event_id: z.string().min(1).max(200),
  activity_type: ActivityType,
  /** ISO 8601, with an offset or Z. */
  timestamp: z.iso.datetime({ offset: true }),
  application: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  details: z.record(z.string(), z.json()),
  tags: z.array(z.string().min(1).max(50)).max(20).optional(),
});
export type ActivityEvent = z.infer<typeof ActivityEvent>;

/**
 * What a financial event's `details` may carry, read into typed columns. `amount` is signed: negative is money
 * spent, positive is money received. Other keys stay in `details`.
 */
export const FinancialDetails = z.object({
  amount: z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)]),
  currency: z.string().regex(/^[A-Z]{3}$/, { error: "currency is a 3-letter ISO code, like USD" }),
  merchant: z.string().max(200).optional(),
  category: z.string().max(100).optional(),
});

// The schemes a link from activity may have. The app renders these links, so javascript:, data:, file: and the
// rest are refused where activity comes in (and the app still draws any other stored value as plain text).
const LINK_SCHEMES = /^(https?|mailto)$/;

/** A link activity may carry: http(s) or mailto only. */
export const ActivityLink = z
  .url({ protocol: LINK_SCHEMES, error: "use an http://, https:// or mailto: link (javascript:, data: and other kinds are refused)" })
  .max(2000);

/** True when a stored link may be drawn as a link; anything else is shown as text. */
export function isSafeLink(url: string): boolean {
  return ActivityLink.safeParse(url).success;
}

/** What a job event's `details` may carry, read into typed columns. */
export const JobDetails = z.object({
  company: z.string().max(200).optional(),
  role: z.string().max(200).optional(),
  status: JobStatus.optional(),
  url: ActivityLink.optional(),
});

/** A valid event with the typed parts its type carries, or why it is refused. */
export type CheckedActivity =
  | { ok: true; event: ActivityEvent; money: z.output<typeof FinancialDetails> | null; job: z.output<typeof JobDetails> | null }
  | { ok: false; reason: string };

function reasonOf(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "it is not a valid activity event";
  const path = issue.path.join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}

/**
 * The one check every way in applies to an event: the server's ingest and the agent, before it tells a local
 * program that an event was taken. Keeping it in one place is what lets the agent promise that an acked event
 * will be stored.
 */
export function checkActivityEvent(input: unknown): CheckedActivity {
  const parsed = ActivityEvent.safeParse(input);
  if (!parsed.success) return { ok: false, reason: reasonOf(parsed.error) };
  const event = parsed.data;
  let money: z.output<typeof FinancialDetails> | null = null;
  let job: z.output<typeof JobDetails> | null = null;
  if (event.activity_type === "financial") {
    const checked = FinancialDetails.safeParse(event.details);
    if (!checked.success) return { ok: false, reason: `a financial event needs details.amount and details.currency (${reasonOf(checked.error)})` };
    money = checked.data;
  }
  if (event.activity_type === "job") {
    const checked = JobDetails.safeParse(event.details);
    if (!checked.success) return { ok: false, reason: `details of a job event: ${reasonOf(checked.error)}` };
    job = checked.data;
  }
  return { ok: true, event, money, job };
}

/** One event of a batch that was not taken: its place in the batch and why. */
export const RefusedEvent = z.object({ index: z.number().int().min(0), reason: z.string().max(1000) });
export type RefusedEvent = z.infer<typeof RefusedEvent>;

/** One stored activity, as the API shows it. */
export const ActivityView = z.object({
  id: z.string(),
  event_id: z.string(),
  device_id: z.string().nullable(),
  source: z.enum(["agent", "local", "api", "upload", "manual", "demo"]),
  activity_type: ActivityType,
  timestamp: z.string(),
  occurred_at: z.number(),
  application: z.string(),
  description: z.string().nullable(),
  details: z.record(z.string(), z.json()),
  tags: z.array(z.string()),
  amount: z.number().nullable(),
  currency: z.string().nullable(),
  merchant: z.string().nullable(),
  category: z.string().nullable(),
  company: z.string().nullable(),
  role: z.string().nullable(),
  job_status: JobStatus.nullable(),
  url: z.string().nullable(),
  created_at: z.number(),
});
export type ActivityView = z.infer<typeof ActivityView>;

/** client → API: POST /api/activities, a batch of events (each checked on its own). */
export const IngestRequest = z.object({ events: z.array(z.unknown()).min(1).max(1000) });

/** The answer to any ingest: how many were new, how many were already stored, and each refused one by index. */
export const IngestResult = z.object({
  stored: z.number(),
  duplicates: z.number(),
  rejected: z.array(RefusedEvent),
});
export type IngestResult = z.infer<typeof IngestResult>;

/** GET /api/activities: filters (all optional), newest first, paged with the `next_before` cursor. */
export const ActivityQuery = z.object({
  type: ActivityType.optional(),
  application: z.string().max(200).optional(),
  category: z.string().max(100).optional(),
  tag: z.string().max(50).optional(),
  status: JobStatus.optional(),
  from: z.coerce.number().int().optional(),
  to: z.coerce.number().int().optional(),
  min_amount: z.coerce.number().optional(),
  max_amount: z.coerce.number().optional(),
  q: z.string().trim().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: Cursor.optional(),
});
export type ActivityQuery = z.infer<typeof ActivityQuery>;

/** client → API: POST /api/ingest-tokens */
export const CreateIngestToken = z.object({ name: z.string().trim().min(1, { error: "Name the token after the tool that will use it." }).max(80) });

export const IngestTokenView = z.object({
  id: z.string(),
  name: z.string(),
  created_at: z.number(),
  last_used_at: z.number().nullable(),
  revoked_at: z.number().nullable(),
});
export type IngestTokenView = z.infer<typeof IngestTokenView>;

/** GET /api/activities/summary: the dashboard's aggregates over a time range, computed in SQL. */
export const ActivitySummaryQuery = z.object({
  group: z.enum(["day", "week", "month"]).default("week"),
  from: z.coerce.number().int().optional(),
  to: z.coerce.number().int().optional(),
  /** The viewer's offset from UTC in minutes (east positive), so days and weeks start at their midnight. */
  tz_offset: z.coerce.number().int().min(-840).max(840).default(0),
});

export const ActivitySummary = z.object({
  group: z.enum(["day", "week", "month"]),
  /** Money out per bucket, category and currency (positive numbers). */
  spending: z.array(z.object({ bucket: z.string(), category: z.string(), currency: z.string(), total: z.number() })),
  /** Money in and out per bucket and currency. */
  cash_flow: z.array(z.object({ bucket: z.string(), currency: z.string(), income: z.number(), spending: z.number() })),
  /** Job applications started per bucket. */
  applications: z.array(z.object({ bucket: z.string(), count: z.number() })),
  /** Applications by where they stand now. */
  pipeline: z.array(z.object({ status: JobStatus, count: z.number() })),
  /** Every activity per bucket and type, for the combined timeline. */
  timeline: z.array(z.object({ bucket: z.string(), activity_type: ActivityType, count: z.number() })),
});
export type ActivitySummary = z.infer<typeof ActivitySummary>;

/** client → API: PATCH /api/activities/:id — what the user may correct by hand. */
export const UpdateActivity = z
  .object({
    category: z.string().trim().min(1).max(100).nullable().optional(),
    tags: z.array(z.string().trim().min(1).max(50)).max(20).optional(),
    job_status: JobStatus.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { error: "Say what to change: category, tags or job_status." });

/** API → client: POST /api/activities/import, a statement file read on the server. */
export const StatementImportResult = IngestResult.omit({ rejected: true }).extend({
  file: z.string(),
  /** `ofx`, `camt053`, `preset:<id>`, `profile:<id>` or `custom`: what read the file. */
  layout: z.string(),
  /** The same for people: "ING (NL)", "Your profile 'Joint'", "OFX". */
  layout_name: z.string(),
  accounts: z.array(z.object({ id: z.string(), kind: z.enum(["bank", "creditcard"]), currency: z.string().nullable(), transactions: z.number() })),
  /** Transactions read from the file. */
  found: z.number(),
  /** Lines (CSV) or transactions (OFX) that were not imported, and why. */
  refused: z.array(z.object({ row: z.number(), reason: z.string() })),
  /**
   * Lines that hold no transaction (a CSV's preamble or disclaimer text, an OFX transaction repeated in the same
   * file), and what each is. With the stored, the duplicates and the refused, every line of the file is here.
   */
  skipped: z.array(z.object({ row: z.number(), reason: z.string() })),
});
export type StatementImportResult = z.infer<typeof StatementImportResult>;

/** client → API: POST /api/activities/applications, a job application added by hand. */
export const ManualApplication = z.object({
  company: z.string().trim().min(1, { error: "Which company?" }).max(200),
  role: z.string().trim().min(1, { error: "Which role?" }).max(200),
  url: z.union([z.literal(""), z.url({ protocol: LINK_SCHEMES, error: "That is not a web address (https://…)." }).max(2000)]).optional(),
  status: JobStatus.default("applied"),
  /** The day applied (or saved, for the wishlist), YYYY-MM-DD; today when left out. */
  applied_on: z.iso.date({ error: "Give the date as YYYY-MM-DD." }).optional(),
  notes: z.string().trim().max(5000).optional(),
  /** Which version of the résumé was sent, in the user's words ("2026-03 backend"). */
  resume_version: z.string().trim().max(200).optional(),
});
export type ManualApplication = z.infer<typeof ManualApplication>;

/**
 * How long activity is kept, per kind of source, in days counted from when Hearth stored it (not from when it
 * happened: a statement from 2015 imported today is new to Hearth). null keeps it until the user deletes it.
 * - statements: imported bank statements (uploads, and the agent's statements folder); kept by default.
 * - manual: job applications added by hand; kept by default.
 * - recorded: what listeners and tools record (browsing, jobs found, API pushes); the server's
 *   ACTIVITY_RETENTION_DAYS by default.
 */
export const RETENTION_KINDS = ["statements", "manual", "recorded"] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];
const RetentionDays = z.number().int({ error: "Retention is a whole number of days." }).min(1, { error: "Keep activity for 1 day or more, or for good (null)." }).max(36_500).nullable();
export const ActivityRetention = z.object({ statements: RetentionDays, manual: RetentionDays, recorded: RetentionDays });
export type ActivityRetention = z.infer<typeof ActivityRetention>;

/** client → API: PUT /api/activities/retention, any of the kinds. */
export const UpdateActivityRetention = ActivityRetention.partial().refine((body) => Object.keys(body).length > 0, { error: "Send statements, manual or recorded." });
export type UpdateActivityRetention = z.infer<typeof UpdateActivityRetention>;
