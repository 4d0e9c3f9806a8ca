// bench/drain: queue 10,000 commands while the agent is offline, then let the agent drain them.
//
// The per-device bound is QUEUE_LIMIT_PER_DEVICE = 1000 open commands, so the 10,000 are spread over 10 devices
// of ONE user (10 × 1000, exactly at the bound): one relay Durable Object holds all of them. The bound is not changed.
//
// Measured:
//   1. dispatch rate: POST /api/commands with N in flight (default 16), agents offline;
//   2. drain rate: from opening the 10 agent sockets to the relay's ack of the last of 10,000 results. Each agent is
//      a protocol client. By default it speaks batch frames (hello features ["batch"]): the relay sends commands 100
//      a frame, the agent answers each frame with one cumulative `acks` and its results in `results` frames of 100,
//      at most 2 of them awaiting the relay's ack (BENCH_DRAIN_BATCH_WINDOW). BENCH_DRAIN_BATCH=0: one frame per
//      command, as before batches: it acks every command and sends its result, with at most 16 answered commands
//      awaiting the relay's ack (BENCH_DRAIN_WINDOW). Both are flow control, as a real agent runs a bounded number at once;
//   3. D1 catch-up: until GET /api/commands shows all 10,000 "done" (the relay copies to D1 through its outbox).
// Checked: each device receives seq 1..1000 strictly increasing, each command exactly once, matching the seq the
// API returned at dispatch; all 10,000 end "done" in D1.
// Baselines (same run, the floor worker): (1) against HTTP → worker → DO SQLite insert → response at the same
// concurrency; (2) against a DO pushing the same number of frames over 10 sockets to bare `ws` clients that
// answer each with an ack and a result under the same flow control, the DO acking each result (same frame
// counts, none of the logic) — once bare, once with one SQLite write per state change (sent, acked, done); then the
// same in batch frames of 100 (one SQLite write per frame and state change), the like-for-like floor for batches.
import { ms, note, pool, ratio, table } from "./lib/stats.mjs";
import { ProtocolAgent, userWithDevice } from "./lib/hearth.mjs";
import { BatchProtocolAgent } from "./lib/agent.mjs";
import { BatchFloorClient, FloorClient, floorStore } from "./lib/floor.mjs";
import { cpuSeconds, sleep, startFloor, startHearth } from "./lib/proc.mjs";
import { QUEUE_LIMIT_PER_DEVICE } from "../protocol/src/command.ts";

export const name = "drain";

const rate = (count, msTaken) => count / (msTaken / 1000);
const perS = (value) => `${value.toFixed(0)}/s`;

