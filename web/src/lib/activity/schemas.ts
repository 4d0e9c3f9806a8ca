import { z } from "zod";
import { ActivityView, IngestTokenView } from "#protocol";

// The dashboard's answer schemas, and zod with them, in a chunk of their own: api.ts loads it with the first call
// (callParsed parses once both the answer and this are in), so zod is not part of the page's first JS (issue 17).
// Every answer is still parsed before the page uses it.

export { ActivityQuery, ActivityRetention, ActivitySummary, IngestResult } from "#protocol/activity.ts";

export const ActivityPage = z.object({ activities: z.array(ActivityView), next_before: z.string().nullable() });
export const OneActivity = z.object({ activity: ActivityView });
export const Ok = z.object({ ok: z.literal(true) });
export const Deleted = z.object({ deleted: z.number() });
export const Tokens = z.object({ tokens: z.array(IngestTokenView) });
export const NewToken = z.object({ token: z.string(), ingest_token: IngestTokenView });
export const OneToken = z.object({ ingest_token: IngestTokenView });
