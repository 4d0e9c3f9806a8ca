import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "#protocol";
import { TestClient } from "../../test/client.ts";
import { hostileBody } from "../../test/fuzz.ts";
import { connectAgent, openBrowserSocket, userWithDevice } from "../../test/sockets.ts";
import type { TestSocket } from "../../test/sockets.ts";

// The browser's and the agent's sockets under hostile frames of valid size: after every one the socket still
// answers a ping, it is never closed, and each refusal is an `error` frame with a known code. The runs stay
// inside each socket's budget (relay/src/flood.ts), which a separate test shows being enforced.

const CODES: ReadonlySet<string> = new Set(ERROR_CODES);

const id = () => crypto.randomUUID();
const BROWSER_FRAMES: Record<string, unknown>[] = [
  { v: 1, type: "typing", id: "t1", chat_id: "c", typing: true },
  { v: 1, type: "viewing", id: "v1", path: "/chat" },
  { v: 1, type: "ping", id: "p1" },
];
const agentFrames = (deviceId: string): Record<string, unknown>[] => [
  { v: 1, type: "hello", id: "h1", device_id: deviceId, agent_version: "0.1.0", platform: "linux", connectors: [] },
  { v: 1, type: "ack", id: "a1", ref: "cmd-1" },
  { v: 1, type: "result", id: "r1", command_id: "cmd-1", outcome: { status: "done", data: { ok: true } }, started_at: null, finished_at: 1 },
  { v: 1, type: "activity", id: "e1", events: [{ event_id: "fz", activity_type: "other", timestamp: "2026-11-01T10:00:00Z", application: "Fuzz", details: {} }] },
  { v: 1, type: "permission_request", id: "q1", target: "filesystem", action: "read", context: "fuzz", one_time: true, command_id: null, parameters: {} },
];

/** Sends one hostile frame, then a ping: the pong must come back on the same, open socket. */
async function survives(socket: TestSocket, frame: string): Promise<void> {
  socket.send(frame);
  const ping = id();
  socket.send({ v: 1, type: "ping", id: ping });
  await socket.next("pong", (f) => f.id === ping, 10_000).catch((error: unknown) => {
    throw new Error(`no pong after ${JSON.stringify(frame.slice(0, 120))}: ${String(error)}`);
  });
}

function checkErrors(socket: TestSocket): void {
  for (const frame of socket.frames.splice(0)) {
    if (frame.type !== "error") continue;
    expect(CODES.has(String(frame.code)), JSON.stringify(frame)).toBe(true);
    expect(typeof frame.message).toBe("string");
  }
}

describe("sockets under hostile frames", () => {
  it("a browser socket answers every frame and stays open", { timeout: 30_000 }, async () => {
    const client = new TestClient();
    await client.register();
    const socket = await openBrowserSocket(client);
    await fc.assert(
      fc.asyncProperty(fc.oneof(...BROWSER_FRAMES.map((frame) => hostileBody(frame, 30_000))), async (frame) => {
        await survives(socket, frame);
        checkErrors(socket);
      }),
      { numRuns: 40 },
    );
    expect(socket.closed).toBeNull();
    socket.close();
  });

  it("an agent socket answers every frame and stays open", { timeout: 30_000 }, async () => {
    const { token, deviceId } = await userWithDevice();
    const { socket } = await connectAgent(token, deviceId);
    await fc.assert(
      fc.asyncProperty(fc.oneof(...agentFrames(deviceId).map((frame) => hostileBody(frame, 200_000))), async (frame) => {
        await survives(socket, frame);
        checkErrors(socket);
      }),
      { numRuns: 80 },
    );
    expect(socket.closed).toBeNull();
    socket.close();
  });
});
