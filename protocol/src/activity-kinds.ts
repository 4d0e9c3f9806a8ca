// The activity types and job statuses as plain lists, in a module of their own with no zod: a page that only lists
// them (the dashboard's filters and charts) then does not load zod with its first JS (issue 17). activity.ts builds
// its schemas from these and re-exports them, so callers import them from the protocol's index as before.

export const ACTIVITY_TYPES = ["financial", "job", "browser", "system", "other"] as const;

export const JOB_STATUSES = ["applied", "screening", "interview", "offer", "rejected", "withdrawn"] as const;
