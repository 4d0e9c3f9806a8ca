import { z } from "zod";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const positive = (fallback: number) => z.coerce.number().positive().catch(fallback).default(fallback);

const ConfigSchema = z.object({
  SESSION_IDLE_MINUTES: positive(30),
  SESSION_MAX_DAYS: positive(30),
  ACTIVITY_RETENTION_DAYS: positive(365),
});

/** Settings read from `[vars]` (or secrets), with their defaults. A bad value falls back to the default. */
export type Config = {
  sessionIdleMs: number;
  sessionMaxMs: number;
  activityRetentionMs: number;
};

export function readConfig(env: Env): Config {
  const vars = ConfigSchema.parse(env);
  return {
    sessionIdleMs: vars.SESSION_IDLE_MINUTES * MINUTE,
    sessionMaxMs: vars.SESSION_MAX_DAYS * DAY,
    activityRetentionMs: vars.ACTIVITY_RETENTION_DAYS * DAY,
  };
}

/**
 * Sign-in limits: at most `max` checks that failed (or are still running) inside the window, per email (whether
 * or not it has an account), per client address, and across all accounts (a password spray). Past one, 429.
 */
export const LOGIN_LIMITS = {
  email: { max: 5, windowMs: 15 * MINUTE },
  address: { max: 20, windowMs: 15 * MINUTE },
  global: { max: 200, windowMs: 15 * MINUTE },
} as const;

/** Second-factor limits (a TOTP or recovery code, or the password for step-up): per user, kept like LOGIN_LIMITS. */
export const FACTOR_LIMITS = {
  user: { max: 5, windowMs: 15 * MINUTE },
} as const;
