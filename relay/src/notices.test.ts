import { describe, expect, it } from "vitest";
import type { Failure } from "#protocol";
import type { QueuedCommand } from "./command-store.ts";
import { commandNotification } from "./notices.ts";

const failed = (error: Failure): QueuedCommand => ({
  id: "cmd-1",
  deviceId: "dev-1",
  seq: 1,
  status: "failed",
  command: { target: "filesystem", action: "write", parameters: { path: "~/a.txt" } },
  readOnly: false,
  approval: null,
  requestId: "req-1",
  deadlineAt: 2,
  createdAt: 1,
  updatedAt: 1,
  retryOf: null,
  result: undefined,
  error,
});

describe("commandNotification", () => {
  it("tells nobody of a command the user denied, whatever its message says", () => {
    expect(commandNotification(failed({ code: "denied_by_user", message: "You said no to this one." }))).toBeNull();
  });

  it("still tells of a command a permission rule refused, even in the words a user denial uses", () => {
    const notice = commandNotification(failed({ code: "permission_denied", message: "You denied this command." }));
    expect(notice).toMatchObject({ kind: "command_failed", actions: [{ id: "retry", label: "Retry" }] });
  });
});
