import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { sql } from "drizzle-orm";

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
    /** The client's address at sign-in (CF-Connecting-IP), shown in Settings → Account. */
    ip: text("ip"),
    /** When this session last proved a second factor (or, for an account without one, the password), and how. */
    provedAt: integer("proved_at"),
    provedWith: text("proved_with", { enum: ["password", "totp", "recovery", "passkey"] }),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_idx").on(t.expiresAt)],
);

/**
 * Browsers the user has signed in from: a long-lived random cookie, of which D1 keeps the hash. A sign-in from a
 * browser without a known one is "a new device", and the user is told.
 */
export const knownBrowsers = sqliteTable(
  "known_browsers",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    userAgent: text("user_agent"),
    firstSeenAt: integer("first_seen_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
  },
  (t) => [index("known_browsers_user_idx").on(t.userId)],
);

/** A requested email change, confirmed by a single-use link sent to the new address. Only the link token's hash is kept. */
export const emailChanges = sqliteTable(
  "email_changes",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    newEmail: text("new_email").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("email_changes_user_idx").on(t.userId)],
);

/**
 * Sign-in checks: each is reserved here before a secret is verified, and stays as a failure unless it succeeds.
 * Kept per email (existing or not) and client address for the sign-in limits' windows (auth/lockout.ts).
 */
export const loginAttempts = sqliteTable(
  "login_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    email: text("email").notNull(),
    address: text("address").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [
    index("login_attempts_email_at_idx").on(t.email, t.at),
    index("login_attempts_address_at_idx").on(t.address, t.at),
    index("login_attempts_at_idx").on(t.at),
  ],
);

export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;

/** A paired agent. Its token lives only on the machine; D1 keeps the SHA-256. Revoking clears the hash. */
export const devices = sqliteTable(
  "devices",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    platform: text("platform").notNull(),
    agentVersion: text("agent_version").notNull(),
    tokenHash: text("token_hash").unique(),
    /** The connectors and actions the agent last advertised in `hello` (JSON). */
    connectors: text("connectors").notNull().default("[]"),
    /** The local limits the agent last advertised in `hello` (JSON `AgentLimits`: folders, shell, apps); null before. */
    limits: text("limits"),
    /** The agent's MCP servers as it last reported them (JSON `McpServerStatus[]`, from `hello` and `connectors`). */
    mcpServers: text("mcp_servers").notNull().default("[]"),
    createdAt: integer("created_at").notNull(),
    lastSeenAt: integer("last_seen_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("devices_user_idx").on(t.userId)],
);

/** Device-flow pairing codes (RFC 8628). Both codes are stored hashed; the token is minted when the agent collects it. */
export const pairingCodes = sqliteTable(
  "pairing_codes",
  {
    deviceCodeHash: text("device_code_hash").primaryKey(),
    userCodeHash: text("user_code_hash").notNull().unique(),
    name: text("name").notNull(),
    platform: text("platform").notNull(),
    agentVersion: text("agent_version").notNull(),
    status: text("status", { enum: ["pending", "approved", "denied", "consumed"] }).notNull(),
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    lastPolledAt: integer("last_polled_at"),
    /** Where `/start` came from, shown on the approval page so a phished code looks foreign: the address, and "City, CC" when known. */
    startIp: text("start_ip"),
    startPlace: text("start_place"),
    /**
     * From an install line: its key hash (unique: one pairing per line, so a learned key cannot take the page over) and
     * the user code itself, shown to the line's owner to approve (it lives 10 minutes; approving needs a recent proof).
     */
    installKeyHash: text("install_key_hash"),
    userCode: text("user_code"),
    /** The device whose token this pairing minted (set when consumed), so the install line's page can name it. */
    deviceId: text("device_id"),
  },
  (t) => [index("pairing_codes_expires_idx").on(t.expiresAt), uniqueIndex("pairing_codes_install_key_idx").on(t.installKeyHash)],
);

/** Wrong pairing codes entered by a signed-in user, for the few-tries limit. */
export const pairFailures = sqliteTable(
  "pair_failures",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: text("user_id").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("pair_failures_user_at_idx").on(t.userId, t.at)],
);

