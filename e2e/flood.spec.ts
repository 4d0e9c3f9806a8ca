import { expect, test } from "@playwright/test";
import type { APIRequestContext } from "@playwright/test";
import WebSocket from "ws";
import { CLOSE_FLOODED, MAX_FRAME_BYTES } from "#protocol";

// On the dev server every user's relay runs on one thread, where a flood of large frames from one user once
// stalled every user's sockets for 24 s. Here user A floods its socket over real TCP while user B's round trips
// are timed, against B's own calm round trips measured first.

const ALLOWED_FACTOR = 5;
const NOISE_FLOOR_MS = 50;
const FLOOD_MS = 3_000;

async function signedInCookie(request: APIRequestContext, baseURL: string): Promise<string> {
  const email = `flood-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const response = await request.post("/api/auth/register", { data: { email, password: "a long and sturdy password" }, headers: { origin: baseURL } });
  expect(response.status()).toBe(201);
  const cookie = response.headersArray().find((h) => h.name.toLowerCase() === "set-cookie" && h.value.startsWith("hearth_session="));
  return cookie?.value.split(";")[0] ?? "";
}

function openSocket(baseURL: string, cookie: string): Promise<WebSocket> {
  const socket = new WebSocket(`${baseURL.replace(/^http/, "ws")}/api/relay`, { headers: { cookie, origin: baseURL }, perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    socket.once("open", () => resolve(socket));
    socket.once("error", reject);
  });
}

function roundTrip(socket: WebSocket): Promise<number> {
  const id = crypto.randomUUID();
  const started = performance.now();
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      if (!String(data).includes(id)) return;
      socket.off("message", onMessage);
      resolve(performance.now() - started);
    };
    socket.on("message", onMessage);
    socket.send(JSON.stringify({ v: 1, type: "ping", id }));
  });
}

const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;

test("a flood of large frames on one user's socket does not stall another user's round trip", async ({ request, baseURL }) => {
  if (!baseURL) throw new Error("baseURL is set in playwright.config.ts");
  const a = await openSocket(baseURL, await signedInCookie(request, baseURL));
  const b = await openSocket(baseURL, await signedInCookie(request, baseURL));
  const calm: number[] = [];
  for (let i = 0; i < 10; i++) calm.push(await roundTrip(b));

  const shed = new Promise<{ code: number; reason: string }>((resolve) => a.once("close", (code, reason) => resolve({ code, reason: String(reason) })));
  const frame = JSON.stringify({ v: 1, type: "typing", id: "flood", chat_id: "c", typing: true, pad: "x".repeat(MAX_FRAME_BYTES - 200) });
  const until = Date.now() + FLOOD_MS;
  let sent = 0;
  const flood = (async () => {
    while (Date.now() < until && a.readyState === WebSocket.OPEN) {
      // About 8 MiB in flight at a time, as fast as the server takes them.
      if (a.bufferedAmount < 8 * MAX_FRAME_BYTES) {
        a.send(frame);
        sent++;
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  })();
  const flooded: number[] = [];
  // B stays well inside its own budget (relay/src/flood.ts): a round trip every 100 ms at most.
  while (Date.now() < until) {
    const [time] = await Promise.all([roundTrip(b), new Promise((resolve) => setTimeout(resolve, 100))]);
    flooded.push(time);
  }
  await flood;
  console.log(`B's round trip: calm ${median(calm).toFixed(1)} ms, during A's flood ${median(flooded).toFixed(1)} ms (max ${Math.max(...flooded).toFixed(0)} ms, ${flooded.length} trips); A sent ${sent} frames`);

  const allowed = Math.max(ALLOWED_FACTOR * median(calm), NOISE_FLOOR_MS);
  expect(median(flooded)).toBeLessThanOrEqual(allowed);
  expect(Math.max(...flooded)).toBeLessThanOrEqual(4 * allowed);
  // A was cut off with a reason, after a handful of frames.
  const closed = await Promise.race([shed, new Promise((resolve) => setTimeout(() => resolve("still open"), 5_000))]);
  expect(closed).toEqual({ code: CLOSE_FLOODED, reason: "sent too much too fast" });
  b.close();
});
