import { z } from "zod";
import { PRIORITIES } from "#protocol";
import type { NotificationView, Priority } from "#protocol";
import type { NotificationDraft } from "../../worker/src/notifications/store.ts";
import {
  ACTION_LINK_TTL_MS,
  LinkAction,
  afterDelivery,
  allowsPrivateTargets,
  attemptDelivery,
  encodeWebhookPayload,
  actionLinkUrl,
  issueActionToken,
  nextAttemptAt,
} from "../../worker/src/notifications/webhooks/index.ts";
import type { AttemptResult, WebhookEnv, WebhookEventType, WebhookNotification } from "../../worker/src/notifications/webhooks/index.ts";

// The user's webhook deliveries, sent by their relay. D1 holds every delivery and attempt (the log the user
// reads); the relay's alarm sends what is due, highest priority first, and schedules retries with backoff, so
// a restart or an eviction loses nothing: the next alarm picks up where the last one stopped.

/** What the sender needs from the relay. */
export interface SenderHost {
  readonly db: D1Database;
  readonly sql: SqlStorage;
  readonly env: WebhookEnv;
  userId(): string;
  wakeAt(at: number): Promise<void>;
  /** Tells the user in the app (an endpoint was disabled). */
  notify(draft: NotificationDraft): Promise<unknown>;
}

/** An enabled endpoint, as `enqueue` needs it: its filter parsed once, when the list is read. */
type Endpoint = { id: string; kinds: string[] };
const Kinds = z.array(z.string()).catch([]);
type Due = { id: string; endpoint_id: string; payload: string; priority: Priority; attempts: number; created_at: number; url: string; secret: string; consecutive_failures: number };
type Sent = { due: Due; at: number; result: AttemptResult };

/** Deliveries sent per wake; the rest wait for the next one (a moment later). */
const PER_WAKE = 100;
/** Deliveries of one priority on their way to one endpoint at once. */
const IN_FLIGHT = 16;
const RANK = `CASE priority ${PRIORITIES.map((p, i) => `WHEN '${p}' THEN ${i}`).join(" ")} END`;

export class WebhookSender {
  readonly #host: SenderHost;
  #endpoints: Endpoint[] | null = null;

  constructor(host: SenderHost) {
    this.#host = host;
    host.sql.exec("CREATE TABLE IF NOT EXISTS webhook_wake (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)");
  }

  endpointsChanged(): void {
    this.#endpoints = null;
  }

