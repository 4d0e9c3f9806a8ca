import { describe, expect, it } from "vitest";
import { CLOSE_FLOODED } from "#protocol";
import { TestClient } from "../../test/client.ts";
import { openBrowserSocket } from "../../test/sockets.ts";
import type { TestSocket } from "../../test/sockets.ts";
import { FloodGuard, SOCKET_BUDGETS } from "./flood.ts";

// One user's flood must not stall another's socket. On the dev server every user's relay shares one thread,
// which is where a flood of large frames once held every socket for 24 s. Here too the test, the worker and
// every relay share one isolate, so the other user's round trip waits behind whatever the flood costs.

/** How much slower the other user's round trip may be during the flood than before it, with a floor for timer noise. */
const ALLOWED_FACTOR = 5;
const NOISE_FLOOR_MS = 25;

/** A valid typing frame of about `bytes` (zod drops the padding, but the JSON must be read first to know). */
const padded = (bytes: number) => JSON.stringify({ v: 1, type: "typing", id: crypto.randomUUID(), chat_id: "c", typing: true, pad: "x".repeat(bytes) });

async function roundTrip(socket: TestSocket): Promise<number> {
  const id = crypto.randomUUID();
  const started = performance.now();
  socket.send({ v: 1, type: "ping", id });
  await socket.next("pong", (frame) => frame.id === id, 20_000);
  return performance.now() - started;
}

const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;

describe("a flood on one user's socket", () => {
  it("does not delay another user's round trip beyond a factor of its calm time, and the flooder is shed with a reason", async () => {
    const [alice, bob] = [new TestClient(), new TestClient()];
    await alice.register();
    await bob.register();
    const flooder = await openBrowserSocket(alice);
    const other = await openBrowserSocket(bob);
    await roundTrip(flooder);
    const calmTimes: number[] = [];
    for (let i = 0; i < 7; i++) calmTimes.push(await roundTrip(other));
    const calm = median(calmTimes);

    // Bursts of frames just under the browser's size limit from A, each followed at once by a round trip of B's.
    const frame = padded(SOCKET_BUDGETS.browser.maxFrame - 200);
    let sent = 0;
    const times: number[] = [];
    for (let round = 0; round < 15; round++) {
      for (let i = 0; i < 50 && !flooder.closed; i++, sent++) {
        try {
          flooder.send(frame);
        } catch {
          break; // the relay closed it
        }
      }
      times.push(await roundTrip(other));
    }
    const flooded = median(times);
    console.log(`round trip: calm ${calm.toFixed(1)} ms, during the flood ${flooded.toFixed(1)} ms (median of ${times.join(", ")}); ${sent} frames sent`);

    expect(await flooder.next("error")).toMatchObject({ code: "rate_limited", message: expect.stringMatching(/This tab sent more frames or bytes/) });
    expect(await flooder.waitClosed()).toEqual({ code: CLOSE_FLOODED, reason: "sent too much too fast" });
    expect(flooded).toBeLessThanOrEqual(Math.max(ALLOWED_FACTOR * calm, NOISE_FLOOR_MS));
    // B's socket was never touched.
    expect(other.closed).toBeNull();
    expect(other.frames.filter((f) => f.type === "error")).toEqual([]);
    other.close();
  });

  it("keeps a socket that stays within its budget, and refills it with time", () => {
    const guard = new FloodGuard();
    const { frames } = SOCKET_BUDGETS.browser;
    for (let i = 0; i < frames.burst; i++) expect(guard.admit("tab", "browser", 100, 0)).toBe("admit");
    expect(guard.admit("tab", "browser", 100, 0)).toBe("shed");
    expect(guard.admit("tab", "browser", 100, 10_000)).toBe("ignore"); // shed is final for that socket
    // Another socket, one frame a tick at the refill rate, for a minute: never shed.
    for (let t = 0; t < 60_000; t += 1000 / frames.perSecond) expect(guard.admit("calm", "browser", 1000, t)).toBe("admit");
    // An agent's full-size frames, in a burst of 8: fine; the 9th without a pause is not.
    for (let i = 0; i < 8; i++) expect(guard.admit("agent", "agent", SOCKET_BUDGETS.agent.maxFrame, 0)).toBe("admit");
    expect(guard.admit("agent", "agent", SOCKET_BUDGETS.agent.maxFrame, 0)).toBe("shed");
    guard.forget("tab");
    expect(guard.admit("tab", "browser", 100, 20_000)).toBe("admit");
  });
});
