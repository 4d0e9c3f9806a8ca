// The floor for "an HTTP request in, a signed webhook out": a bare Node server, in a process of its own (as
// Hearth's workerd is), that answers each `POST /event` with 202 at once and then signs a payload of the same
// shape and size as Hearth's with `standardwebhooks` and POSTs it to the receiver over a keep-alive connection.
// No auth, no database, no queue, no retry: what Node and loopback HTTP cost on their own.
//
// Run as `node webhook-floor.mjs` with FLOOR_PORT, FLOOR_TARGET (the receiver URL), FLOOR_SECRET and
// FLOOR_TEMPLATE (one payload Hearth sent, as JSON); startWebhookFloor() does that.
import http from "node:http";
import { randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { fileURLToPath } from "node:url";
import { freePort, sleep, spawnGroup, stopGroup } from "./proc.mjs";

/** Starts the floor with the receiver's URL, its secret and a template payload; resolves once it answers. */
export async function startWebhookFloor({ target, secret, template }) {
  const port = await freePort(8891);
  const child = spawnGroup(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { FLOOR_PORT: String(port), FLOOR_TARGET: target, FLOOR_SECRET: secret, FLOOR_TEMPLATE: template },
    label: `webhook-floor:${port}`,
  });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the webhook floor exited (${child.exitCode}):\n${child.output.join("").slice(-2000)}`);
    try {
      if ((await fetch(`${origin}/health`, { signal: AbortSignal.timeout(1000) })).ok) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      await stopGroup(child);
      throw new Error(`the webhook floor did not answer on ${origin} within 20 s:\n${child.output.join("").slice(-2000)}`);
    }
    await sleep(100);
  }
  return { child, origin, stop: () => stopGroup(child) };
}

/** The payload for one event: the template with a fresh notification id, the event's key as its source, and now. */
function payloadFor(template, key, now) {
  const payload = structuredClone(template);
  payload.timestamp = new Date(now).toISOString();
  payload.data.notification.id = randomUUID();
  payload.data.notification.source = { type: "activity", id: key };
  payload.data.notification.created_at = now;
  return JSON.stringify(payload);
}

function serve() {
  const target = new URL(process.env.FLOOR_TARGET);
  const webhook = new Webhook(process.env.FLOOR_SECRET);
  const template = JSON.parse(process.env.FLOOR_TEMPLATE);
  const out = new http.Agent({ keepAlive: true });
  const send = (key) => {
    const now = Date.now();
    const body = payloadFor(template, key, now);
    const id = `msg_${randomUUID().replaceAll("-", "")}`;
    const headers = {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(now / 1000)),
      "webhook-signature": webhook.sign(id, new Date(now), body),
    };
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers, agent: out }, (res) => res.resume());
    req.on("error", (error) => console.error(`webhook floor: POST failed: ${error.message}`));
    req.end(body);
  };
  http
    .createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        if (req.url === "/health") return res.end("ok");
        if (req.method !== "POST" || req.url !== "/event") return res.writeHead(404).end();
        const { key } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        res.writeHead(202, { "content-type": "application/json" }).end('{"ok":true}');
        send(key);
      });
    })
    .listen(Number(process.env.FLOOR_PORT), "127.0.0.1");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) serve();