export async function run(ctx = {}) {
  const devices = Number(process.env.BENCH_DRAIN_DEVICES ?? 10);
  const perDevice = Number(process.env.BENCH_DRAIN_PER_DEVICE ?? QUEUE_LIMIT_PER_DEVICE);
  const total = devices * perDevice;
  const inFlight = Number(process.env.BENCH_DRAIN_CONCURRENCY ?? 16);
  // Each agent answers (ack + result) at most `window` commands ahead of the relay's acks. Without flow control
  // (BENCH_DRAIN_WINDOW=0), 10 sockets each answering 1000 commands at once swamp the runtime: see README.
  const windowSize = Number(process.env.BENCH_DRAIN_WINDOW ?? 16) || Infinity;
  // Batch frames (hello features ["batch"]): commands 100 a frame, one cumulative ack each, results 100 a frame with
  // at most BENCH_DRAIN_BATCH_WINDOW results frames unconfirmed. BENCH_DRAIN_BATCH=0: one frame per command, as before.
  const batched = process.env.BENCH_DRAIN_BATCH !== "0";
  const batchWindow = Number(process.env.BENCH_DRAIN_BATCH_WINDOW ?? 2);
  const flow = batched ? `batch frames of ≤100, ≤${batchWindow} results frames unconfirmed per agent` : `single frames, ≤${windowSize} unconfirmed per agent`;
  const floorStores = Math.min(total, Number(process.env.BENCH_DRAIN_FLOOR_STORES ?? 1500));
  console.log(`\n## drain: ${total} commands queued offline (${devices} devices × ${perDevice}; the per-device bound is ${QUEUE_LIMIT_PER_DEVICE}), then drained\n`);

  note("starting Hearth (and the floor worker, unless shared)");
  const [hearth, floor] = await Promise.all([startHearth(), ctx.floor ?? startFloor()]);
  const cleanup = [hearth.stop];
  if (!ctx.floor) cleanup.push(floor.stop);
  const agents = [];
  const floorClients = [];
  try {
    note(`Hearth: one user, ${devices} paired devices (each connected once, so its actions are known), allow all`);
    const { user, devices: paired } = await userWithDevice(hearth.origin, { devices });

    // ── 1. dispatch, agents offline ──
    note(`dispatching ${total} commands, ${inFlight} in flight`);
    const dispatched = paired.map(() => []);
    let refused = 0;
    const dispatchCpu0 = cpuSeconds(hearth.child);
    const dispatchStart = performance.now();
    await pool(total, inFlight, async (i) => {
      const d = i % devices;
      try {
        const command = await user.dispatch(paired[d].deviceId, `~/drain/${i}`);
        dispatched[d].push({ id: command.id, seq: command.seq, status: command.status });
      } catch (error) {
        refused++;
        if (refused <= 3) console.error(`  dispatch ${i} refused: ${error.message}`);
      }
    });
    const dispatchMs = performance.now() - dispatchStart;
    const dispatchCpu = cpuSeconds(hearth.child) - dispatchCpu0;
    const dispatchRate = rate(total - refused, dispatchMs);

    note(`floor: ${floorStores} durable writes (HTTP → worker → DO SQLite insert), ${inFlight} in flight`);
    const room = `drain-${Date.now()}`;
    const storeCpu0 = cpuSeconds(floor.child);
    const storeStart = performance.now();
    await pool(floorStores, inFlight, () => floorStore(floor.origin, room, JSON.stringify({ device_id: "d", command: { target: "filesystem", action: "list", parameters: { path: "~/x" } } })));
    const storeRate = rate(floorStores, performance.now() - storeStart);
    const storeCpu = cpuSeconds(floor.child) - storeCpu0;

    // ── 2. drain ──
    note(`connecting ${devices} agents; each acks and answers every command (${flow})`);
    let acked = 0;
    let finish;
    const allAcked = new Promise((resolve) => (finish = resolve));
    const drainCpu0 = cpuSeconds(hearth.child);
    const drainStart = performance.now();
    await Promise.all(
      paired.map(async (device) => {
        const agent = batched
          ? new BatchProtocolAgent(hearth.origin, device.token, device.deviceId, { window: batchWindow })
          : new ProtocolAgent(hearth.origin, device.token, device.deviceId, { window: windowSize });
        agent.onProgress = (count = 1) => {
          acked += count;
          if (acked === total - refused) finish();
        };
        agents.push(agent);
        await agent.connect();
      }),
    );
    const welcomedMs = performance.now() - drainStart;
    let timer;
    const drainTimeout = new Promise((resolve) => (timer = setTimeout(() => resolve("timeout"), Number(process.env.BENCH_DRAIN_TIMEOUT_MS ?? 240_000))));
    const drained = await Promise.race([allAcked, drainTimeout]);
    clearTimeout(timer);
    const drainCpu = cpuSeconds(hearth.child) - drainCpu0;
    const drainMs = performance.now() - drainStart;
    if (drained === "timeout") console.log(`drain TIMED OUT: ${acked} of ${total - refused} results acked`);
    const drainRate = rate(acked, drainMs);

    // ── 3. order and exactly-once ──
    const problems = [];
    const seen = new Set();
    let duplicates = 0;
    paired.forEach((device, d) => {
      const expected = [...dispatched[d]].sort((a, b) => a.seq - b.seq);
      const got = agents[d].commands;
      for (const c of got) {
        if (seen.has(c.id)) duplicates++;
        seen.add(c.id);
      }
      const seqOk = got.length === perDevice && got.every((c, i) => c.seq === i + 1);
      const idsOk = got.length === expected.length && got.every((c, i) => c.id === expected[i].id && c.seq === expected[i].seq);
      const dispatchSeqOk = expected.every((c, i) => c.seq === i + 1);
      if (!seqOk) problems.push(`device ${d + 1}: received ${got.length} commands; seq not exactly 1..${perDevice} in order (first bad at ${got.findIndex((c, i) => c.seq !== i + 1)})`);
      if (!idsOk) problems.push(`device ${d + 1}: received ids/seqs do not match what dispatch returned`);
      if (!dispatchSeqOk) problems.push(`device ${d + 1}: dispatch answers did not carry seq 1..${perDevice}`);
      if (agents[d].errors.length) problems.push(`device ${d + 1}: ${agents[d].errors.length} error frames, first: ${JSON.stringify(agents[d].errors[0])}`);
    });
    if (duplicates) problems.push(`${duplicates} commands delivered more than once`);

    // ── 4. D1 catch-up, through the API ──
    note("waiting until GET /api/commands shows every command done");
    const d1 = await waitAllDone(user, paired, dispatched, Number(process.env.BENCH_DRAIN_D1_TIMEOUT_MS ?? 60_000));
    const d1Ms = performance.now() - drainStart;
    if (d1.done !== total - refused) problems.push(`D1: ${d1.done} of ${total - refused} done; statuses ${JSON.stringify(d1.statuses)}`);
    const findings = [];
    if (d1.pagingLost > 0) {
      findings.push(
        `GET /api/commands paging (limit=200, before=<created_at of the last row>) never listed ${d1.pagingLost} of ${total} commands: ` +
          `rows sharing the boundary's created_at millisecond are skipped by "created_at < before". They were read with GET /api/commands/:id instead (e.g. ${d1.boundaries.join(", ")}).`,
      );
    }

    // ── 5. floor drain: same frame counts, 10 sockets to one DO; bare, then with one SQLite write per state change;
    //    first one frame per command (the old floors), then in batch frames of 100 (like for like with batch frames) ──
    note(`floor: a DO pushes ${total} commands over ${devices} sockets; clients ack + answer each; the DO acks each answer (single frames, then frames of 100)`);
    const floorRate = {};
    const floorCpu = {};
    const floorModes = [
      { key: "bare", durable: false, batch: false },
      { key: "durable", durable: true, batch: false },
      { key: "batchBare", durable: false, batch: true },
      { key: "batchDurable", durable: true, batch: true },
    ];
    for (const { key, durable, batch } of floorModes) {
      const floorRoom = `fdrain-${key}-${Date.now()}`;
      const clients = [];
      for (let i = 0; i < devices; i++) {
        const client = batch ? new BatchFloorClient(floor.origin, floorRoom, { window: batchWindow }) : new FloorClient(floor.origin, floorRoom, { window: windowSize });
        await client.open();
        clients.push(client);
        floorClients.push(client);
      }
      const floorCpu0 = cpuSeconds(floor.child);
      const floorStart = performance.now();
      const outcomes = await Promise.allSettled(clients.map((c) => c.drain(perDevice, { durable, timeoutMs: Number(process.env.BENCH_DRAIN_FLOOR_TIMEOUT_MS ?? 90_000) })));
      const floorAcked = clients.reduce((n, c) => n + c.acks, 0);
      floorRate[key] = rate(floorAcked, performance.now() - floorStart);
      if (outcomes.some((o) => o.status === "rejected")) findings.push(`the floor drain (${key}) did not finish: ${floorAcked} of ${total} acked; its rate is from what finished`);
      floorCpu[key] = cpuSeconds(floor.child) - floorCpu0;
      for (const c of clients) c.close();
    }
    // The floor the drain is compared with: the same frames it used (batch or single), with durable writes.
    const likeFloor = batched ? "batchDurable" : "durable";

    console.log(
      table([
        ["phase", "count", "time s", "rate", "baseline (floor, same run)", "Hearth/floor"],
        [`dispatch (POST /api/commands, ${inFlight} in flight)`, total - refused, (dispatchMs / 1000).toFixed(1), perS(dispatchRate), `${perS(storeRate)} HTTP→DO SQLite insert`, ratio(dispatchRate, storeRate)],
        [`drain (connect → last result acked; ${flow})`, acked, (drainMs / 1000).toFixed(1), perS(drainRate), `${perS(floorRate.durable)} DO→ws→DO, 1 cmd/frame + 3 SQLite writes/cmd`, ratio(drainRate, floorRate.durable)],
        ["", "", "", "", `${perS(floorRate.bare)} DO→ws→DO, 1 cmd/frame, frames only`, ratio(drainRate, floorRate.bare)],
        ["", "", "", "", `${perS(floorRate.batchDurable)} DO→ws→DO, 100 cmds/frame + 3 SQLite writes/frame`, ratio(drainRate, floorRate.batchDurable)],
        ["", "", "", "", `${perS(floorRate.batchBare)} DO→ws→DO, 100 cmds/frame, frames only`, ratio(drainRate, floorRate.batchBare)],
        [`  of which connect + hello → welcome (all ${devices})`, "", (welcomedMs / 1000).toFixed(2), "", "", ""],
        [`D1 shows all done (from connect)`, d1.done, (d1Ms / 1000).toFixed(1), perS(rate(d1.done, d1Ms)), "", ""],
      ]),
    );
    const perCmd = (seconds, n) => `${ms((seconds * 1000) / n)} ms`;
    console.log(
      `\nworkerd CPU per command (from /proc): dispatch ${perCmd(dispatchCpu, total - refused)} (floor store ${perCmd(storeCpu, floorStores)}), ` +
        `drain ${perCmd(drainCpu, Math.max(acked, 1))} (durable floor ${perCmd(floorCpu.durable, total)}, bare floor ${perCmd(floorCpu.bare, total)}; ` +
        `batched: durable ${perCmd(floorCpu.batchDurable, total)}, bare ${perCmd(floorCpu.batchBare, total)})`,
    );
    console.log(
      `RATIO drain throughput (${batched ? "batch frames" : "single frames"}) Hearth/durable floor of the same frames = ${ratio(drainRate, floorRate[likeFloor])} ` +
        `(1 cmd/frame floors: durable ${ratio(drainRate, floorRate.durable)}, bare ${ratio(drainRate, floorRate.bare)}; 100 cmds/frame bare ${ratio(drainRate, floorRate.batchBare)})   dispatch rate Hearth/floor = ${ratio(dispatchRate, storeRate)}`,
    );
    console.log(
      problems.length === 0
        ? `CHECK ok: ${devices} devices × seq 1..${perDevice} strictly increasing, ${seen.size} distinct commands each delivered once, all ${total} "done" in D1`
        : `CHECK FAILED:\n  - ${problems.join("\n  - ")}`,
    );
    if (refused) console.log(`${refused} dispatches were refused`);
    for (const finding of findings) console.log(`FINDING: ${finding}`);

    return [
      { bench: name, figure: `drain ${total} cmds (${devices} devices, ${batched ? "batch frames" : "single frames"})`, value: perS(drainRate), baseline: `durable floor ${perS(floorRate.durable)}`, ratio: ratio(drainRate, floorRate.durable) },
      { bench: name, figure: "", value: "", baseline: `bare floor ${perS(floorRate.bare)}`, ratio: ratio(drainRate, floorRate.bare) },
      { bench: name, figure: "", value: "", baseline: `batched durable floor ${perS(floorRate.batchDurable)}`, ratio: ratio(drainRate, floorRate.batchDurable) },
      { bench: name, figure: "", value: "", baseline: `batched bare floor ${perS(floorRate.batchBare)}`, ratio: ratio(drainRate, floorRate.batchBare) },
      { bench: name, figure: `dispatch, ${inFlight} in flight`, value: perS(dispatchRate), baseline: `floor ${perS(storeRate)}`, ratio: ratio(dispatchRate, storeRate) },
      { bench: name, figure: "order / once / all done", value: problems.length === 0 ? "ok" : `${problems.length} problems`, baseline: "", ratio: "" },
      ...(d1.pagingLost > 0 ? [{ bench: name, figure: "GET /api/commands paging", value: `skipped ${d1.pagingLost}`, baseline: "", ratio: "" }] : []),
    ];
  } finally {
    for (const agent of agents) agent.close();
    for (const client of floorClients) client.close();
    for (const stop of cleanup) await stop();
  }
}

