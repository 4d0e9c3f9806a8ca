// bench/notifications: 10,000 job-status notifications, API → relay → D1 queue → signed webhook → a local receiver.
//
// Setup: one user; the job_status_changed rule sends by webhook from priority "low" up (in-app stays on, as a user
// who adds a webhook keeps it; BENCH_NOTIFY_IN_APP=0 turns it off); one endpoint (POST /api/webhooks) pointing at a
// Node receiver on 127.0.0.1 in this process, which answers 200 at once and verifies every signature after.
// Hearth runs with WEBHOOKS_ALLOW_PRIVATE=true, so it may deliver to loopback.
// Events: N applications added by hand (POST /api/activities/applications), then one PATCH {job_status} each,
// with 16 in flight (BENCH_NOTIFY_IN_FLIGHT), the status alternating between two values: one request, one
// notification, one webhook delivery. Each payload names its activity (`data.notification.source.id`), so each
// receipt is matched to the PATCH that caused it.
// Measured: throughput (notifications received / time from the first PATCH sent to the last receipt) and latency
// (PATCH sent → receipt) p50/p99; then, unloaded, 200 events one at a time (BENCH_NOTIFY_PACED).
// Baselines (same run): (1) the Node floor (bench/lib/webhook-floor.mjs): HTTP in, 202, then a payload of the
// same size signed with standardwebhooks and POSTed to the same receiver, same events in flight; (2) the same
// PATCH requests with the rule off, so no notification at all: the API's own cost per event.
// Checked: 0 lost (no receipt once nothing has arrived for 120 s, BENCH_NOTIFY_STALL_S), 0 duplicated (a
// notification id received twice), every signature verified, and Hearth's delivery log (GET /api/webhooks/:id/
// deliveries) shows each delivery delivered. The log's times (queued, attempted) show where the latency goes.
import { randomBytes, randomUUID } from "node:crypto";
import { ms, note, percentile, pool, ratio, table } from "./lib/stats.mjs";
import { User, request } from "./lib/hearth.mjs";
import { cpuSeconds, startHearth } from "./lib/proc.mjs";
import { startReceiver } from "./lib/webhook-receiver.mjs";
import { startWebhookFloor } from "./lib/webhook-floor.mjs";

export const name = "notifications";

const KIND = "job_status_changed";
const WARM_UP = 20;
const perS = (value) => `${Math.round(value).toLocaleString("en-US")}/s`;
const count = (n) => n.toLocaleString("en-US");
const seconds = (msTaken) => `${(msTaken / 1000).toFixed(1)} s`;
/** A latency, in ms up to 10 s and in seconds beyond (under load they reach minutes). */
const span = (value) => (value >= 10_000 ? seconds(value) : `${ms(value)} ms`);

