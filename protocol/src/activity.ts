import { z } from "zod";

export const ACTIVITY_TYPES = ["financial", "job", "browser", "system", "other"] as const;

/** The seed's activity shape, kept as it was, plus the stable id made at the source (for dedupe). */
export const ActivityEvent = z.object({
  event_id: z.string().min(1).max(200),
  activity_type: z.enum(ACTIVITY_TYPES),
  /** ISO 8601. */
  timestamp: z.iso.datetime({ offset: true }),
  application: z.string().min(1).max(200),
  details: z.record(z.string(), z.json()),
});
export type ActivityEvent = z.infer<typeof ActivityEvent>;
