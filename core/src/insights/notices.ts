import type { NoticeReader } from "../notifications/store.ts";

// The outbox notices insights raise (issue 19: price changes, missed payments, new subscriptions, unusual spending).
export const insightNotices: Record<string, NoticeReader> = {};
