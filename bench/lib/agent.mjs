// The agent the round-trip benchmark drives: the real `hearth` agent (`hearth pair`, then `hearth start`, in a
// temporary HEARTH_HOME whose filesystem root is a temporary folder) when its CLI has `pair` and `start`;
// otherwise the minimal protocol client from hearth.mjs. The output says which one ran.
import { randomUUID } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import WebSocket from "ws";
import { CONNECTORS, ProtocolAgent } from "./hearth.mjs";
import { BIN, ROOT, sleep, spawnGroup, stopGroup } from "./proc.mjs";

const HEARTH = `${ROOT}agent/bin/hearth.mjs`;

/** Whether `hearth --help` lists both `pair` and `start`. */
export function realAgentAvailable() {
  const help = spawnSync(process.execPath, [HEARTH, "--help"], { encoding: "utf8", timeout: 15_000 });
  const text = `${help.stdout}${help.stderr}`;
  return help.status === 0 && /^\s+pair\b/m.test(text) && /^\s+start\b/m.test(text);
}

/** Pairs a device through the API and connects the bench's protocol client as its agent. */
export async function startProtocolAgent(origin, user, why) {
  const device = await user.pairDevice("Bench protocol client");
  const agent = new ProtocolAgent(origin, device.token, device.deviceId);
  await agent.connect();
  return {
    kind: "protocol client",
    description: `a minimal protocol-speaking ws client in the bench (acks and answers "done" at once)${why ? `; ${why}` : ""}`,
    deviceId: device.deviceId,
    listPath: "~/Documents",
    stop: async () => agent.close(),
  };
}

/** Waits until `text` in the child's output matches `pattern`; resolves with the match. */
async function waitOutput(child, pattern, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = pattern.exec(child.output.join(""));
    if (match) return match;
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`${what}: not seen in ${timeoutMs} ms (exit ${child.exitCode}). Output:\n${child.output.join("").slice(-2000)}`);
}

/**
 * The real agent: `hearth pair --server <origin>` prints a user code, the bench approves it as the signed-in user
 * (POST /api/pair/approve), the agent's next poll gets its token; then `hearth start` runs with the filesystem
 * connector confined to a temporary folder and the local endpoint off.
 */
