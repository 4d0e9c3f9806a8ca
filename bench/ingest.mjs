// bench/ingest: 100,000 activity events from an agent, through the relay, into D1.
//
// Measured: the bench's protocol client, paired as the user's agent, sends 100,000 distinct events (about 60%
// bank transactions, 20% job applications, the rest browser and system events) in `activity` frames of 500
// events (the real agent's ACTIVITY_BATCH), with at most 4 frames unacked (BENCH_INGEST_WINDOW). The relay acks a
// frame only once D1 has committed its events, so "acked" means stored. The rate is events / time until the last ack.
// Baseline (same run): the D1 floor (bench/d1-floor): HTTP → a bare worker → the same INSERT statements in the
// same batches of 50 into a local D1 with the same migrations (indexes and full-text triggers), same request
// size and the same number in flight. Its rows are built before the clock starts, so it pays no validation.
// The two run interleaved, in 10 slices each (which goes first alternates), so both see the same machine.
// Checked: every event is read back through GET /api/activities (paged) — none lost, none twice; the dashboard's
// summary counts them all; the relay's `activity_stored` frames add up to them; then 5% of them are sent again and
// nothing more is stored. The D1 floor's count is checked too.
import { ms, note, ratio, table } from "./lib/stats.mjs";
import { ProtocolAgent, User } from "./lib/hearth.mjs";
import { cpuSeconds, sleep, startHearth } from "./lib/proc.mjs";
import { activityEvents } from "./lib/activity-data.mjs";
import { ActivitySender, activityFrame, d1Floor, floorBody, listedEventIds, startD1Floor, startTogether, summaryTotal } from "./lib/activity.mjs";

export const name = "ingest";

const PREFIX = "ingest";
const rate = (count, msTaken) => count / (msTaken / 1000);
const perS = (value) => `${Math.round(value).toLocaleString("en-US")}/s`;
const count = (n) => n.toLocaleString("en-US");

