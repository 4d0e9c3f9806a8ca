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

/** Sign-in lockout: more than this many failures for one email inside the window gets 429. */
export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * MINUTE;
