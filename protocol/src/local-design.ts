import { z } from "zod";
import { ActivityType } from "./activity.ts";
import type { Failure } from "./errors.ts";

/**
 * The original design's own dialect of the local endpoint, accepted unchanged beside v1 so its Python
 * `MCPConnector` works as written: frames have no `v`, the payload sits in `data`, and a command is answered by
 * the design's `MCPResponse` `{success, data, error, executionTime}`. A frame with no `v` is read as this dialect.
 * The table of every difference from v1 is in protocol/PROTOCOL.md.
 */

/** The design's command vocabulary where it differs from the agent's: `browser.navigate` is `browser.open`. */
export const DESIGN_ACTION_ALIASES: Readonly<Record<string, { target: string; action: string }>> = {
  "browser.navigate": { target: "browser", action: "open" },
};

/** design client → agent: run a command; answered by one `DesignResponse`. */
export const DesignCommandFrame = z.object({
  type: z.literal("command"),
  data: z.object({
    target: z.string().min(1).max(40),
    action: z.string().min(1).max(40),
    parameters: z.record(z.string(), z.json()).default({}),
  }),
});

/**
 * design client → agent: stream this type's activity to me, as `{type: "activity", data: event}` frames. Not
 * answered when accepted (the design's client reads the next frames as activity), only when refused.
 */
export const DesignRegisterListenerFrame = z.object({
  type: z.literal("register_listener"),
  data: z.object({ activity_type: ActivityType }),
});

/** design client → agent: one activity event (the design's flat shape); answered by one `DesignResponse`. */
export const DesignActivityFrame = z.object({
  type: z.literal("activity"),
  data: z.record(z.string(), z.json()),
});

export const DesignClientFrame = z.discriminatedUnion("type", [DesignCommandFrame, DesignRegisterListenerFrame, DesignActivityFrame]);
export type DesignClientFrame = z.infer<typeof DesignClientFrame>;

/** agent → design client: the design's `MCPResponse`. `error_code` is Hearth's code for a failure (an addition). */
export const DesignResponse = z.object({
  success: z.boolean(),
  data: z.json(),
  error: z.string().nullable(),
  /** Milliseconds the command took. */
  executionTime: z.number(),
  error_code: z.string().optional(),
});
export type DesignResponse = z.infer<typeof DesignResponse>;

/** agent → design client: an activity event of a type the client registered a listener for. */
export const DesignActivityPush = z.object({ type: z.literal("activity"), data: z.record(z.string(), z.json()) });

/** agent → design client: the agent asks the user (through the Hearth app) before running the client's command. */
export const DesignPermissionRequest = z.object({
  type: z.literal("permission_request"),
  data: z.object({ target: z.string(), action: z.string(), context: z.string(), one_time: z.boolean() }),
});

/** The design's answer for an outcome. */
export function designResponse(outcome: { ok: true; data: unknown } | { ok: false; error: Failure }, executionTime: number): DesignResponse {
  return outcome.ok
    ? { success: true, data: z.json().catch(null).parse(outcome.data), error: null, executionTime }
    : { success: false, data: null, error: outcome.error.message, executionTime, error_code: outcome.error.code };
}

/** The agent's target and action for a design command (aliases resolved). */
export function designCommand(data: { target: string; action: string }): { target: string; action: string } {
  const key = `${data.target}.${data.action}`;
  return (Object.hasOwn(DESIGN_ACTION_ALIASES, key) ? DESIGN_ACTION_ALIASES[key] : undefined) ?? { target: data.target, action: data.action };
}
