// A webhook receiver for the notifications benchmark: a Node HTTP server on 127.0.0.1 that answers 200 at once,
// then records the delivery and checks its Standard Webhooks signature with the `standardwebhooks` package.
// Each path is a channel with its own secret (Hearth's endpoint, the Node floor), so both can share one server and
// be measured the same way.
import http from "node:http";
import { Webhook } from "standardwebhooks";

/**
 * One receiver path. For every POST it keeps the receive time (performance.now() and Date.now(), when the body has arrived),
 * `webhook-id`, the notification's id and its source id (`data.notification.id`, `.source.id`), and whether the
 * signature verified. The answer goes out before the verification, so the sender never waits for it.
 */
export class Channel {
  constructor(name, secret) {
    this.name = name;
    this.webhook = new Webhook(secret);
    this.received = [];
    /** Source id → the first receipt for it. */
    this.bySource = new Map();
    this.notificationIds = new Set();
    this.webhookIds = new Set();
    this.duplicates = 0;
    this.unverified = [];
    this.verifyMs = 0;
    this.malformed = 0;
    this.lastAt = 0;
    this.waiters = [];
  }

  record(at, wall, headers, body) {
    let payload = null;
    try {
      payload = JSON.parse(body);
    } catch {
      this.malformed++;
    }
    const notification = payload?.data?.notification;
    const webhookId = headers["webhook-id"] ?? null;
    const entry = { at, wall, webhookId, notificationId: notification?.id ?? null, sourceId: notification?.source?.id ?? null, bytes: Buffer.byteLength(body), type: payload?.type ?? null };
    this.received.push(entry);
    this.sample ??= body;
    this.lastAt = at;
    if (entry.notificationId !== null && this.notificationIds.has(entry.notificationId)) this.duplicates++;
    if (entry.notificationId !== null) this.notificationIds.add(entry.notificationId);
    if (webhookId) this.webhookIds.add(webhookId);
    if (entry.sourceId !== null && !this.bySource.has(entry.sourceId)) this.bySource.set(entry.sourceId, entry);
    const started = performance.now();
    try {
      this.webhook.verify(body, { "webhook-id": webhookId ?? "", "webhook-timestamp": headers["webhook-timestamp"] ?? "", "webhook-signature": headers["webhook-signature"] ?? "" });
    } catch (error) {
      if (this.unverified.length < 20) this.unverified.push({ webhookId, error: String(error?.message ?? error) });
      else this.unverified.push(null);
    }
    this.verifyMs += performance.now() - started;
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves with the receipt for `sourceId` once it has come (maybe already), or null after `timeoutMs`. */
  waitFor(sourceId, timeoutMs = 30_000) {
    return this.until(() => this.bySource.get(sourceId) ?? null, timeoutMs);
  }

  /**
   * Resolves once `done()` returns something truthy (checked after each delivery), or with null once no delivery
   * has come for `stallMs`: a delivery that fails is retried within 30 s (RETRY_POLICY), so a longer silence means
   * nothing more is coming.
   */
  until(done, stallMs) {
    const now = done();
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      let timer;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(finish, stallMs);
      };
      const finish = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(done() || null);
      };
      const check = () => {
        if (done()) finish();
        else arm();
      };
      this.waiters.push(check);
      arm();
    });
  }
}

/** Starts the receiver on a free loopback port; `channel(name, secret)` adds a path `/<name>`. */
export async function startReceiver() {
  const channels = new Map();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const at = performance.now();
      const wall = Date.now();
      res.writeHead(200, { "content-type": "text/plain", "content-length": "2" });
      res.end("ok");
      const channel = channels.get(req.url);
      if (req.method === "POST" && channel) channel.record(at, wall, req.headers, Buffer.concat(chunks).toString("utf8"));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    port,
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    channel(name, secret) {
      const channel = new Channel(name, secret);
      channels.set(`/${name}`, channel);
      return channel;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
