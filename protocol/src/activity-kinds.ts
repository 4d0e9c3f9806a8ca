// The activity types and job statuses as plain lists, in a module of their own with no zod: a page that only lists
// them (the dashboard's filters and charts) then does not load zod with its first JS (issue 17). activity.ts builds
// its schemas from these and re-exports them, so callers import them from the protocol's index as before.

export const ACTIVITY_TYPES = ["financial", "job", "browser", "system", "other"] as const;

/**
 * The stages of a job application (Huntr's): wishlist (not applied yet), applied, assessment (a code challenge or
 * test), interview, offer, then where it ended: accepted, rejected, withdrawn, or ghosted (the company went silent).
 */
export const JOB_STATUSES = ["wishlist", "applied", "assessment", "interview", "offer", "accepted", "rejected", "withdrawn", "ghosted"] as const;

/** The stages where waiting for the company makes sense, so a silent application asks "follow up?". */
export const WAITING_STATUSES = ["applied", "assessment", "interview"] as const;

/** The kinds of job interview (protocol/src/jobs.ts builds its schemas from this list). */
export const INTERVIEW_KINDS = ["phone", "video", "onsite", "technical", "other"] as const;
