// bench/round-trip: one command's round trip, API → relay → agent → result, seen by the browser socket.
//
// Measured: from POST /api/commands to the `command_update` frame with status "done" on the user's browser
// socket (GET /api/relay), over sequential commands after a warm-up. The agent is the real `hearth` agent when
// its CLI has `pair` and `start` (filesystem.list on a temporary folder); the bench's minimal protocol client
// also runs, on a second device of the same user, so the relay's share and the agent's share can be told apart.
// Baseline (same run): the platform floor, bench/floor/worker.ts on its own `wrangler dev`: HTTP → worker →
// DO → WebSocket → bare `ws` client → DO → HTTP response, with none of Hearth's logic. All are measured
// interleaved (one floor trip, then one Hearth trip per agent, …), so they see the same machine at the same moment.
// For reference: a raw `ws` echo on loopback.
import { ms, note, ratio, summarize, table } from "./lib/stats.mjs";
import { User } from "./lib/hearth.mjs";
import { FloorClient, wsEcho } from "./lib/floor.mjs";
import { startAgent, startProtocolAgent } from "./lib/agent.mjs";
import { cpuSeconds, startFloor, startHearth } from "./lib/proc.mjs";

export const name = "round-trip";

export async function run(ctx = {}) {
  const count = Number(process.env.BENCH_RT_COUNT ?? 300);
  const warmup = Number(process.env.BENCH_RT_WARMUP ?? 50);
  console.log(`\n## round-trip: ${count} sequential commands after ${warmup} warm-up, Hearth vs the platform floor\n`);

  note("starting Hearth and the floor worker");
  const [hearth, floor] = await Promise.all([startHearth(), ctx.floor ?? startFloor()]);
  const cleanup = [hearth.stop];
  if (!ctx.floor) cleanup.push(floor.stop);
  try {
    note("raw ws loopback echo");
    const echo = summarize(await wsEcho({ warmup: 200, count: 2000 }));

    note("floor: connecting its ws client");
    const floorClient = new FloorClient(floor.origin, `rt-${Date.now()}`);
    await floorClient.open();
    cleanup.unshift(async () => floorClient.close());

    note("Hearth: registering a user, allowing all commands, pairing and starting the agent");
    const user = await new User(hearth.origin).register();
    await user.allowAll();
    const agents = [await startAgent(hearth.origin, user, ctx)];
    cleanup.unshift(agents[0].stop);
    note(`Hearth agent: ${agents[0].description}`);
    if (agents[0].kind !== "protocol client") {
      agents.push(await startProtocolAgent(hearth.origin, user, "for comparison, on a second device"));
      cleanup.unshift(agents[1].stop);
    }
    const browser = await user.openBrowser();
    cleanup.unshift(async () => browser.close());

    const floorSamples = [];
    const lanes = agents.map((agent) => ({ agent, done: [], accepted: [] }));
    const body = JSON.stringify({ device_id: agents[0].deviceId, command: { target: "filesystem", action: "list", parameters: { path: "~/Documents" } } });
    const started = performance.now();
    let cpu0;
    for (let i = 0; i < warmup + count; i++) {
      if (i === warmup) cpu0 = { hearth: cpuSeconds(hearth.child), floor: cpuSeconds(floor.child), agent: agents[0].child ? cpuSeconds(agents[0].child, { onlyWorkerd: false }) : 0 };
      const floorMs = await floorClient.echo(body);
      if (i >= warmup) floorSamples.push(floorMs);
      for (const lane of lanes) {
        const t0 = performance.now();
        const command = await user.dispatch(lane.agent.deviceId, lane.agent.listPath);
        const accepted = performance.now();
        const doneAt = await browser.waitDone(command.id);
        if (i >= warmup) {
          lane.done.push(doneAt - t0);
          lane.accepted.push(accepted - t0);
        }
      }
    }
    const elapsed = (performance.now() - started) / 1000;
    // CPU per trip, from /proc: less moved by other load on the machine than latency is.
    const cpu = {
      hearth: ((cpuSeconds(hearth.child) - cpu0.hearth) * 1000) / (count * lanes.length),
      floor: ((cpuSeconds(floor.child) - cpu0.floor) * 1000) / count,
      agent: agents[0].child ? ((cpuSeconds(agents[0].child, { onlyWorkerd: false }) - cpu0.agent) * 1000) / count : NaN,
    };

    const f = summarize(floorSamples);
    const rows = [["trip", "n", "p50 ms", "p90 ms", "p99 ms", "max ms", "p50 vs floor"]];
    for (const lane of lanes) {
      const h = summarize(lane.done);
      const a = summarize(lane.accepted);
      lane.summary = h;
      rows.push([`Hearth, ${lane.agent.kind}: POST /api/commands → "done" on browser socket`, h.n, ms(h.p50), ms(h.p90), ms(h.p99), ms(h.max), ratio(h.p50, f.p50)]);
      rows.push(["  of which POST /api/commands → 202 Accepted", a.n, ms(a.p50), ms(a.p90), ms(a.p99), ms(a.max), ratio(a.p50, f.p50)]);
    }
    rows.push(["floor: HTTP → worker → DO → ws client → DO → HTTP", f.n, ms(f.p50), ms(f.p90), ms(f.p99), ms(f.max), ""]);
    rows.push(["raw ws echo on loopback (reference)", echo.n, ms(echo.p50), ms(echo.p90), ms(echo.p99), ms(echo.max), ""]);
    console.log(table(rows));
    const main = lanes[0].summary;
    console.log(`\nAgent: ${agents[0].description}`);
    console.log(`RATIO p50 Hearth/floor = ${ratio(main.p50, f.p50)} (aim: within 1.5×)   p99 Hearth/floor = ${ratio(main.p99, f.p99)}   (${agents[0].kind})`);
    console.log(
      `CPU per trip (workerd processes, from /proc): Hearth ${ms(cpu.hearth)} ms, floor ${ms(cpu.floor)} ms → RATIO ${ratio(cpu.hearth, cpu.floor)}` +
        (Number.isFinite(cpu.agent) ? `; the hearth agent process: ${ms(cpu.agent)} ms per command` : ""),
    );
    console.log(`(${count + warmup} interleaved rounds in ${elapsed.toFixed(1)} s; Hearth started in ${(hearth.startMs / 1000).toFixed(1)} s)`);

    const out = [];
    for (const lane of lanes) {
      const h = lane.summary;
      out.push({ bench: name, figure: `round trip p50 (${lane.agent.kind})`, value: `${ms(h.p50)} ms`, baseline: `floor ${ms(f.p50)} ms`, ratio: ratio(h.p50, f.p50) });
      out.push({ bench: name, figure: `round trip p99 (${lane.agent.kind})`, value: `${ms(h.p99)} ms`, baseline: `floor ${ms(f.p99)} ms`, ratio: ratio(h.p99, f.p99) });
    }
    out.push({ bench: name, figure: "workerd CPU per trip", value: `${ms(cpu.hearth)} ms`, baseline: `floor ${ms(cpu.floor)} ms`, ratio: ratio(cpu.hearth, cpu.floor) });
    out.push({ bench: name, figure: "raw ws echo p50 / p99", value: `${ms(echo.p50)} / ${ms(echo.p99)} ms`, baseline: "", ratio: "" });
    return out;
  } finally {
    for (const stop of cleanup) await stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { main } = await import("./run.mjs");
  await main([name]);
}
