import type { NotificationKind, Priority } from "#protocol";

// How the app names and explains each notification source and priority, in one place: the center's filters,
// its items and Settings → Notifications all read from here.

/** A source's number, where its rule has one; `step` 1 means whole numbers only. */
export type Threshold = { label: string; unit: string; hint: string; step: number };

/** A kind whose rule has an amount per currency (large_transaction) instead of one number. */
export type PerCurrency = { label: string; hint: string };

export type KindInfo = { label: string; description: string; threshold: Threshold | null; perCurrency?: PerCurrency };

export const KIND_INFO: Record<NotificationKind, KindInfo> = {
  permission_requested: {
    label: "Permission requests",
    description: "A command or the assistant wants to do something on your computer that no rule allows yet. You can allow or deny it from the notification.",
    threshold: null,
  },
  command_finished: {
    label: "Commands finished",
    description: "A command you sent to one of your devices finished successfully.",
    threshold: null,
  },
  command_failed: {
    label: "Commands failed",
    description: "A command failed on your device, for example because a file was missing. Retry runs it again.",
    threshold: null,
  },
  command_expired: {
    label: "Commands expired",
    description: "A command waited past its deadline, usually because the device was offline. Retry sends it again.",
    threshold: null,
  },
  large_transaction: {
    label: "Large transactions",
    description:
      "Money in or out at or above an amount you choose for its currency, from a bank statement or a listener on your computer. Only transactions from the last 3 days when they arrive: importing old statements never alerts.",
    threshold: null,
    perCurrency: { label: "Amount at least, per currency", hint: "Each currency has its own amount; a currency that is not listed never alerts." },
  },
  job_application: {
    label: "Job applications",
    description: "A listener or tool recorded a job application you made (not ones you add by hand).",
    threshold: null,
  },
  job_status_changed: {
    label: "Job status changes",
    description: "One of your job applications moved on: an interview, an offer or a rejection.",
    threshold: null,
  },
  agent_offline: {
    label: "Device offline",
    description: "A paired device has been offline for a while, so commands to it will wait.",
    threshold: { label: "Offline for at least", unit: "minutes", hint: "Short drops are normal: a laptop going to sleep, a new network.", step: 1 },
  },
  new_sign_in: {
    label: "New sign-ins",
    description: "A browser your account has not used before signed in. If it was not you, change your password and sign it out in Settings → Account.",
    threshold: null,
  },
  webhook_disabled: {
    label: "Webhook turned off",
    description: "A webhook kept failing, so Hearth stopped sending to it until you fix and re-enable it.",
    threshold: null,
  },
  subscription_price_change: {
    label: "Subscription price changes",
    description: "A regular payment (a subscription or a bill) came in at a different amount than usual.",
    threshold: null,
  },
  payment_missed: {
    label: "Missed payments",
    description: "A regular payment or income (your salary, rent, a subscription) did not arrive when it usually does.",
    threshold: null,
  },
  subscription_new: {
    label: "New subscriptions",
    description: "A new regular payment showed up in your statements.",
    threshold: null,
  },
  unusual_spending: {
    label: "Unusual spending",
    description: "Spending in a category or at a merchant far above your own usual level, or one payment far above what that merchant usually costs you.",
    threshold: null,
  },
  job_follow_up: {
    label: "Follow-ups",
    description: "A job application has not moved for a while. Mark it followed up, snooze it, or mark it ghosted from the notification.",
    threshold: { label: "No movement for", unit: "days", hint: "Most recruiters answer within two weeks.", step: 1 },
  },
  interview_reminder: {
    label: "Interview reminders",
    description: "You have an interview tomorrow.",
    threshold: null,
  },
};

export const PRIORITY_LABEL: Record<Priority, string> = { low: "Low", normal: "Normal", high: "High", urgent: "Urgent" };

/** What each priority does in the app, for the settings page's explanation. */
export const PRIORITY_EFFECT: Record<Priority, string> = {
  low: "counted on the bell",
  normal: "counted on the bell",
  high: "also shown as a toast for a few seconds",
  urgent: "a toast that stays until you close it, even in quiet hours",
};