  async #enabledEndpoints(): Promise<Endpoint[]> {
    this.#endpoints ??= (
      await this.#host.db
        .prepare("SELECT id, kinds FROM webhook_endpoints WHERE user_id = ? AND enabled = 1 ORDER BY created_at")
        .bind(this.#host.userId())
        .all<{ id: string; kinds: string }>()
    ).results.map((row) => ({ id: row.id, kinds: Kinds.parse(JSON.parse(row.kinds)) }));
    return this.#endpoints;
  }

  /** Queues one delivery of `notifications` (one, or a digest) to every endpoint whose filter takes them. */
  async enqueue(notifications: NotificationView[], options: { digest?: { since: number; until: number } } = {}): Promise<number> {
    if (notifications.length === 0) return 0;
    const now = Date.now();
    let queued = 0;
    for (const endpoint of await this.#enabledEndpoints()) {
      const wanted = notifications.filter((n) => endpoint.kinds.length === 0 || endpoint.kinds.includes(n.kind));
      if (wanted.length === 0) continue;
      const payloads = await Promise.all(wanted.map((n) => this.#payloadNotification(n, now)));
      const type: WebhookEventType = options.digest ? "notification.digest" : "notification.created";
      const body = options.digest
        ? encodeWebhookPayload("notification.digest", { ...options.digest, notifications: payloads }, now)
        : encodeWebhookPayload("notification.created", { notification: payloads[0]! }, wanted[0]!.created_at);
      const top = wanted.map((n) => n.priority).sort((a, b) => PRIORITIES.indexOf(b) - PRIORITIES.indexOf(a))[0] ?? "normal";
      await this.#insert(endpoint.id, type, body, top, wanted.length === 1 ? wanted[0]!.id : null, now);
      queued += 1;
    }
    if (queued > 0) await this.#wake(now);
    return queued;
  }

  /** A `webhook.test` delivery to one endpoint (it goes out while the endpoint is on). */
  async test(endpointId: string): Promise<string> {
    const row = await this.#host.db.prepare("SELECT id FROM webhook_endpoints WHERE id = ? AND user_id = ?").bind(endpointId, this.#host.userId()).first<{ id: string }>();
    if (!row) throw new Error("no such endpoint");
    const now = Date.now();
    const body = encodeWebhookPayload("webhook.test", { endpoint_id: endpointId, message: "This is a test from Hearth. Your endpoint works." }, now);
    const id = await this.#insert(endpointId, "webhook.test", body, "normal", null, now);
    await this.#wake(now);
    return id;
  }

  /** A manual resend: the delivery goes again now, whatever became of it (once its endpoint is on). */
  async resend(deliveryId: string): Promise<boolean> {
    const now = Date.now();
    const changed = await this.#host.db
      .prepare("UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ? WHERE id = ? AND user_id = ? RETURNING id")
      .bind(now, deliveryId, this.#host.userId())
      .all();
    if (changed.results.length > 0) await this.#wake(now);
    return changed.results.length > 0;
  }

  nextWake(): number | null {
    return this.#host.sql.exec<{ at: number }>("SELECT at FROM webhook_wake WHERE id = 1").toArray()[0]?.at ?? null;
  }

  /**
   * Sends what is due, highest priority first, then oldest; records every attempt; schedules the next wake.
   * Endpoints are sent to side by side, each in its queue order (see #sendTiers); the run's results (attempts,
   * delivery states, endpoint counters) are written in one D1 batch.
   */
  async onWake(now = Date.now()): Promise<void> {
    if (this.nextWake() === null) return;
    const { results } = await this.#host.db
      .prepare(
        `SELECT d.id, d.endpoint_id, d.payload, d.priority, d.attempts, d.created_at, e.url, e.secret, e.consecutive_failures
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
         WHERE d.user_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ? AND e.enabled = 1
         ORDER BY ${RANK.replaceAll("priority", "d.priority")} DESC, d.created_at LIMIT ${PER_WAKE}`,
      )
      .bind(this.#host.userId(), now)
      .all<Due>();
    const queues = new Map<string, Due[]>();
    for (const due of results) queues.set(due.endpoint_id, [...(queues.get(due.endpoint_id) ?? []), due]);
    const runs = await Promise.all([...queues.values()].map((queue) => this.#sendTiers(queue)));
    await this.#record(runs);
    const next = await this.#host.db
      .prepare(
        "SELECT min(d.next_attempt_at) AS at FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.user_id = ? AND d.status = 'pending' AND e.enabled = 1",
      )
      .bind(this.#host.userId())
      .first<{ at: number | null }>();
    if (next?.at == null) this.#host.sql.exec("DELETE FROM webhook_wake");
    else await this.#wake(Math.max(next.at, Date.now()));
  }

  /**
   * One endpoint's due deliveries, in queue order: each priority's deliveries go before any of the next
   * priority's start; within one priority, oldest first, up to IN_FLIGHT at a time, so a receiver that is slow
   * to answer (or a relay busy with other work) does not hold the rest back one by one.
   */
  async #sendTiers(queue: Due[]): Promise<Sent[]> {
    const allowPrivate = allowsPrivateTargets(this.#host.env);
    const sent: Sent[] = [];
    for (let start = 0; start < queue.length; ) {
      let end = start;
      while (end < queue.length && queue[end]!.priority === queue[start]!.priority) end += 1;
      const tier = queue.slice(start, end);
      const results: Sent[] = new Array(tier.length);
      let next = 0;
      const worker = async () => {
        while (next < tier.length) {
          const index = next++;
          const due = tier[index]!;
          const at = Date.now();
          results[index] = { due, at, result: await attemptDelivery({ url: due.url, secret: due.secret }, { id: due.id, body: due.payload }, { allowPrivate }) };
        }
      };
      await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, tier.length) }, worker));
      sent.push(...results);
      start = end;
    }
    return sent;
  }

  /** Writes one wake's attempts in one batch, then turns off (and tells the user of) endpoints that kept failing. */
  async #record(runs: Sent[][]): Promise<void> {
    const db = this.#host.db;
    const writes: D1PreparedStatement[] = [];
    const disable: { due: Due; why: string }[] = [];
    for (const run of runs) {
      const first = run[0];
      if (!first) continue;
      let failures = first.due.consecutive_failures;
      let why: string | null = null;
      for (const { due, at, result } of run) {
        const attempts = due.attempts + 1;
        writes.push(
          db
            .prepare("INSERT INTO webhook_attempts (id, delivery_id, attempted_at, status_code, latency_ms, response_snippet, error) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(crypto.randomUUID(), due.id, at, result.statusCode, Math.round(result.latencyMs), result.responseSnippet, result.error),
        );
        if (result.ok) {
          writes.push(db.prepare("UPDATE webhook_deliveries SET status = 'delivered', attempts = ?, delivered_at = ?, next_attempt_at = NULL WHERE id = ?").bind(attempts, at, due.id));
          failures = afterDelivery(failures, "delivered").consecutiveFailedDeliveries;
          continue;
        }
        // A target the rules refuse fails the same way every time: no point retrying it for a day.
        const next = result.outcome === "refused" ? null : nextAttemptAt(attempts, due.created_at, at);
        if (next !== null) {
          writes.push(db.prepare("UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ? WHERE id = ?").bind(attempts, next, due.id));
          continue;
        }
        writes.push(db.prepare("UPDATE webhook_deliveries SET status = 'failed', attempts = ?, next_attempt_at = NULL WHERE id = ?").bind(attempts, due.id));
        const verdict = afterDelivery(failures, "gave_up");
        failures = verdict.consecutiveFailedDeliveries;
        if (verdict.disable || result.outcome === "refused") why ??= result.error ?? "it kept failing";
      }
      if (failures !== first.due.consecutive_failures) {
        writes.push(db.prepare("UPDATE webhook_endpoints SET consecutive_failures = ? WHERE id = ?").bind(failures, first.due.endpoint_id));
      }
      if (why !== null) disable.push({ due: first.due, why });
    }
    if (writes.length > 0) await db.batch(writes);
    for (const { due, why } of disable) await this.#disable(due, why);
  }

  async #disable(due: Due, why: string): Promise<void> {
    const reason = `Disabled after repeated failures: ${why}`.slice(0, 500);
    const changed = await this.#host.db
      .prepare("UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ? WHERE id = ? AND enabled = 1 RETURNING id")
      .bind(reason, due.endpoint_id)
      .all();
    this.#endpoints = null;
    if (changed.results.length === 0) return;
    await this.#host.notify({
      kind: "webhook_disabled",
      title: "A webhook was turned off",
      body: `Deliveries to ${due.url} kept failing (${why}), so Hearth stopped sending to it. Fix the receiver, then turn it on again in Settings → Webhooks.`,
      source: { type: "webhook", id: due.endpoint_id },
      link: "/settings/webhooks",
    });
  }

  async #insert(endpointId: string, type: WebhookEventType, body: string, priority: Priority, notificationId: string | null, now: number): Promise<string> {
    const id = `msg_${crypto.randomUUID().replaceAll("-", "")}`;
    await this.#host.db
      .prepare(
        "INSERT INTO webhook_deliveries (id, endpoint_id, user_id, notification_id, event_type, payload, priority, status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
      )
      .bind(id, endpointId, this.#host.userId(), notificationId, type, body, priority, now, now)
      .run();
    return id;
  }

  async #wake(at: number): Promise<void> {
    this.#host.sql.exec("INSERT INTO webhook_wake (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = min(at, excluded.at)", at);
    await this.#host.wakeAt(at);
  }

  /** A notification as a receiver sees it: absolute links, and a signed single-use URL per button. */
  async #payloadNotification(n: NotificationView, now: number): Promise<WebhookNotification> {
    const origin = this.#host.env.PUBLIC_URL?.replace(/\/$/, "") ?? "http://localhost:8787";
    const secret = this.#host.env.ACTION_LINK_SECRET;
    const actions: WebhookNotification["actions"] = [];
    for (const action of n.actions) {
      const linkAction = LinkAction.safeParse(action.id);
      if (!linkAction.success || !secret) continue;
      const expiresAt = now + ACTION_LINK_TTL_MS;
      const token = await issueActionToken(this.#host.db, { userId: this.#host.userId(), notificationId: n.id, action: linkAction.data, expiresAt }, secret);
      actions.push({ ...action, url: actionLinkUrl(origin, token), expires_at: expiresAt });
    }
    return { id: n.id, kind: n.kind, title: n.title, body: n.body, priority: n.priority, source: n.source, link: n.link ? `${origin}${n.link}` : null, created_at: n.created_at, actions };
  }
}
