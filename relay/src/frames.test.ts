import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AgentFrame, MAX_FRAME_BYTES } from "#protocol";
import { readFrame } from "./frames.ts";

describe("readFrame", () => {
  it("never throws, whatever arrives", () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (text) => typeof readFrame(AgentFrame, text).ok === "boolean"));
    fc.assert(fc.property(fc.uint8Array(), (bytes) => typeof readFrame(AgentFrame, bytes).ok === "boolean"));
  });

  it("reads a good frame from text or bytes", () => {
    const text = JSON.stringify({ v: 1, type: "ack", id: "a", ref: "c" });
    expect(readFrame(AgentFrame, text)).toMatchObject({ ok: true, frame: { type: "ack", ref: "c" } });
    expect(readFrame(AgentFrame, new TextEncoder().encode(text))).toMatchObject({ ok: true });
  });

  it("names what is wrong, with the frame's id", () => {
    expect(readFrame(AgentFrame, "x".repeat(MAX_FRAME_BYTES + 1))).toMatchObject({ ok: false, code: "payload_too_large" });
    expect(readFrame(AgentFrame, "nope")).toMatchObject({ ok: false, code: "malformed_json" });
    expect(readFrame(AgentFrame, '{"v":2,"type":"ack","id":"q"}')).toMatchObject({ ok: false, code: "unsupported_version", ref: "q" });
    expect(readFrame(AgentFrame, '{"v":1,"type":"dance","id":"q"}')).toMatchObject({ ok: false, code: "unknown_frame", ref: "q" });
    expect(readFrame(AgentFrame, '{"v":1,"type":"ack","id":"q"}')).toMatchObject({ ok: false, code: "validation_failed", ref: "q", message: expect.stringContaining("ref") });
  });
});
