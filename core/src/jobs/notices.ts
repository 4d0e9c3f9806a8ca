import type { NoticeReader } from "../notifications/store.ts";

// The outbox notices job applications raise (issue 19: follow-ups, interview reminders).
export const jobNotices: Record<string, NoticeReader> = {};