/**
 * Pages GET /api/commands per device until every dispatched command is listed as done, or the time is up.
 * Commands the paging does not list are then read one by one with GET /api/commands/:id, and counted as lost by paging.
 */
async function waitAllDone(user, paired, dispatched, timeoutMs) {
  const expected = dispatched.flat().length;
  const deadline = performance.now() + timeoutMs;
  let last;
  let previous = -1;
  for (;;) {
    last = await countThroughApi(user, paired);
    // Done when every listed command is done and nothing more appears; a stable shortfall is the paging's.
    const settled = last.done === last.listed && last.listed === previous;
    previous = last.listed;
    if (last.done === expected || settled || performance.now() > deadline) break;
    await sleep(500);
  }
  const missing = dispatched.flat().filter((c) => !last.ids.has(c.id));
  last.pagingLost = missing.length;
  for (const c of missing) {
    const response = await user.request("GET", `/api/commands/${c.id}`);
    const status = response.body?.command?.status ?? `http ${response.status}`;
    last.statuses[status] = (last.statuses[status] ?? 0) + 1;
    if (status === "done") last.done++;
  }
  last.boundaries = missing.slice(0, 3).map((c) => c.id);
  return last;
}

async function countThroughApi(user, paired) {
  const statuses = {};
  const ids = new Set();
  for (const device of paired) {
    let before;
    for (;;) {
      const query = `/api/commands?device_id=${device.deviceId}&limit=200${before ? `&before=${before}` : ""}`;
      const response = await user.request("GET", query);
      if (response.status !== 200) throw new Error(`GET ${query}: ${response.status} ${response.text.slice(0, 200)}`);
      for (const c of response.body.commands) {
        statuses[c.status] = (statuses[c.status] ?? 0) + 1;
        ids.add(c.id);
      }
      before = response.body.next_before;
      if (!before) break;
    }
  }
  return { listed: ids.size, ids, done: statuses.done ?? 0, statuses, pagingLost: 0 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { main } = await import("./run.mjs");
  await main([name]);
}
