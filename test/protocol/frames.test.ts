import { describe, expect, it } from "vitest";
import { AgentFrame, BrowserFrame, RelayToAgentFrame, RelayToBrowserFrame, fromAgent, fromBrowser, toAgent, toBrowser } from "../../protocol/src/frames.ts";

describe("frame builders", () => {
  it("add the envelope, so what they build is a valid frame of their direction", () => {
    expect(RelayToAgentFrame.parse(toAgent("ack", "a-1", { ref: "r-1" }))).toEqual({ v: 1, type: "ack", id: "a-1", ref: "r-1" });
    expect(RelayToBrowserFrame.parse(toBrowser("activity_stored", "s-1", { count: 2 }))).toEqual({ v: 1, type: "activity_stored", id: "s-1", count: 2 });
    expect(AgentFrame.parse(fromAgent("ack", "a-2", { ref: "c-1" }))).toEqual({ v: 1, type: "ack", id: "a-2", ref: "c-1" });
    expect(BrowserFrame.parse(fromBrowser("typing", "t-1", { chat_id: "chat-1", typing: true }))).toEqual({ v: 1, type: "typing", id: "t-1", chat_id: "chat-1", typing: true });
  });
});
