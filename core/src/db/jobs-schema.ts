import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { activities, users } from "./tables.ts";

// Job applications (issue 19). An application is a `job` row of `activities` (its company, role, status and link
// are columns there); these tables hold what it gathers over time. Times are epoch milliseconds.

/** Each move of an application through the stages, with its date: the first status at insert, then every change. */
export const jobStatusHistory = sqliteTable(
  "job_status_history",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    activityId: text("activity_id")
      .notNull()
      .references(() => activities.id, { onDelete: "cascade" }),
    /** null for the first status an application had. */
    fromStatus: text("from_status"),
    toStatus: text("to_status").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("job_status_history_activity_idx").on(t.activityId, t.at)],
);

/**
 * What the user keeps about one application beyond its columns in `activities`, and the follow-up clock: the last
 * time they followed up, how long a "follow up?" is snoozed, and which quiet stretch was already asked about (the
 * instant of the last movement it was asked for), so the hourly sweep asks once per stretch.
 */
export const jobDetails = sqliteTable("job_details", {
  activityId: text("activity_id")
    .primaryKey()
    .references(() => activities.id, { onDelete: "cascade" }),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  notes: text("notes"),
  resumeVersion: text("resume_version"),
  /** JSON array of `{name, email?, role?}` (protocol JobContact). */
  contacts: text("contacts").notNull().default("[]"),
  followedUpAt: integer("followed_up_at"),
  snoozedUntil: integer("snoozed_until"),
  askedForMovement: integer("asked_for_movement"),
  updatedAt: integer("updated_at").notNull(),
});

/** An interview of an application: when (an instant, and the zone it was given in), what kind, and where. */
export const jobInterviews = sqliteTable(
  "job_interviews",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    activityId: text("activity_id")
      .notNull()
      .references(() => activities.id, { onDelete: "cascade" }),
    startsAt: integer("starts_at").notNull(),
    /** IANA zone the user gave the time in, e.g. "Europe/Amsterdam". */
    timeZone: text("time_zone").notNull(),
    durationMinutes: integer("duration_minutes").notNull().default(60),
    kind: text("kind", { enum: ["phone", "video", "onsite", "technical", "other"] }).notNull(),
    /** An address, or a meeting link. */
    location: text("location"),
    /** When its "interview tomorrow" reminder was raised; null until then. */
    remindedAt: integer("reminded_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("job_interviews_user_time_idx").on(t.userId, t.startsAt), index("job_interviews_time_idx").on(t.startsAt)],
);

/**
 * Applications detected from browser history, waiting for the user to accept (then they become an application) or
 * dismiss (then the same detection sent again stays dismissed). One row per (user, event id).
 */
export const jobDetections = sqliteTable(
  "job_detections",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    eventId: text("event_id").notNull(),
    deviceId: text("device_id"),
    /** The event as the listener sent it (JSON), stored as an activity on accept. */
    event: text("event").notNull(),
    company: text("company"),
    role: text("role"),
    url: text("url"),
    occurredAt: integer("occurred_at").notNull(),
    state: text("state", { enum: ["pending", "accepted", "dismissed"] }).notNull(),
    createdAt: integer("created_at").notNull(),
    decidedAt: integer("decided_at"),
  },
  (t) => [primaryKey({ columns: [t.userId, t.eventId] }), index("job_detections_user_state_idx").on(t.userId, t.state, t.occurredAt)],
);

export type JobInterviewRow = typeof jobInterviews.$inferSelect;
export type JobDetailsRow = typeof jobDetails.$inferSelect;
export type JobDetectionRow = typeof jobDetections.$inferSelect;