function expectOk(response, status, what) {
  if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status} ${response.text.slice(0, 300)}`);
  return response.body;
}

/** Sets the job_status_changed rule: on or off, and its channels (webhook from "low" up). */
async function setRule(user, { enabled, inApp }) {
  const prefs = expectOk(await user.request("GET", "/api/notifications/preferences"), 200, "GET preferences");
  const rules = prefs.rules.map((rule) =>
    rule.kind === KIND ? { ...rule, enabled, channels: { in_app: { enabled: inApp, min_priority: "low" }, webhook: { enabled: true, min_priority: "low" } } } : rule,
  );
  expectOk(await user.request("PUT", "/api/notifications/preferences", { rules }), 200, "PUT preferences");
}

/** Adds `n` applications by hand, `limit` at a time; resolves with their activity ids. */
async function addApplications(user, n, limit) {
  const ids = new Array(n);
  await pool(n, limit, async (i) => {
    const body = { company: `Company ${i}`, role: `Engineer ${i % 7}`, status: "applied" };
    ids[i] = expectOk(await user.request("POST", "/api/activities/applications", body), 201, "POST /api/activities/applications").activity.id;
  });
  return ids;
}

/**
 * Sends `events` (each a function that makes one request and resolves with `{ok, what}`), `limit` in flight.
 * Resolves with when each was sent and answered (performance.now()), when each was sent by the wall clock (to
 * compare with the times Hearth stores, Date.now() in workerd; the two clocks drift apart over a run), and the failures.
 */
async function fire(events, limit) {
  const sent = new Array(events.length);
  const sentWall = new Array(events.length);
  const answered = new Array(events.length);
  const failures = [];
  let lastWall = 0;
  await pool(events.length, limit, async (i) => {
    sentWall[i] = Date.now();
    sent[i] = performance.now();
    const status = await events[i]();
    answered[i] = performance.now();
    lastWall = Math.max(lastWall, Date.now());
    if (status.ok !== true) failures.push(status.what);
  });
  return { sent, sentWall, answered, failures, first: Math.min(...sent), last: Math.max(...answered), lastWall };
}

/** Throughput and latency of a burst whose receipts are in `channel`, keyed by the events' `keys`. */
function burstFigures(keys, { sent }, channel) {
  const latencies = [];
  let lastReceipt = 0;
  for (let i = 0; i < keys.length; i++) {
    const receipt = channel.bySource.get(keys[i]);
    if (!receipt) continue;
    latencies.push(receipt.at - sent[i]);
    lastReceipt = Math.max(lastReceipt, receipt.at);
  }
  const first = Math.min(...sent);
  return { received: latencies.length, lost: keys.length - latencies.length, spanMs: lastReceipt - first, rate: latencies.length / ((lastReceipt - first) / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies) };
}

/** Every delivery of the endpoint, through GET /api/webhooks/:id/deliveries (50 a page). */
async function deliveryLog(user, endpointId) {
  const all = [];
  let before = null;
  for (;;) {
    const page = expectOk(await user.request("GET", `/api/webhooks/${endpointId}/deliveries?limit=50${before ? `&before=${encodeURIComponent(before)}` : ""}`), 200, "GET deliveries");
    all.push(...page.deliveries);
    before = page.next_before;
    if (!before) return all;
  }
}

/**
 * Where the time of each delivery went, from the delivery log's times (workerd's Date.now()) and the bench's
 * (PATCH sent, receipt): sent → queued (the API, the RPC to the relay, the notification's rows), queued → its
 * attempt began (waiting for a send run, or the relay's alarm, and for the deliveries ahead of it), attempt → receipt. Split by
 * whether the attempt began while PATCHes were still coming in.
 */
function breakdown(deliveries, patchSentBySource, receiptsByNotification, eventsEndAt = Infinity) {
  const rows = [];
  for (const d of deliveries) {
    const receipt = receiptsByNotification.get(d.notification_id);
    const sentAt = receipt ? patchSentBySource.get(receipt.sourceId) : undefined;
    const attempt = d.attempts_log[d.attempts_log.length - 1]; // the first attempt (the log is newest first)
    if (!receipt || sentAt === undefined || !attempt) continue;
    rows.push({ sent: sentAt, queued: d.created_at, attempted: attempt.attempted_at, received: receipt.wall, fetchMs: attempt.latency_ms });
  }
  const p = (values) => `${ms(percentile(values, 50))} / ${ms(percentile(values, 99))}`;
  const during = rows.filter((r) => r.attempted < eventsEndAt);
  const after = rows.filter((r) => r.attempted >= eventsEndAt);
  return {
    n: rows.length,
    toQueued: p(rows.map((r) => r.queued - r.sent)),
    toAttempt: p(rows.map((r) => r.attempted - r.queued)),
    attemptToReceipt: p(rows.map((r) => r.received - r.attempted)),
    fetch: p(rows.map((r) => r.fetchMs)),
    during: during.length,
    fetchDuring: p(during.map((r) => r.fetchMs)),
    fetchAfter: p(after.map((r) => r.fetchMs)),
  };
}

export async function run() {
  const total = Number(process.env.BENCH_NOTIFY_EVENTS ?? 10_000);
  const inFlight = Number(process.env.BENCH_NOTIFY_IN_FLIGHT ?? 16);
  const paced = Number(process.env.BENCH_NOTIFY_PACED ?? 200);
  const stallMs = Number(process.env.BENCH_NOTIFY_STALL_S ?? 120) * 1000;
  const inApp = process.env.BENCH_NOTIFY_IN_APP !== "0";
  console.log(`\n## notifications: ${count(total)} job-status notifications, PATCH → relay → webhook → a local receiver, against a bare Node signer\n`);

  const receiver = await startReceiver();
  const cleanup = [receiver.close];
  try {
    note("starting Hearth with WEBHOOKS_ALLOW_PRIVATE=true");
    const hearth = await startHearth({ vars: ["WEBHOOKS_ALLOW_PRIVATE:true"] });
    cleanup.unshift(hearth.stop);
    const user = await new User(hearth.origin).register();
    await setRule(user, { enabled: true, inApp });
    const created = expectOk(await user.request("POST", "/api/webhooks", { url: receiver.url("hearth"), kinds: [KIND] }), 201, "POST /api/webhooks");
    const hearthChannel = receiver.channel("hearth", created.secret);
    const endpointId = created.webhook.id;

    note(`adding ${count(total + paced + WARM_UP)} applications by hand (POST /api/activities/applications, ${inFlight} in flight)`);
    const addStart = performance.now();
    const apps = await addApplications(user, total + paced + WARM_UP, inFlight);
    const addMs = performance.now() - addStart;
    const [burstApps, pacedApps, warmApps] = [apps.slice(0, total), apps.slice(total, total + paced), apps.slice(total + paced)];

    const patch = (id, status) => async () => {
      const response = await user.request("PATCH", `/api/activities/${id}`, { job_status: status });
      return { ok: response.status === 200, what: `PATCH ${id}: ${response.status} ${response.text.slice(0, 200)}` };
    };
    const patchSent = new Map(); // activity id → Date.now() when its PATCH went out

    // ── warm-up: both paths, and one real payload as the floor's template ──
    note(`warm-up: ${WARM_UP} notifications`);
    const warm = await fire(warmApps.map((id) => patch(id, "assessment")), 4);
    warmApps.forEach((id, i) => patchSent.set(id, warm.sentWall[i]));
    if (!(await hearthChannel.until(() => warmApps.every((id) => hearthChannel.bySource.has(id)), 30_000))) {
      throw new Error(`warm-up: ${warmApps.filter((id) => !hearthChannel.bySource.has(id)).length} of ${WARM_UP} webhooks did not arrive within 30 s (the endpoint's delivery log says why: GET /api/webhooks/${endpointId}/deliveries)`);
    }
    const floorSecret = `whsec_${randomBytes(24).toString("base64")}`;
    const floorChannel = receiver.channel("floor", floorSecret);
    const floor = await startWebhookFloor({ target: receiver.url("floor"), secret: floorSecret, template: hearthChannel.sample });
    cleanup.unshift(floor.stop);
    const floorEvent = (key) => async () => {
      const response = await request(floor.origin, "POST", "/event", { json: { key } });
      return { ok: response.status === 202, what: `floor /event: ${response.status} ${response.text.slice(0, 200)}` };
    };
    await fire(Array.from({ length: WARM_UP }, () => floorEvent(randomUUID())), 4);

    // ── 1. the Node floor: the same number of events, the same number in flight ──
    note(`the Node floor: ${count(total)} events, ${inFlight} in flight`);
    const floorKeys = Array.from({ length: total }, () => randomUUID());
    const floorBurst = await fire(floorKeys.map(floorEvent), inFlight);
    // Each receipt is keyed by its event; the warm-up's are the only others, so a size is enough (and cheap).
    await floorChannel.until(() => floorChannel.bySource.size >= WARM_UP + total, stallMs);
    const floorFig = burstFigures(floorKeys, floorBurst, floorChannel);

    // ── 2. the API alone: the same PATCHes with the rule off (no notification) ──
    note(`the API alone: ${count(total)} PATCHes with the ${KIND} rule off`);
    await setRule(user, { enabled: false, inApp });
    const apiCpu0 = cpuSeconds(hearth.child);
    const apiBurst = await fire(burstApps.map((id) => patch(id, "assessment")), inFlight);
    const apiCpu = cpuSeconds(hearth.child) - apiCpu0;
    const apiLatencies = apiBurst.sent.map((s, i) => apiBurst.answered[i] - s);
    const apiRate = total / ((apiBurst.last - apiBurst.first) / 1000);
    await setRule(user, { enabled: true, inApp });

    // ── 3. Hearth: PATCH → notification → webhook ──
    note(`Hearth: ${count(total)} PATCHes (job_status alternating interview / offer), ${inFlight} in flight`);
    const cpu0 = cpuSeconds(hearth.child);
    const progress = setInterval(() => note(`  ${count(burstApps.filter((id) => hearthChannel.bySource.has(id)).length)} of ${count(total)} received`), 10_000);
    const burst = await fire(
      burstApps.map((id, i) => patch(id, i % 2 === 0 ? "interview" : "offer")),
      inFlight,
    );
    const cpuPatched = cpuSeconds(hearth.child);
    burstApps.forEach((id, i) => patchSent.set(id, burst.sentWall[i]));
    await hearthChannel.until(() => hearthChannel.bySource.size >= WARM_UP + total, stallMs);
    clearInterval(progress);
    const cpuEnd = cpuSeconds(hearth.child);
    const hearthCpu = cpuEnd - cpu0;
    // The tail: once every PATCH is answered, the relay only sends what is queued.
    const tail = burstApps.map((id) => hearthChannel.bySource.get(id)).filter((r) => r && r.at > burst.last);
    const tailMs = Math.max(0, ...tail.map((r) => r.at)) - burst.last;
    const duringPatches = burstApps.length - tail.length;
    const hearthFig = burstFigures(burstApps, burst, hearthChannel);
    const patchLatencies = burst.sent.map((s, i) => burst.answered[i] - s);
    const patchRate = total / ((burst.last - burst.first) / 1000);

    // ── 4. unloaded: one event at a time, Hearth and the floor taking turns ──
    note(`unloaded: ${paced} events one at a time, Hearth and the floor taking turns`);
    const pacedLatency = { hearth: [], floor: [], patch: [] };
    let pacedLost = 0;
    for (let i = 0; i < paced; i++) {
      const id = pacedApps[i];
      const key = randomUUID();
      const lanes = [
        async () => {
          patchSent.set(id, Date.now());
          const sentAt = performance.now();
          const status = await patch(id, "interview")();
          if (!status.ok) throw new Error(status.what);
          pacedLatency.patch.push(performance.now() - sentAt);
          const receipt = await hearthChannel.waitFor(id, 30_000);
          if (receipt) pacedLatency.hearth.push(receipt.at - sentAt);
          else pacedLost++;
        },
        async () => {
          const sentAt = performance.now();
          await floorEvent(key)();
          const receipt = await floorChannel.waitFor(key, 30_000);
          if (receipt) pacedLatency.floor.push(receipt.at - sentAt);
        },
      ];
      if (i % 2 === 1) lanes.reverse();
      for (const lane of lanes) await lane();
    }

    // ── 5. the delivery log, and the checks ──
    note("reading the endpoint's delivery log (GET /api/webhooks/:id/deliveries, 50 a page)");
    // A delivery is recorded just after its receiver answers, so the last receipt can come a moment before its
    // record: the log is read again (up to 10 s) until it shows every delivery settled.
    let log = await deliveryLog(user, endpointId);
    for (let tries = 0; tries < 10 && log.some((d) => d.status === "pending"); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      log = await deliveryLog(user, endpointId);
    }
    const receiptsByNotification = new Map(hearthChannel.received.map((r) => [r.notificationId, r]));
    const burstSet = new Set(burstApps);
    const burstLog = log.filter((d) => burstSet.has(receiptsByNotification.get(d.notification_id)?.sourceId));
    const pacedSet = new Set(pacedApps);
    const pacedLog = log.filter((d) => pacedSet.has(receiptsByNotification.get(d.notification_id)?.sourceId));
    const burstWhere = breakdown(burstLog, patchSent, receiptsByNotification, burst.lastWall);
    const pacedWhere = breakdown(pacedLog, patchSent, receiptsByNotification);

    const expected = total + paced + WARM_UP;
    const ours = new Set(apps);
    const foreign = hearthChannel.received.filter((r) => !ours.has(r.sourceId)).length;
    const notDelivered = log.filter((d) => d.status !== "delivered");
    const retried = log.filter((d) => d.attempts > 1).length;
    const unverified = hearthChannel.unverified.length + floorChannel.unverified.length;
    const problems = [];
    if (hearthFig.lost) problems.push(`${count(hearthFig.lost)} of ${count(total)} notifications never arrived (nothing more came for ${stallMs / 1000} s)`);
    if (pacedLost) problems.push(`${pacedLost} of the ${paced} paced notifications did not arrive within 30 s`);
    if (hearthChannel.duplicates) problems.push(`${count(hearthChannel.duplicates)} notifications received twice (answered 200 each time)`);
    if (hearthChannel.webhookIds.size !== hearthChannel.notificationIds.size) problems.push(`${hearthChannel.webhookIds.size} webhook-ids for ${hearthChannel.notificationIds.size} notifications`);
    if (foreign) problems.push(`${foreign} deliveries for activities the bench did not change`);
    if (unverified) problems.push(`${unverified} signatures did not verify; first: ${JSON.stringify((hearthChannel.unverified[0] ?? floorChannel.unverified[0]))}`);
    if (hearthChannel.malformed) problems.push(`${hearthChannel.malformed} bodies were not JSON`);
    if (log.length !== expected) problems.push(`the delivery log lists ${count(log.length)} deliveries, not ${count(expected)}`);
    if (notDelivered.length) problems.push(`${notDelivered.length} deliveries not delivered in the log; first: ${JSON.stringify(notDelivered[0]).slice(0, 300)}`);
    for (const failures of [burst.failures, apiBurst.failures, floorBurst.failures]) if (failures.length) problems.push(`${failures.length} requests failed; first: ${failures[0]}`);
    if (floorFig.lost) problems.push(`the Node floor lost ${floorFig.lost}`);

    const verifyUs = (channel) => `${((channel.verifyMs * 1000) / Math.max(1, channel.received.length)).toFixed(0)} µs`;
    const p50 = (values) => percentile(values, 50);
    const p99 = (values) => percentile(values, 99);
    const latencyCells = (values) => [span(p50(values)), span(p99(values)), span(Math.max(...values))];
    const unloaded = { hearth: p50(pacedLatency.hearth), floor: p50(pacedLatency.floor) };
    console.log(
      table([
        ["path", "events", "time", "events/s", "latency p50", "p99", "max", "Hearth/floor"],
        [`Hearth: PATCH → relay → D1 queue → send run → signed POST (${inFlight} in flight)`, count(total), seconds(hearthFig.spanMs), perS(hearthFig.rate), span(hearthFig.p50), span(hearthFig.p99), span(hearthFig.max), `${ratio(hearthFig.rate, floorFig.rate)} rate, ${ratio(hearthFig.p50, floorFig.p50)} p50`],
        [`  its PATCHes (sent → 200, while deliveries run)`, count(total), seconds(burst.last - burst.first), perS(patchRate), ...latencyCells(patchLatencies), ""],
        [`Node floor: POST → 202 → signed POST (same payload size, ${inFlight} in flight)`, count(total), seconds(floorFig.spanMs), perS(floorFig.rate), span(floorFig.p50), span(floorFig.p99), span(floorFig.max), ""],
        [`API alone: the same PATCHes, ${KIND} rule off`, count(total), seconds(apiBurst.last - apiBurst.first), perS(apiRate), ...latencyCells(apiLatencies), `Hearth ${ratio(hearthFig.rate, apiRate)} of its rate`],
        [`Hearth unloaded: one event at a time, PATCH sent → receipt`, count(pacedLatency.hearth.length), "", "", ...latencyCells(pacedLatency.hearth), `${ratio(unloaded.hearth, unloaded.floor)} p50`],
        [`  its PATCHes (sent → 200)`, count(pacedLatency.patch.length), "", "", ...latencyCells(pacedLatency.patch), ""],
        [`Node floor unloaded: one event at a time`, count(pacedLatency.floor.length), "", "", ...latencyCells(pacedLatency.floor), ""],
      ]),
    );
    const perEvent = (cpuS, n) => `${ms((cpuS * 1000) / Math.max(1, n))} ms`;
    const tailRate = tail.length / (tailMs / 1000);
    console.log(`\nworkerd CPU: ${perEvent(hearthCpu, total)} per notification in all (${perEvent(apiCpu, total)} per PATCH with the rule off; ${perEvent(cpuEnd - cpuPatched, tail.length)} per delivery once the PATCHes were done), ` +
      `${Math.round((100 * hearthCpu) / (hearthFig.spanMs / 1000))}% of a core over the burst`);
    console.log(`Deliveries: ${count(duringPatches)} arrived while the PATCHes ran (${perS(duringPatches / ((burst.last - burst.first) / 1000))}); the other ${count(tail.length)} after the last PATCH was answered, at ${perS(tailRate)} (the relay's send runs alone)`);
    console.log(`Adding ${count(expected)} applications by hand took ${seconds(addMs)} (${perS(expected / (addMs / 1000))})`);
    console.log(`\nWhere a delivery's time goes (delivery log times; p50 / p99 ms)${inApp ? "" : " — in-app channel off"}:`);
    console.log(
      table([
        ["", `burst (${count(burstWhere.n)})`, `unloaded (${count(pacedWhere.n)})`],
        ["PATCH sent → delivery queued (API, RPC, notification rows)", burstWhere.toQueued, pacedWhere.toQueued],
        ["queued → its attempt begins (its send run, the deliveries ahead)", burstWhere.toAttempt, pacedWhere.toAttempt],
        ["attempt begins → receipt", burstWhere.attemptToReceipt, pacedWhere.attemptToReceipt],
        ["the POST alone, as the relay timed it (latency_ms in the log)", burstWhere.fetch, pacedWhere.fetch],
        [`  the ${count(burstWhere.during)} attempts begun while PATCHes came in / the rest`, `${burstWhere.fetchDuring}; ${burstWhere.fetchAfter}`, "—"],
      ]),
    );
    console.log(`\nRATIO notifications/s Hearth/Node floor = ${ratio(hearthFig.rate, floorFig.rate)}; RATIO p50 latency Hearth/Node floor = ${ratio(hearthFig.p50, floorFig.p50)} under load, ${ratio(unloaded.hearth, unloaded.floor)} unloaded`);
    console.log(
      problems.length === 0
        ? `CHECK ok: ${count(total)} notifications, 0 lost, 0 duplicated — each arrived once (${count(hearthChannel.notificationIds.size)} notification ids, ${count(hearthChannel.webhookIds.size)} webhook-ids in all, with warm-up and paced); ` +
            `all ${count(hearthChannel.received.length + floorChannel.received.length)} signatures verified (Hearth and floor; ${verifyUs(hearthChannel)} each); the delivery log lists ${count(log.length)}, all delivered, ${retried} retried`
        : `CHECK FAILED:\n  - ${problems.join("\n  - ")}`,
    );

    return [
      { bench: name, figure: `${count(total)} notifications, PATCH → webhook receipt`, value: perS(hearthFig.rate), baseline: `Node floor ${perS(floorFig.rate)}`, ratio: ratio(hearthFig.rate, floorFig.rate) },
      { bench: name, figure: "latency under load p50 / p99", value: `${span(hearthFig.p50)} / ${span(hearthFig.p99)}`, baseline: `Node floor ${ms(floorFig.p50)} / ${ms(floorFig.p99)} ms`, ratio: ratio(hearthFig.p50, floorFig.p50) },
      { bench: name, figure: "latency unloaded p50 / p99", value: `${ms(unloaded.hearth)} / ${ms(p99(pacedLatency.hearth))} ms`, baseline: `Node floor ${ms(unloaded.floor)} / ${ms(p99(pacedLatency.floor))} ms`, ratio: ratio(unloaded.hearth, unloaded.floor) },
      { bench: name, figure: "PATCH rate, rule off (the API alone)", value: perS(apiRate), baseline: "", ratio: `Hearth ${ratio(hearthFig.rate, apiRate)}` },
      { bench: name, figure: "lost / duplicated", value: problems.length === 0 ? "0 / 0 (ok)" : `${count(hearthFig.lost)} / ${count(hearthChannel.duplicates)}; ${problems.length} problems`, baseline: "", ratio: "" },
    ];
  } finally {
    for (const stop of cleanup) await stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { main } = await import("./run.mjs");
  await main([name]);
}