export async function startRealAgent(origin, user) {
  const home = mkdtempSync(`${tmpdir()}/hearth-bench-agent-`);
  const files = `${home}/files`;
  mkdirSync(`${files}/photos`, { recursive: true });
  for (const name of ["notes.txt", "todo.md", "budget.csv"]) writeFileSync(`${files}/${name}`, `${name}\n`.repeat(20));
  writeFileSync(`${home}/config.json`, JSON.stringify({ filesystem: { roots: [files] }, local_endpoint: { enabled: false } }, null, 2));
  const env = { HEARTH_HOME: home };
  const children = [];
  const cleanup = async () => {
    for (const child of children) await stopGroup(child);
    rmSync(home, { recursive: true, force: true });
  };
  try {
    const pair = spawnGroup(process.execPath, [HEARTH, "pair", "--server", origin, "--name", "Bench agent"], { env, label: "hearth pair" });
    children.push(pair);
    const [, userCode] = await waitOutput(pair, /\b([A-Z0-9]{4}-[A-Z0-9]{4})\b/, 20_000, "hearth pair's user code");
    const approve = await user.request("POST", "/api/pair/approve", { user_code: userCode });
    if (approve.status !== 200) throw new Error(`approving ${userCode}: ${approve.status} ${approve.text}`);
    await waitOutput(pair, /Paired with/, 20_000, "hearth pair's confirmation");
    const { device_id: deviceId } = JSON.parse(readFileSync(`${home}/credentials.json`, "utf8"));

    const start = spawnGroup(process.execPath, [HEARTH, "start", "--json"], { env, label: "hearth start" });
    children.push(start);
    // Online once the relay has its hello: GET /api/devices says so.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const devices = await user.request("GET", "/api/devices");
      if (devices.body?.devices?.some((d) => d.id === deviceId && d.status === "online")) break;
      if (start.exitCode !== null || Date.now() > deadline) throw new Error(`hearth start did not come online (exit ${start.exitCode}):\n${start.output.join("").slice(-2000)}`);
      await sleep(200);
    }
    return {
      kind: "real hearth agent",
      description: `the real agent: \`hearth start\` (node agent/bin/hearth.mjs) paired through \`hearth pair\`, filesystem root ${files}`,
      deviceId,
      listPath: files,
      child: start,
      output: () => start.output.join(""),
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

export async function startAgent(origin, user, ctx = {}) {
  const choice = ctx.agent ?? process.env.BENCH_AGENT;
  if (choice === "protocol") return startProtocolAgent(origin, user, "chosen with BENCH_AGENT=protocol");
  if (!realAgentAvailable()) {
    if (choice === "real") throw new Error("BENCH_AGENT=real, but `hearth --help` does not list pair and start yet.");
    return startProtocolAgent(origin, user, "the real `hearth` agent has no `pair`/`start` yet");
  }
  try {
    return await startRealAgent(origin, user);
  } catch (error) {
    if (choice === "real") throw error;
    return startProtocolAgent(origin, user, `the real agent did not start (${String(error.message).split("\n")[0]})`);
  }
}

/** What the bench's clients answer for `filesystem.list`. */
const LIST_DATA = { entries: [{ name: "notes.txt", kind: "file", size: 1204 }, { name: "photos", kind: "folder", size: null }] };

/**
 * The bench's protocol client speaking batch frames (hello `features: ["batch"]`): each `commands` frame is answered
 * with one cumulative `acks`, and results go in `results` frames of up to 100, with at most `window` results frames
 * awaiting the relay's ack (flow control, as ProtocolAgent's `window` counts single results). The same surface as
 * ProtocolAgent for the drain bench: `commands` (id, seq in arrival order), `errors`, `onProgress(n)` per acked result.
 */
export class BatchProtocolAgent {
  constructor(origin, token, deviceId, { window = 2, batch = 100 } = {}) {
    this.origin = origin;
    this.token = token;
    this.deviceId = deviceId;
    this.window = window;
    this.batch = batch;
    this.waiting = [];
    this.commands = [];
    this.errors = [];
    this.resultsAcked = 0;
    this.onProgress = null;
    /** Results frame id → how many results it carried, until the relay acks it. */
    this.unacked = new Map();
    this.features = null;
  }

  async connect() {
    this.ws = new WebSocket(`${this.origin.replace(/^http/, "ws")}/api/agent`, { headers: { authorization: `Bearer ${this.token}` } });
    let welcomed;
    let failed;
    const welcome = new Promise((resolve, reject) => {
      welcomed = resolve;
      failed = reject;
    });
    this.ws.once("close", (code, reason) => failed(new Error(`agent socket closed before welcome: ${code} ${reason}`)));
    this.ws.once("error", (error) => failed(error));
    this.ws.on("message", (data) => this.#onFrame(JSON.parse(String(data)), welcomed));
    await new Promise((resolve, reject) => {
      this.ws.once("open", resolve);
      this.ws.once("error", reject);
    });
    this.ws.send(JSON.stringify({ v: 1, type: "hello", id: randomUUID(), device_id: this.deviceId, agent_version: "0.2.0", platform: "linux", connectors: CONNECTORS, features: ["batch"] }));
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("no welcome within 30 s")), 30_000).unref());
    this.welcome = await Promise.race([welcome, timeout]);
    this.features = this.welcome.features ?? [];
    if (!this.features.includes("batch")) throw new Error(`the relay did not take the batch feature (welcome.features = ${JSON.stringify(this.welcome.features)})`);
    return this.welcome;
  }

  #onFrame(frame, welcomed) {
    switch (frame.type) {
      case "welcome":
        welcomed(frame);
        return;
      case "commands": {
        for (const command of frame.commands) {
          this.commands.push({ id: command.id, seq: command.seq });
          this.waiting.push(command.id);
        }
        this.ws.send(JSON.stringify({ v: 1, type: "acks", id: randomUUID(), through_seq: frame.commands.at(-1).seq }));
        this.#pump();
        return;
      }
      case "command":
        // Not expected once the relay took the feature; recorded so the bench's check sees it.
        this.commands.push({ id: frame.id, seq: frame.seq });
        this.waiting.push(frame.id);
        this.#pump();
        return;
      case "ack": {
        const count = this.unacked.get(frame.ref);
        if (count === undefined) return;
        this.unacked.delete(frame.ref);
        if (frame.refused?.length) this.errors.push({ type: "refused", ref: frame.ref, refused: frame.refused });
        this.resultsAcked += count;
        this.#pump();
        this.onProgress?.(count);
        return;
      }
      case "error":
        this.errors.push(frame);
        return;
    }
  }

  #pump() {
    while (this.unacked.size < this.window && this.waiting.length > 0) {
      const now = Date.now();
      const ids = this.waiting.splice(0, this.batch);
      const id = randomUUID();
      this.unacked.set(id, ids.length);
      const results = ids.map((command_id) => ({ command_id, outcome: { status: "done", data: LIST_DATA }, started_at: now, finished_at: now }));
      this.ws.send(JSON.stringify({ v: 1, type: "results", id, results }));
    }
  }

  close() {
    this.ws?.terminate();
  }
}
