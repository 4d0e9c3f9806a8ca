import { describe, expect, it } from "vitest";
import { AgentFrame } from "#protocol";
import { InboundAgentFrame, localAuditLines } from "./local-audit.ts";

// The relay reads agent frames with its own union (the `audit` frame's entries checked one by one): it must take
// every frame the protocol defines, so a frame added to `AgentFrame` cannot be refused here as unknown.

const typesOf = (union: { options: readonly { shape: { type: { value: string } } }[] }) => union.options.map((option) => option.shape.type.value).sort();

describe("the relay's reading of agent frames", () => {
  it("knows exactly the frames the protocol defines", () => {
    expect(typesOf(InboundAgentFrame)).toEqual(typesOf(AgentFrame));
  });

  it("reads a valid audit frame as the protocol does", () => {
    const frame = { v: 1, type: "audit", id: "a", entries: [{ entry_id: "e", at: 1, client: "goose (MCP)", target: "system", action: "info", scope: null, decision: "allow", outcome: "done" }] };
    expect(InboundAgentFrame.parse(frame)).toEqual(AgentFrame.parse(frame));
  });

  it("dates a line when it happened, but never in the future", () => {
    const entry = { entry_id: "e", client: "goose (MCP)", target: "system", action: "info", scope: null, decision: "allow", outcome: "done" };
    const { lines } = localAuditLines("dev", [{ ...entry, at: 500 }, { ...entry, entry_id: "f", at: 5_000 }], 1_000);
    expect(lines.map((line) => line.at)).toEqual([500, 1_000]);
  });
});
