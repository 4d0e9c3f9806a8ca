import type { ToolDefinition } from "@langchain/core/language_models/base";
import { z } from "zod";
import { ActivityType, JobStatus } from "#protocol";
import { Period } from "./period.ts";

// One question about the user's own activity, in structured form: what the parser makes of a sentence and what
// the model's `activity_query` tool call must parse as. Defined once, here; the tool's JSON Schema comes from it.

export const ACTIVITY_QUERY_KINDS = ["spending", "purchases", "applications", "search", "subscriptions", "salary", "why_higher"] as const;
/** The kinds answered from a list of rows (lookup.ts); the rest read the history as a whole (money.ts). */
export const LIST_KINDS = ["spending", "purchases", "applications", "search"] as const;

/** Rows an answer lists at most; "top N" asks may go up to ACTIVITY_LIMITS.maxRows. */
export const ACTIVITY_LIMITS = { rows: 10, maxRows: 25, aboutChars: 100 } as const;

export const ActivityAsk = z.object({
  kind: z
    .enum(ACTIVITY_QUERY_KINDS)
    .describe(
      "spending: the total money spent, with the purchases behind it. purchases: money-out transactions, biggest first when order is amount. " +
        "applications: job applications. search: every activity whose text matches `about`. " +
        "subscriptions: the recurring payments (subscriptions and bills) found in the history, with next dates. " +
        "salary: whether the largest regular income came in the period (this month when left out). " +
        "why_higher: why spending in a month (this month when left out) is above the usual, by category.",
    ),
  about: z
    .string()
    .trim()
    .min(1)
    .max(ACTIVITY_LIMITS.aboutChars)
    .optional()
    .describe("A spending category (groceries), a merchant or company (Amazon), or words to search for; leave out for everything."),
  period: Period.optional(),
  order: z.enum(["recent", "amount"]).optional().describe("purchases only: amount for the biggest first, recent (the default) for newest first."),
  limit: z.number().int().min(1).max(ACTIVITY_LIMITS.maxRows).optional().describe("How many rows to list, e.g. 5 for 'top 5'."),
  status: JobStatus.optional().describe("applications only: where the application stands."),
  type: ActivityType.optional().describe("search only: the kind of activity (financial for money, job for applications)."),
});
export type ActivityAsk = z.infer<typeof ActivityAsk>;
/** An ask answered from a list of rows. */
export type ListAsk = ActivityAsk & { kind: (typeof LIST_KINDS)[number] };
/** An ask answered from the history as a whole. */
export type HistoryAsk = ActivityAsk & { kind: "subscriptions" | "salary" | "why_higher" };

/** Which of the two ways an ask is answered. */
export function splitAsk(ask: ActivityAsk): { list: ListAsk } | { history: HistoryAsk } {
  switch (ask.kind) {
    case "subscriptions":
    case "salary":
    case "why_higher":
      return { history: { ...ask, kind: ask.kind } };
    default:
      return { list: { ...ask, kind: ask.kind } };
  }
}

/** The model's name for the tool; a machine tool is always target__action, so the two never collide. */
export const ACTIVITY_TOOL_NAME = "activity_query";

/** The tool the model is offered when the user has activity: read-only, answered from D1 without any device. */
export const ACTIVITY_TOOL: ToolDefinition = {
  type: "function",
  function: {
    name: ACTIVITY_TOOL_NAME,
    description:
      "Answer a question about the user's recorded activity: money spent (by category, merchant or period), their biggest purchases, " +
      "the jobs they applied to, or a search of their activity. Read-only.",
    parameters: toolParameters(),
  },
};

function toolParameters(): Record<string, unknown> {
  const { $schema: _schema, ...schema } = z.toJSONSchema(ActivityAsk, { io: "input" });
  return schema;
}

/** A tool call's arguments as an ask, or the reason they are not one. Models often send null for "not given". */
export function askFromToolArgs(args: Record<string, unknown>): ActivityAsk | { reason: string } {
  const given = Object.fromEntries(Object.entries(args).filter(([, value]) => value !== null && value !== ""));
  const parsed = ActivityAsk.safeParse(given);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return { reason: `The model asked an activity question I could not read (${issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid"}). Ask it another way.` };
}
