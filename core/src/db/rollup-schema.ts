import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import { users } from "./tables.ts";

// The dashboard summary's rollups (core/src/activities/summary-sql.ts): per user, per UTC day and per UTC hour, the
// activity counts and money sums the summary adds up, so an all-time summary reads thousands of rollup rows, not a
// million activities. SQLite triggers on `activities` keep them exact under every writer (ingest, edits, deletes,
// retention, the demo reset, account deletion): see migrations/0020_activity_rollups.sql, which also makes both tables
// WITHOUT ROWID (drizzle cannot say so; the snapshot does not need to know).
//
// The key keeps only what the summary groups by, so rows that differ in nothing it reads share one rollup row:
// `category` and `currency` are filled for financial rows only (category NULL stored as 'uncategorised', the
// summary's own name for it), `job_status` for job rows only (NULL stored as 'applied'), and '' everywhere else.
// A key column is never NULL: NULLs are distinct in a primary key, and the triggers' upserts would miss them.

/** The columns both grains share, with `time`, the column that names the grain. */
const columns = <T>(userId: () => AnySQLiteColumn, time: T) => ({
  userId: text("user_id")
    .notNull()
    .references(userId, { onDelete: "cascade" }),
  ...time,
  activityType: text("activity_type", { enum: ["financial", "job", "browser", "system", "other"] }).notNull(),
  category: text("category").notNull(),
  currency: text("currency").notNull(),
  jobStatus: text("job_status").notNull(),
  /** Activities in this row; a row that reaches 0 is deleted by the trigger that emptied it. */
  entries: integer("entries").notNull(),
  /** Financial rows with a negative amount, and their amounts' sum (≤ 0, minor units). */
  spentEntries: integer("spent_entries").notNull(),
  spentMinor: integer("spent_minor").notNull(),
  /** The sum of the positive amounts (minor units). */
  incomeMinor: integer("income_minor").notNull(),
});

/** One row per (user, UTC day, type, category, currency, status). `day` is the day's first instant, epoch ms. */
export const activityRollupDaily = sqliteTable(
  "activity_rollup_daily",
  columns(() => users.id, { day: integer("day").notNull() }),
  (t) => [primaryKey({ columns: [t.userId, t.day, t.activityType, t.category, t.currency, t.jobStatus] })],
);

/** The same by UTC hour: the viewer's days rarely start at UTC midnight. `hour` is the hour's first instant, epoch ms. */
export const activityRollupHourly = sqliteTable(
  "activity_rollup_hourly",
  columns(() => users.id, { hour: integer("hour").notNull() }),
  (t) => [primaryKey({ columns: [t.userId, t.hour, t.activityType, t.category, t.currency, t.jobStatus] })],
);
