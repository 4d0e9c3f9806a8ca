import type { CommandStatus } from "#protocol";

/**
 * The command state machine. A command only moves forward: a late or repeated frame (an `ack` after the
 * result, a second `result`) finds no edge here and changes nothing, which is what makes redelivery safe.
 */
const NEXT: Record<CommandStatus, readonly CommandStatus[]> = {
  awaiting_permission: ["queued", "failed", "expired"],
  queued: ["sent", "acked", "done", "failed", "expired"],
  sent: ["acked", "done", "failed", "expired"],
  acked: ["done", "failed", "expired"],
  done: [],
  failed: [],
  expired: [],
};

export function canMove(from: CommandStatus, to: CommandStatus): boolean {
  return NEXT[from].includes(to);
}

export function isFinal(status: CommandStatus): boolean {
  return NEXT[status].length === 0;
}

/** Statuses that are still owed a result by the agent, and so are redelivered when it reconnects. */
export const OWED_STATUSES = ["queued", "sent", "acked"] as const satisfies readonly CommandStatus[];
