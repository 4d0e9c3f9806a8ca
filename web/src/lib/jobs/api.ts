import type { InterviewInput, UpdateJobApplication } from "#protocol";
import { api, call, callParsed } from "#lib/shared/api.ts";
import { lazySchemas } from "#lib/shared/lazy-schemas.ts";

// Job applications beyond the activity list: one application's detail, its interviews, and the tray of
// applications detected from browser history.

const { schema } = lazySchemas(() => import("./schemas.ts"));

export const jobsApi = {
  detail: (id: string) => callParsed(api.activities.jobs[":id"].$get({ param: { id } }), schema("JobApplicationView")),
  update: (id: string, body: UpdateJobApplication) => callParsed(api.activities.jobs[":id"].$patch({ param: { id }, json: body }), schema("JobApplicationView")),
  addInterview: async (id: string, body: InterviewInput) => (await callParsed(api.activities.jobs[":id"].interviews.$post({ param: { id }, json: body }), schema("OneInterview"))).interview,
  removeInterview: (iid: string) => call(api.activities.jobs.interviews[":iid"].$delete({ param: { iid } })),
  /** Interviews from `from` (epoch ms; now when left out) on. */
  interviews: async (from?: number) => (await callParsed(api.activities.jobs.interviews.$get({ query: from === undefined ? {} : { from: String(from) } }), schema("Interviews"))).interviews,
  detections: async () => (await callParsed(api.activities.jobs.detections.$get(), schema("Detections"))).detections,
  decide: async (event_id: string, decision: "accept" | "dismiss") => (await callParsed(api.activities.jobs.detections.decide.$post({ json: { event_id, decision } }), schema("Decided"))).activity,
  /** Every upcoming interview as a calendar file. */
  icsUrl: "/api/activities/jobs/interviews.ics",
  interviewIcsUrl: (iid: string) => `/api/activities/jobs/interviews/${encodeURIComponent(iid)}/ics`,
};

/** "Tue 14 Jul, 09:30" in the viewer's zone. */
export function when(at: number): string {
  return new Date(at).toLocaleString(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

/** The viewer's own IANA zone, for a new interview. */
export const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