export async function run() {
  const total = Number(process.env.BENCH_INGEST_EVENTS ?? 100_000);
  const frameSize = Number(process.env.BENCH_INGEST_FRAME ?? 500);
  const window = Number(process.env.BENCH_INGEST_WINDOW ?? 4);
  const slices = Number(process.env.BENCH_INGEST_SLICES ?? 10);
  const resend = Math.min(total, Number(process.env.BENCH_INGEST_RESEND ?? Math.round(total * 0.05)));
  console.log(`\n## ingest: ${count(total)} activity events, agent → relay → D1, against direct batched D1 inserts\n`);

  note("starting Hearth and the D1 floor");
  const [hearth, floor] = await startTogether(startHearth, startD1Floor);
  const cleanup = [hearth.stop, floor.stop];
  try {
    note("Hearth: registering a user, pairing a device, connecting the bench's protocol client as its agent");
    const user = await new User(hearth.origin).register();
    const userId = (await user.request("GET", "/api/auth/me")).body.user.id;
    const device = await user.pairDevice("Bench activity agent");
    const agent = new ProtocolAgent(hearth.origin, device.token, device.deviceId);
    await agent.connect();
    cleanup.unshift(async () => agent.close());
    const sender = new ActivitySender(agent);
    // The browser socket hears `activity_stored {count}` after each frame that stored something.
    const browser = await user.openBrowser();
    cleanup.unshift(async () => browser.close());
    let reportedStored = 0;
    browser.ws.on("message", (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === "activity_stored") reportedStored += frame.count;
    });
    await d1Floor.createUser(floor.origin, userId);

    const now = Date.now();
    /** Events from … to - 1 as frames for Hearth and request bodies for the floor, built before any clock starts. */
    const prepare = (from, to) => {
      const chunks = [];
      for (let at = from; at < to; at += frameSize) chunks.push(activityEvents(at, Math.min(to, at + frameSize), { prefix: PREFIX, now }));
      return { frames: chunks.map(activityFrame), bodies: chunks.map((events) => floorBody(events, userId)) };
    };
    const spent = { hearth: { ms: 0, cpu: 0 }, floor: { ms: 0, cpu: 0 } };
    let floorStored = 0;
    const timed = async (side, server, task) => {
      const cpu0 = cpuSeconds(server.child);
      const started = performance.now();
      await task();
      spent[side].ms += performance.now() - started;
      spent[side].cpu += cpuSeconds(server.child) - cpu0;
    };

    // ── 1. ingest, interleaved in slices ──
    note(`sending ${count(total)} events in ${slices} slices: frames of ${frameSize}, ${window} in flight, Hearth and the floor taking turns`);
    const perSlice = Math.ceil(total / slices);
    for (let s = 0; s * perSlice < total; s++) {
      const from = s * perSlice;
      const { frames, bodies } = prepare(from, Math.min(total, from + perSlice));
      const lanes = [
        () => timed("hearth", hearth, () => sender.send(frames, window)),
        () =>
          timed("floor", floor, async () => {
            const stored = await d1Floor.insert(floor.origin, bodies, window);
            floorStored += stored;
          }),
      ];
      if (s % 2 === 1) lanes.reverse();
      for (const lane of lanes) await lane();
      note(`slice ${s + 1}: ${count(Math.min(total, from + perSlice))} sent; so far Hearth ${perS(rate(Math.min(total, from + perSlice), spent.hearth.ms))}, floor ${perS(rate(Math.min(total, from + perSlice), spent.floor.ms))}`);
    }
    const hearthRate = rate(total, spent.hearth.ms);
    const floorRate = rate(total, spent.floor.ms);
    await sleep(500); // the last `activity_stored` frames follow their acks
    const storedByIngest = reportedStored;

    // ── 2. the same events again: dedupe ──
    note(`sending the first ${count(resend)} events again, in new frames`);
    const again = prepare(0, resend);
    const resent = { hearth: { ms: 0, cpu: 0 }, floor: { ms: 0, cpu: 0 } };
    let floorStoredAgain = 0;
    for (const [side, server, task] of [
      ["hearth", hearth, () => sender.send(again.frames, window)],
      ["floor", floor, async () => (floorStoredAgain = await d1Floor.insert(floor.origin, again.bodies, window))],
    ]) {
      const cpu0 = cpuSeconds(server.child);
      const started = performance.now();
      await task();
      resent[side] = { ms: performance.now() - started, cpu: cpuSeconds(server.child) - cpu0 };
    }
    await sleep(500);
    const storedByResend = reportedStored - storedByIngest;

    // ── 3. read everything back through the API ──
    note("reading every activity back through GET /api/activities (200 a page)");
    const readStart = performance.now();
    const listed = await listedEventIds(user);
    const readMs = performance.now() - readStart;
    const summarized = await summaryTotal(user);
    const seen = new Map();
    let foreign = 0;
    for (const id of listed) {
      const i = Number(id.slice(PREFIX.length + 1));
      if (!id.startsWith(`${PREFIX}-`) || !Number.isInteger(i) || i < 0 || i >= total) foreign++;
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    let lost = 0;
    for (let i = 0; i < total; i++) if (!seen.has(`${PREFIX}-${i}`)) lost++;
    const duplicated = listed.length - seen.size;
    const floorCount = await d1Floor.count(floor.origin, userId);

    const problems = [];
    if (lost) problems.push(`${count(lost)} events lost (not listed by GET /api/activities)`);
    if (duplicated) problems.push(`${count(duplicated)} rows duplicated`);
    if (foreign) problems.push(`${count(foreign)} rows that the bench did not send`);
    if (listed.length !== total) problems.push(`GET /api/activities lists ${count(listed.length)} rows, not ${count(total)}`);
    if (summarized !== total) problems.push(`the summary's timeline counts ${count(summarized)}, not ${count(total)}`);
    if (storedByIngest !== total) problems.push(`the relay reported ${count(storedByIngest)} stored (activity_stored), not ${count(total)}`);
    if (storedByResend !== 0) problems.push(`sending ${count(resend)} events again stored ${count(storedByResend)} more`);
    if (sender.errors.length) problems.push(`${sender.errors.length} error frames, first: ${JSON.stringify(sender.errors[0])}`);
    if (agent.closed) problems.push(`the agent's socket was closed: ${agent.closed.code} ${agent.closed.reason}`);
    if (floorStored !== total || floorStoredAgain !== 0 || floorCount.rows !== total || floorCount.distinct_events !== total) {
      problems.push(`the D1 floor: stored ${floorStored} then ${floorStoredAgain}; holds ${floorCount.rows} rows, ${floorCount.distinct_events} distinct`);
    }

    const cpuPer1000 = (seconds, n) => `${ms((seconds * 1e6) / n)} ms`;
    console.log(
      table([
        ["path", "events", "time s", "events/s", "workerd CPU per 1000 events", "Hearth/floor"],
        [`Hearth: agent ws → relay DO → D1 (frames of ${frameSize}, ${window} in flight)`, count(total), (spent.hearth.ms / 1000).toFixed(1), perS(hearthRate), cpuPer1000(spent.hearth.cpu, total), ratio(hearthRate, floorRate)],
        [`D1 floor: HTTP → worker → D1 (same batches of 50, same requests in flight)`, count(total), (spent.floor.ms / 1000).toFixed(1), perS(floorRate), cpuPer1000(spent.floor.cpu, total), ""],
        [`Hearth: the first ${count(resend)} again (all duplicates)`, count(resend), (resent.hearth.ms / 1000).toFixed(1), perS(rate(resend, resent.hearth.ms)), cpuPer1000(resent.hearth.cpu, resend), ratio(rate(resend, resent.hearth.ms), rate(resend, resent.floor.ms))],
        [`D1 floor: the same again`, count(resend), (resent.floor.ms / 1000).toFixed(1), perS(rate(resend, resent.floor.ms)), cpuPer1000(resent.floor.cpu, resend), ""],
      ]),
    );
    console.log(`\nRATIO events/s Hearth/D1 floor = ${ratio(hearthRate, floorRate)}   (workerd CPU per event: ${ratio(spent.hearth.cpu, spent.floor.cpu)})`);
    console.log(
      problems.length === 0
        ? `CHECK ok: ${count(total)} events, 0 lost, 0 duplicated — every one listed once by GET /api/activities (${Math.ceil(total / 200)} pages, ${(readMs / 1000).toFixed(1)} s); ` +
            `the summary counts ${count(summarized)}; the relay reported ${count(storedByIngest)} stored; the ${count(resend)} sent again stored 0 (still ${count(total)}); the D1 floor holds ${count(floorCount.rows)}`
        : `CHECK FAILED:\n  - ${problems.join("\n  - ")}`,
    );

    return [
      { bench: name, figure: `${count(total)} events, agent → relay → D1`, value: perS(hearthRate), baseline: `D1 floor ${perS(floorRate)}`, ratio: ratio(hearthRate, floorRate) },
      { bench: name, figure: "workerd CPU per 1000 events", value: cpuPer1000(spent.hearth.cpu, total), baseline: `D1 floor ${cpuPer1000(spent.floor.cpu, total)}`, ratio: ratio(spent.hearth.cpu, spent.floor.cpu) },
      { bench: name, figure: `${count(resend)} sent again (duplicates)`, value: perS(rate(resend, resent.hearth.ms)), baseline: `D1 floor ${perS(rate(resend, resent.floor.ms))}`, ratio: ratio(rate(resend, resent.hearth.ms), rate(resend, resent.floor.ms)) },
      { bench: name, figure: "lost / duplicated", value: problems.length === 0 ? "0 / 0 (ok)" : `${count(lost)} / ${count(duplicated)}; ${problems.length} problems`, baseline: "", ratio: "" },
    ];
  } finally {
    for (const stop of cleanup) await stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { main } = await import("./run.mjs");
  await main([name]);
}
