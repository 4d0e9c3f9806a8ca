// Helpers for the activity benchmarks: the D1 floor (bench/d1-floor) and its client, an agent that sends
// `activity` frames with a window of them in flight, reading activity back through the API, and Hearth stopped
// and started again on the same state.
import { rmSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { request } from "./hearth.mjs";
import { BIN, ROOT, freePort, persistDir, portIsFree, sleep, spawnGroup, stopGroup, waitHealthy } from "./proc.mjs";
import { rowValues } from "./activity-data.mjs";
import { pool } from "./stats.mjs";

/** How long a window may go without an ack or an answer before the bench gives up on it. */
const STALL_MS = 120_000;

function exited(child) {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}

/**
 * Starts servers side by side. If one fails, the others are stopped before the error goes up, so no process or
 * state folder is left behind. Resolves with the started servers, in order.
 */
export async function startTogether(...starts) {
  const outcomes = await Promise.allSettled(starts.map((start) => start()));
  const failed = outcomes.find((o) => o.status === "rejected");
  if (!failed) return outcomes.map((o) => o.value);
  for (const o of outcomes) if (o.status === "fulfilled") await o.value.stop();
  throw failed.reason;
}

// ── the D1 floor ──────────────────────────────────────────────────────────────────────────────────

const D1_FLOOR = `${ROOT}bench/d1-floor`;

/** Starts the D1 floor from empty state: the real migrations applied to its local D1, then `wrangler dev`. */
export async function startD1Floor() {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startD1FloorOnce();
    } catch (error) {
      // wrangler picks some internal ports itself; another `wrangler dev` can take one between check and bind.
      if (attempt >= 3) throw error;
      process.stderr.write(`  · the D1 floor did not start (attempt ${attempt}): ${String(error.message).split("\n")[0]}; trying again\n`);
      await sleep(1000);
    }
  }
}

