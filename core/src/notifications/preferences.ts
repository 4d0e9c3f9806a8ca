import { eq } from "drizzle-orm";
import { NOTIFICATION_KINDS, NotificationRule, QuietHours, defaultRules, isTimeZone } from "#protocol";
import type { NotificationKind, NotificationPreferences } from "#protocol";
import { z } from "zod";
import { openDb, schema } from "../db/index.ts";

// A user's notification preferences: one rule per source kind (on or off, priority, threshold, channels) and
// quiet hours. Stored as JSON in one row; a missing row, or a kind added since it was saved, reads as the defaults.

const { notificationPreferences } = schema;

export const DEFAULT_QUIET_HOURS: QuietHours = { enabled: false, start: "22:00", end: "07:00", time_zone: "UTC" };

/** Every kind's rule, in NOTIFICATION_KINDS order: the saved one where it parses, else the default. */
export function mergeRules(saved: unknown): NotificationRule[] {
  const parsed = z.array(z.unknown()).safeParse(saved);
  const byKind = new Map<NotificationKind, NotificationRule>();
  for (const item of parsed.success ? parsed.data : []) {
    const rule = NotificationRule.safeParse(item);
    if (rule.success) byKind.set(rule.data.kind, rule.data);
  }
  const defaults = defaultRules();
  return NOTIFICATION_KINDS.map((kind) => byKind.get(kind) ?? defaults.find((rule) => rule.kind === kind) ?? defaults[0]!);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export async function loadPreferences(d1: D1Database, userId: string): Promise<NotificationPreferences> {
  const row = await openDb(d1).select().from(notificationPreferences).where(eq(notificationPreferences.userId, userId)).get();
  const quiet = QuietHours.safeParse(row ? parseJson(row.quietHours) : null);
  return { rules: mergeRules(row ? parseJson(row.rules) : []), quiet_hours: quiet.success ? quiet.data : DEFAULT_QUIET_HOURS };
}

/** Saves the parts given; rules for kinds not given keep their current setting. */
export async function savePreferences(d1: D1Database, userId: string, update: Partial<NotificationPreferences>): Promise<NotificationPreferences> {
  const current = await loadPreferences(d1, userId);
  const rules = update.rules ? mergeRules([...current.rules.filter((rule) => !update.rules?.some((u) => u.kind === rule.kind)), ...update.rules]) : current.rules;
  const next: NotificationPreferences = { rules, quiet_hours: update.quiet_hours ?? current.quiet_hours };
  const values = { userId, rules: JSON.stringify(next.rules), quietHours: JSON.stringify(next.quiet_hours), updatedAt: Date.now() };
  await openDb(d1)
    .insert(notificationPreferences)
    .values(values)
    .onConflictDoUpdate({ target: notificationPreferences.userId, set: { rules: values.rules, quietHours: values.quietHours, updatedAt: values.updatedAt } });
  return next;
}

/** Minutes since local midnight at `at`, in the zone. */
function localMinutes(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return part("hour") * 60 + part("minute");
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether `at` falls in the quiet hours (a window may cross midnight, like 22:00–07:00). */
export function inQuietHours(quiet: QuietHours, at: number): boolean {
  if (!quiet.enabled) return false;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return false;
  const now = localMinutes(at, isTimeZone(quiet.time_zone) ? quiet.time_zone : "UTC");
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/** When the quiet hours that hold `at` end (to the minute), or null when `at` is not in them. */
export function quietHoursEnd(quiet: QuietHours, at: number): number | null {
  if (!inQuietHours(quiet, at)) return null;
  const zone = isTimeZone(quiet.time_zone) ? quiet.time_zone : "UTC";
  const wait = (minutesOf(quiet.end) - localMinutes(at, zone) + 24 * 60) % (24 * 60);
  const startOfMinute = at - (at % 60_000);
  return startOfMinute + wait * 60_000;
}
