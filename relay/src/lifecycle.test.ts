import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COMMAND_STATUSES } from "#protocol";
import type { CommandStatus } from "#protocol";
import { canMove, isFinal } from "./lifecycle.ts";

const ORDER: Record<CommandStatus, number> = { awaiting_permission: 0, queued: 1, sent: 2, acked: 3, done: 4, failed: 4, expired: 4 };

describe("the command lifecycle", () => {
  it("only ever moves forward, and final states are final", () => {
    const status = fc.constantFrom(...COMMAND_STATUSES);
    fc.assert(fc.property(status, status, (from, to) => !canMove(from, to) || ORDER[to] > ORDER[from]));
    for (const s of ["done", "failed", "expired"] as const) expect(isFinal(s)).toBe(true);
  });

  it("reaches the same final state whatever order and repeats frames arrive in", () => {
    // Replaying any sequence of events keeps the first final state it reached.
    const events = fc.array(fc.constantFrom<CommandStatus>("sent", "acked", "done", "failed", "expired"), { maxLength: 12 });
    fc.assert(
      fc.property(events, (seq) => {
        let state: CommandStatus = "queued";
        let firstFinal: CommandStatus | null = null;
        for (const to of seq) {
          if (canMove(state, to)) state = to;
          if (isFinal(state)) firstFinal ??= state;
        }
        return firstFinal === null || state === firstFinal;
      }),
    );
  });
});
