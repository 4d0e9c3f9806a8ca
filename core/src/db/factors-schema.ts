import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./tables.ts";

// Second factors (TOTP, recovery codes, passkeys) and what a sign-in or a step-up needs while it is under way.

/** The account's authenticator-app secret. Unconfirmed until the user enters a current code from it. */
export const totpFactors = sqliteTable("totp_factors", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** Base32, as the authenticator app holds it: TOTP needs the secret itself, not a hash. */
  secret: text("secret").notNull(),
  confirmedAt: integer("confirmed_at"),
  /** The last 30-second step a code was accepted for: a code is good once, even inside its window. */
  lastUsedStep: integer("last_used_step").notNull().default(0),
  createdAt: integer("created_at").notNull(),
});

/** Single-use recovery codes, stored as SHA-256 hashes. */
export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    codeHash: text("code_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    usedAt: integer("used_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("recovery_codes_user_idx").on(t.userId)],
);

/** WebAuthn credentials (passkeys). The id is the credential id, base64url, unique across every account. */
export const passkeys = sqliteTable(
  "passkeys",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** COSE public key, base64url. */
    publicKey: text("public_key").notNull(),
    counter: integer("counter").notNull(),
    /** JSON array of the authenticator's transports, handed back to the browser to find it. */
    transports: text("transports").notNull().default("[]"),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [index("passkeys_user_idx").on(t.userId)],
);

/** Outstanding WebAuthn challenges: single use (deleted when answered) and short-lived. */
export const webauthnChallenges = sqliteTable("webauthn_challenges", {
  challenge: text("challenge").primaryKey(),
  /** Null for a passwordless sign-in, where the passkey says who the user is. */
  userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
  purpose: text("purpose", { enum: ["register", "sign_in", "step_up"] }).notNull(),
  expiresAt: integer("expires_at").notNull(),
});

/** A sign-in whose password was right, waiting for its second factor. The token's SHA-256 is the id. */
export const pendingSignIns = sqliteTable("pending_sign_ins", {
  id: text("id").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  expiresAt: integer("expires_at").notNull(),
});

/** Failed second-factor checks (sign-in or step-up), per user, for the lockout window. A reserved check counts. */
export const factorAttempts = sqliteTable(
  "factor_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    at: integer("at").notNull(),
  },
  (t) => [index("factor_attempts_user_at_idx").on(t.userId, t.at)],
);

/** The account's sign-in and step-up settings; no row means the defaults. */
export const securitySettings = sqliteTable("security_settings", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  requireSecondFactor: integer("require_second_factor", { mode: "boolean" }).notNull().default(false),
  /** JSON `StepUpMinutes`: per target, how long a proof lets approvals with effects through. */
  stepUpMinutes: text("step_up_minutes").notNull().default("{}"),
});

export type PasskeyRow = typeof passkeys.$inferSelect;
