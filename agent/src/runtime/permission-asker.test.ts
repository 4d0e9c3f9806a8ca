import { describe, expect, it } from "vitest";
import { AgentFrame, PROTOCOL_VERSION } from "#protocol";
import { PermissionAsker } from "./permission-asker.ts";

const question = { target: "filesystem", action: "write", context: "test on this computer asks to run filesystem.write.", parameters: {} };

/** An asker over a channel that keeps what it sends, as the relay link would send it. */
function asker() {
  const sent: AgentFrame[] = [];
  const permissions = new PermissionAsker({ ready: () => true, sendText: (text) => (sent.push(AgentFrame.parse(JSON.parse(text))), true) }, 60_000);
  const requestId = () => sent.find((frame) => frame.type === "permission_request")?.id ?? "";
  return { permissions, requestId };
}

describe("the permission asker", () => {
  it("stops waiting when the question is withdrawn, and a later answer finds no waiter (so nothing acts on it)", async () => {
    const { permissions, requestId } = asker();
    const withdrawal = new AbortController();
    const answer = permissions.ask(question, withdrawal.signal);
    withdrawal.abort();
    expect(await answer).toEqual({ ok: false, reason: "cancelled" });
    expect(permissions.answer({ v: PROTOCOL_VERSION, type: "permission_update", id: "u", ref: requestId(), decision: "allow_once" })).toBe(false);
  });

  it("delivers the answer to a question that was not withdrawn", async () => {
    const { permissions, requestId } = asker();
    const answer = permissions.ask(question, new AbortController().signal);
    expect(permissions.answer({ v: PROTOCOL_VERSION, type: "permission_update", id: "u", ref: requestId(), decision: "deny" })).toBe(true);
    expect(await answer).toEqual({ ok: true, decision: "deny" });
  });
});
