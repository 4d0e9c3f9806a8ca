import { z } from "zod";
import type { NoticeReader } from "../notifications/store.ts";

// The outbox notices job applications raise (issue 19), written by the hourly sweep (core/src/jobs/followups.ts):
// "follow up?" for an application with no movement for the rule's days, and a reminder the day before an interview.

export const FollowUpFacts = z.object({
  activity_id: z.string(),
  company: z.string().nullable(),
  role: z.string().nullable(),
  status: z.string(),
  /** Whole days since the last movement (a move, or the user's last follow-up). */
  days: z.number().int(),
});
export type FollowUpFacts = z.infer<typeof FollowUpFacts>;

export const InterviewReminderFacts = z.object({
  activity_id: z.string(),
  interview_id: z.string(),
  company: z.string().nullable(),
  role: z.string().nullable(),
  starts_at: z.number(),
  time_zone: z.string(),
  kind: z.string(),
  location: z.string().nullable(),
});
export type InterviewReminderFacts = z.infer<typeof InterviewReminderFacts>;

/** "14:30 (Europe/Amsterdam)", or the UTC time when the zone is unknown here. */
function timeIn(at: number, zone: string): string {
  try {
    return `${new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit" }).format(at)} (${zone})`;
  } catch {
    return `${new Date(at).toISOString().slice(11, 16)} (UTC)`;
  }
}

export const jobNotices: Record<string, NoticeReader> = {
  job_follow_up: (input) => {
    const parsed = FollowUpFacts.safeParse(input);
    if (!parsed.success) return null;
    const facts = parsed.data;
    const company = facts.company ?? "the company";
    return {
      kind: "job_follow_up",
      title: `Follow up with ${company}?`,
      body: `${facts.role ? `${facts.role} at ${company}` : `Your application at ${company}`} has been at ${facts.status} for ${facts.days} days with no news.`,
      actions: [
        { id: "followed_up", label: "Followed up" },
        { id: "snooze", label: "Snooze a week" },
        { id: "mark_ghosted", label: "Mark ghosted" },
      ],
      source: { type: "activity", id: facts.activity_id },
      link: `/dashboard/applications?open=${encodeURIComponent(facts.activity_id)}`,
    };
  },
  interview_reminder: (input) => {
    const parsed = InterviewReminderFacts.safeParse(input);
    if (!parsed.success) return null;
    const facts = parsed.data;
    const company = facts.company ?? "an application";
    return {
      kind: "interview_reminder",
      title: `Interview tomorrow: ${company}`,
      body: `${facts.kind === "other" ? "Interview" : `${facts.kind[0]?.toUpperCase() ?? ""}${facts.kind.slice(1)} interview`} for ${facts.role ?? "the role"} at ${company}, ${timeIn(facts.starts_at, facts.time_zone)}${facts.location ? `, ${facts.location}` : ""}.`,
      source: { type: "activity", id: facts.activity_id },
      link: "/dashboard/calendar",
    };
  },
};
