import { z } from "zod";
import { ActivityView, InterviewView, JobApplicationView, JobDetectionView, UpcomingInterview } from "#protocol";

// The job pages' answer schemas, loaded with the first call (see lazySchemas): zod stays out of the pages' first JS.

export { JobApplicationView };
export const Detections = z.object({ detections: z.array(JobDetectionView) });
export const Decided = z.object({ activity: ActivityView.nullable() });
export const Interviews = z.object({ interviews: z.array(UpcomingInterview) });
export const OneInterview = z.object({ interview: InterviewView });
