import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Times are epoch milliseconds, set by the worker, so the client and SQL agree without time-zone parsing. */
export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  /** Stored trimmed and lower-cased: one person, one account. */
  email: text("email").notNull().unique(),
  name: text("name"),
  /** `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`: the parameters travel with the hash so they can be raised later. */
  passwordHash: text("password_hash").notNull(),
  createdAt: integer("created_at").notNull(),
});

export const sessions = sqliteTable(
  "sessions",
  {
    /** SHA-256 of the cookie's token, hex. The token itself is never stored. */
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    /** Slides forward with use; the idle timeout counts from here. */
    lastSeenAt: integer("last_seen_at").notNull(),
    /** The absolute end of the session, however active it is. */
    expiresAt: integer("expires_at").notNull(),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_idx").on(t.expiresAt)],
);

/** Failed sign-ins, kept per email (existing or not) for the lockout window. */
export const loginFailures = sqliteTable(
  "login_failures",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    email: text("email").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("login_failures_email_at_idx").on(t.email, t.at)],
);

export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