/** Every command's audit record. The relay's own SQLite holds the live queue; this is the copy the API reads. */
export const commands = sqliteTable(
  "commands",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    deviceId: text("device_id").notNull(),
    target: text("target").notNull(),
    action: text("action").notNull(),
    parameters: text("parameters").notNull(),
    status: text("status").notNull(),
    seq: integer("seq"),
    readOnly: integer("read_only", { mode: "boolean" }).notNull(),
    result: text("result"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    retryOf: text("retry_of"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deadlineAt: integer("deadline_at").notNull(),
  },
  (t) => [index("commands_user_created_idx").on(t.userId, t.createdAt), index("commands_device_created_idx").on(t.deviceId, t.createdAt)],
);

/** Server-side permission rules. */
export const permissions = sqliteTable(
  "permissions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    deviceId: text("device_id"),
    target: text("target").notNull(),
    action: text("action").notNull(),
    scope: text("scope"),
    effect: text("effect", { enum: ["allow", "deny"] }).notNull(),
    oneTime: integer("one_time", { mode: "boolean" }).notNull(),
    expiresAt: integer("expires_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("permissions_user_idx").on(t.userId)],
);

/** A question to the user: may this command (or the agent's own request) go ahead? */
export const permissionRequests = sqliteTable(
  "permission_requests",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    deviceId: text("device_id").notNull(),
    commandId: text("command_id"),
    /** For a request the agent raised: the frame id to answer with `permission_update`. */
    agentRef: text("agent_ref"),
    target: text("target").notNull(),
    action: text("action").notNull(),
    context: text("context").notNull(),
    parameters: text("parameters").notNull(),
    oneTime: integer("one_time", { mode: "boolean" }).notNull(),
    status: text("status", { enum: ["pending", "allowed", "denied", "expired"] }).notNull(),
    decision: text("decision"),
    /** The scope an "Allow for 1 hour" or "Always allow" answer granted (null: everything, or no grant). */
    grantedScope: text("granted_scope"),
    createdAt: integer("created_at").notNull(),
    decidedAt: integer("decided_at"),
  },
  (t) => [index("permission_requests_user_status_idx").on(t.userId, t.status)],
);

/** The audit log: every command state change, permission decision and device event. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    at: integer("at").notNull(),
    kind: text("kind").notNull(),
    deviceId: text("device_id"),
    commandId: text("command_id"),
    summary: text("summary").notNull(),
    detail: text("detail").notNull(),
    /** The relay's outbox number for this line: a flush the relay repeats after a restart adds it only once. */
    relaySeq: integer("relay_seq"),
  },
  (t) => [
    index("audit_user_id_idx").on(t.userId, t.id),
    uniqueIndex("audit_user_relay_seq_idx").on(t.userId, t.relaySeq),
    // A local client's command (`audit` frame) is one line per agent entry, however often the agent resends it.
    uniqueIndex("audit_local_entry_idx")
      .on(t.userId, t.deviceId, sql`${t.detail} ->> '$.entry_id'`)
      .where(sql`kind = 'local_command'`),
  ],
);

export type Device = typeof devices.$inferSelect;
export type CommandRow = typeof commands.$inferSelect;
export type PermissionRow = typeof permissions.$inferSelect;
export type PermissionRequestRow = typeof permissionRequests.$inferSelect;

/**
 * What the user's listeners saw: money spent or received, jobs applied for, and other activity. One row per
 * (user, event_id): the same event sent twice is stored once. Financial and job fields are typed columns, read
 * from `details`, for filters and sums in SQL. Full-text indexed by `activities_fts` (see its migration).
 */
export const activities = sqliteTable(
  "activities",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    eventId: text("event_id").notNull(),
    deviceId: text("device_id"),
    source: text("source", { enum: ["agent", "local", "api", "upload", "manual", "demo"] }).notNull(),
    activityType: text("activity_type", { enum: ["financial", "job", "browser", "system", "other"] }).notNull(),
    /** The event's own ISO 8601 text, as sent, and the same instant in epoch ms for ranges and grouping. */
    timestamp: text("timestamp").notNull(),
    occurredAt: integer("occurred_at").notNull(),
    application: text("application").notNull(),
    description: text("description"),
    details: text("details").notNull(),
    /** JSON array of strings. */
    tags: text("tags").notNull().default("[]"),
    /** Signed, in minor units (cents): negative is money spent. */
    amountMinor: integer("amount_minor"),
    currency: text("currency"),
    merchant: text("merchant"),
    category: text("category"),
    company: text("company"),
    role: text("role"),
    jobStatus: text("job_status", { enum: ["wishlist", "applied", "assessment", "interview", "offer", "accepted", "rejected", "withdrawn", "ghosted"] }),
    url: text("url"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("activities_user_event_idx").on(t.userId, t.eventId),
    // The list's order (newest first) when no type is asked for.
    index("activities_user_time_idx").on(t.userId, t.occurredAt),
    // A type's rows in time order, carrying every column the dashboard summary reads, so the summary never
    // touches the table (core/src/activities/summary.ts). It also serves the list filtered by type, which is
    // why it replaced the plain (user, type, time) index: that one was a prefix of it.
    index("activities_user_type_time_cover_idx").on(t.userId, t.activityType, t.occurredAt, t.amountMinor, t.currency, t.category, t.jobStatus),
  ],
);

/**
 * Activity events an agent sent that the server refused (a schema drift between the agent and the server), kept per
 * device with the reason so the device page can show them instead of their vanishing. One row per event id.
 */
export const activityRefusals = sqliteTable(
  "activity_refusals",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    deviceId: text("device_id")
      .notNull()
      .references(() => devices.id, { onDelete: "cascade" }),
    /** The event's id, or `<frame id>#<index>` for an event without a readable one. */
    eventId: text("event_id").notNull(),
    /** The event as sent (JSON, cut to 4 KiB); the agent keeps it whole. */
    event: text("event").notNull(),
    reason: text("reason").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("activity_refusals_event_idx").on(t.userId, t.deviceId, t.eventId), index("activity_refusals_device_idx").on(t.userId, t.deviceId, t.createdAt)],
);

/** Tokens that let other tools push activity in (`POST /api/activities` with a bearer token). Only the hash is kept. */
export const ingestTokens = sqliteTable(
  "ingest_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("ingest_tokens_user_idx").on(t.userId)],
);

/**
 * How long a user keeps each kind of activity, counted from when a row was stored (`created_at`). A kind with no
 * row here has its default (core/src/activities/retention.ts); `days` NULL means kept until the user deletes it.
 */
export const activityRetention = sqliteTable(
  "activity_retention",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["statements", "manual", "recorded"] }).notNull(),
    days: integer("days"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.kind] })],
);

export type ActivityRow = typeof activities.$inferSelect;
export type IngestTokenRow = typeof ingestTokens.$inferSelect;
