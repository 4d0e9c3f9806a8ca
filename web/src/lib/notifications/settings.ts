import { QuietHours, isTimeZone, largeTransactionThresholds } from "#protocol";
import type { NotificationKind, NotificationPreferences, NotificationRule } from "#protocol";
import { KIND_INFO } from "./kinds.ts";

// Settings → Notifications as a form: the preferences as the inputs hold them (thresholds as typed text), read
// back into the protocol's shape with errors keyed by field, so each shows beside its input.

/** One line of a per-currency rule's amounts, as typed. */
export type AmountDraft = { currency: string; amount: string };
export type RuleDraft = Omit<NotificationRule, "threshold" | "currency_thresholds"> & { threshold: string; amounts: AmountDraft[] };
export type PreferencesDraft = { rules: RuleDraft[]; quiet_hours: QuietHours };

/** The form's key for a rule's threshold input, and for a quiet-hours field. */
export const thresholdKey = (kind: NotificationKind) => `rules.${kind}.threshold`;
export const quietKey = (field: keyof QuietHours) => `quiet_hours.${field}`;

/** The browser's own IANA time zone, like Europe/Berlin. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** Every IANA zone this browser knows, for the time zone input's suggestions. */
export function knownTimeZones(): string[] {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [];
  }
}

/**
 * The preferences as the form edits them. Quiet hours that were never set up read as UTC on the server; the
 * user's own zone is the useful starting point, so the form offers it instead.
 */
export function toDraft(preferences: NotificationPreferences, timeZone = browserTimeZone()): PreferencesDraft {
  const quiet = preferences.quiet_hours;
  return {
    rules: preferences.rules.map((rule) => ({
      ...rule,
      threshold: rule.threshold === null ? "" : String(rule.threshold),
      amounts: KIND_INFO[rule.kind].perCurrency ? Object.entries(largeTransactionThresholds(rule)).map(([currency, amount]) => ({ currency, amount: String(amount) })) : [],
      channels: { in_app: { ...rule.channels.in_app }, webhook: { ...rule.channels.webhook } },
    })),
    quiet_hours: !quiet.enabled && quiet.time_zone === "UTC" ? { ...quiet, time_zone: timeZone } : { ...quiet },
  };
}

function readThreshold(rule: RuleDraft): { value: number | null } | { error: string } {
  const threshold = KIND_INFO[rule.kind].threshold;
  if (!threshold) return { value: null };
  const text = rule.threshold.trim();
  if (text === "") return { error: threshold.step === 1 ? "Enter a number of minutes, like 30." : "Enter an amount, like 500." };
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) return { error: "Use a number of 0 or more, without separators: 1250.50, not 1,250.50." };
  if (threshold.step === 1 && (!Number.isInteger(value) || value < 1)) return { error: "Use whole minutes, 1 or more." };
  return { value };
}

/** A per-currency rule's amounts as typed, read back: each a currency code once, with an amount of 0 or more. */
function readAmounts(amounts: readonly AmountDraft[]): { value: Record<string, number> } | { error: string } {
  const value: Record<string, number> = {};
  for (const line of amounts) {
    const currency = line.currency.trim().toUpperCase();
    const text = line.amount.trim();
    if (currency === "" && text === "") continue; // a line added and left empty
    if (!/^[A-Z]{3}$/.test(currency)) return { error: `"${line.currency.trim()}" is not a currency code; use 3 letters, like USD or JPY.` };
    if (currency in value) return { error: `${currency} is listed twice; keep one amount for it.` };
    const amount = Number(text);
    if (text === "" || !Number.isFinite(amount) || amount < 0) return { error: `Give ${currency} an amount of 0 or more, without separators: 1250.50, not 1,250.50.` };
    value[currency] = amount;
  }
  return { value };
}

/** Reads the form back into preferences, or errors by field key that say how to fix each one. */
export function readDraft(draft: PreferencesDraft): { ok: true; value: NotificationPreferences } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const rules: NotificationRule[] = [];
  for (const { amounts, ...rule } of draft.rules) {
    const threshold = readThreshold({ ...rule, amounts });
    const perCurrency = KIND_INFO[rule.kind].perCurrency ? readAmounts(amounts) : null;
    if ("error" in threshold) errors[thresholdKey(rule.kind)] = threshold.error;
    else if (perCurrency && "error" in perCurrency) errors[thresholdKey(rule.kind)] = perCurrency.error;
    else rules.push({ ...rule, threshold: threshold.value, ...(perCurrency ? { currency_thresholds: perCurrency.value } : {}) });
  }
  if (draft.quiet_hours.time_zone.trim() === "") errors[quietKey("time_zone")] = "Choose a time zone, like Europe/Berlin.";
  const quiet = QuietHours.safeParse({ ...draft.quiet_hours, time_zone: draft.quiet_hours.time_zone.trim() });
  if (!quiet.success) {
    for (const issue of quiet.error.issues) errors[`quiet_hours.${issue.path.join(".")}`] ??= issue.message;
  } else if (!isTimeZone(quiet.data.time_zone)) {
    errors[quietKey("time_zone")] = `"${quiet.data.time_zone}" is not a time zone; pick one from the list, like Europe/Berlin.`;
  } else if (quiet.data.enabled && quiet.data.start === quiet.data.end) {
    errors[quietKey("end")] = "Quiet hours end when they start, so they would never begin. Choose a different end.";
  }
  if (Object.keys(errors).length > 0 || !quiet.success) return { ok: false, errors };
  return { ok: true, value: { rules, quiet_hours: quiet.data } };
}

/** The form's key for a field the server named (like "rules.4.threshold"), so its message shows at the input. */
export function formKey(field: string | undefined, rules: readonly { kind: NotificationKind }[]): string | null {
  if (!field) return null;
  const rule = /^rules\.(\d+)\.(threshold|currency_thresholds)\b/.exec(field);
  if (rule) {
    const kind = rules[Number(rule[1])]?.kind;
    return kind ? thresholdKey(kind) : null;
  }
  return field.startsWith("quiet_hours.") ? field : null;
}