async function startD1FloorOnce() {
  const port = await freePort(8871);
  const persist = persistDir("d1-floor", port);
  const config = `${D1_FLOOR}/wrangler.toml`;
  const migrate = spawnGroup(`${BIN}/wrangler`, ["d1", "migrations", "apply", "hearth-bench-d1-floor", "--local", "--persist-to", persist, "--config", config], {
    cwd: D1_FLOOR,
    label: "d1-floor migrations",
  });
  if ((await exited(migrate)) !== 0) throw new Error(`applying the migrations to the D1 floor failed:\n${migrate.output.join("").slice(-3000)}`);
  const child = spawnGroup(`${BIN}/wrangler`, ["dev", "--config", config, "--port", String(port), "--persist-to", persist, "--show-interactive-dev-session=false"], {
    cwd: D1_FLOOR,
    label: `d1-floor:${port}`,
  });
  const origin = `http://localhost:${port}`;
  const stop = async () => {
    await stopGroup(child);
    rmSync(persist, { recursive: true, force: true });
  };
  try {
    await waitHealthy(child, `${origin}/health`, 90_000, `the D1 floor on port ${port}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, origin, stop };
}

async function floorCall(origin, method, path, body) {
  const response = await request(origin, method, path, { body, headers: body ? { "content-type": "application/json" } : {} });
  if (response.status !== 200) throw new Error(`D1 floor ${method} ${path}: ${response.status} ${response.text.slice(0, 300)}`);
  return response.body;
}

/** The D1 floor's client: the user row, the inserts (each body a JSON `{rows}`), and the count check. */
export const d1Floor = {
  createUser: (origin, id) => floorCall(origin, "POST", "/user", JSON.stringify({ id })),
  /** Sends every body with at most `window` in flight; resolves with the rows D1 reported as new. */
  async insert(origin, bodies, window) {
    let stored = 0;
    await pool(bodies.length, window, async (i) => {
      const answer = await floorCall(origin, "POST", "/insert", bodies[i]);
      stored += answer.stored;
    });
    return stored;
  },
  count: (origin, userId) => floorCall(origin, "GET", `/count?user_id=${encodeURIComponent(userId)}`),
};

/** The D1 floor's request body for `events`, built (and so validated) by the worker's own `toRow`. */
export function floorBody(events, userId) {
  const now = Date.now();
  return JSON.stringify({ rows: events.map((event) => rowValues(event, { userId, now })) });
}

// ── the agent's activity frames ───────────────────────────────────────────────────────────────────

/** An `activity` frame (the text an agent sends) for `events`. */
export function activityFrame(events) {
  const id = `activity-${randomUUID()}`;
  return { id, text: JSON.stringify({ v: 1, type: "activity", id, events }) };
}

/**
 * Sends `activity` frames on a connected ProtocolAgent's socket, at most `window` unacked at a time, and waits
 * for the relay's ack of each (the relay acks only once D1 has committed the frame's events). An `error` frame
 * naming one of them is kept in `errors`; a frame refused outright is never acked, so the window stalls and the
 * send fails after STALL_MS.
 */
export class ActivitySender {
  constructor(agent) {
    this.ws = agent.ws;
    this.pending = new Map();
    this.errors = [];
    this.acked = 0;
    this.ws.on("message", (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === "ack" && this.pending.has(frame.ref)) {
        this.acked++;
        this.pending.get(frame.ref)();
        this.pending.delete(frame.ref);
      } else if (frame.type === "error" && this.pending.has(frame.ref)) {
        this.errors.push(frame);
      }
    });
  }

  /** Resolves once every frame is acked. */
  async send(frames, window) {
    await pool(frames.length, window, (i) => {
      const { id, text } = frames[i];
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`activity frame ${id} not acked in ${STALL_MS / 1000} s (errors: ${JSON.stringify(this.errors.slice(-3))})`)), STALL_MS);
        this.pending.set(id, () => {
          clearTimeout(timer);
          resolve();
        });
        this.ws.send(text);
      });
    });
  }
}

/** Every event_id the user's activity list returns, read through GET /api/activities page by page (200 a page). */
export async function listedEventIds(user) {
  const ids = [];
  let before = null;
  for (;;) {
    const response = await user.request("GET", `/api/activities?limit=200${before ? `&before=${encodeURIComponent(before)}` : ""}`);
    if (response.status !== 200) throw new Error(`GET /api/activities: ${response.status} ${response.text.slice(0, 300)}`);
    for (const activity of response.body.activities) ids.push(activity.event_id);
    before = response.body.next_before;
    if (!before) return ids;
  }
}

/** The number of activities the dashboard's timeline counts (GET /api/activities/summary, all time). */
export async function summaryTotal(user) {
  const response = await user.request("GET", "/api/activities/summary?group=month");
  if (response.status !== 200) throw new Error(`GET /api/activities/summary: ${response.status} ${response.text.slice(0, 300)}`);
  return response.body.timeline.reduce((sum, row) => sum + row.count, 0);
}

// ── Hearth on kept state ──────────────────────────────────────────────────────────────────────────

/** Stops a Hearth started by startHearth() but keeps its local state (D1 and Durable Objects) on disk. */
export async function stopKeepingState(hearth) {
  await stopGroup(hearth.child);
}

/**
 * Starts Hearth again, with the same code, on the state a previous start left (no --fresh); migrations are a no-op.
 * While it was stopped, another bench may have taken its port: then it starts on a fresh one (the state folder is
 * named in the arguments, so it is the same state), and the caller's clients must use the new `origin`.
 */
export async function restartHearth(hearth) {
  // startHearth ran `node <code root>scripts/start.mjs …` in the code root (a snapshot, unless told otherwise).
  const [, script, ...args] = hearth.child.spawnargs;
  const kept = args.filter((a) => a !== "--fresh");
  const portAt = kept.indexOf("--port") + 1;
  if (portAt === 0) throw new Error("restartHearth: the first start named no --port");
  for (let attempt = 1; ; attempt++) {
    const port = attempt === 1 && (await portIsFree(hearth.port)) ? hearth.port : await freePort(20_000 + Math.floor(Math.random() * 20_000));
    kept[portAt] = String(port);
    const origin = `http://localhost:${port}`;
    const started = Date.now();
    const child = spawnGroup(process.execPath, [script, ...kept], { cwd: script.replace(/scripts\/start\.mjs$/, ""), label: `hearth:${port}` });
    try {
      await waitHealthy(child, `${origin}/api/health`, 90_000, `Hearth on port ${port}, restarted`);
    } catch (error) {
      await stopGroup(child);
      if (attempt >= 3 || !String(error.message).includes("Address already in use")) throw error;
      process.stderr.write(`  · Hearth's port ${port} was taken while it restarted; trying a fresh port\n`);
      continue;
    }
    // The first handle's stop() removes the state folder; its own process is already gone.
    const stop = async () => {
      await stopGroup(child);
      await hearth.stop();
    };
    return { ...hearth, child, port, origin, startMs: Date.now() - started, stop };
  }
}
