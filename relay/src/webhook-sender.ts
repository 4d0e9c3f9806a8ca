import { and, asc, desc, eq, lte, min, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { z } from "zod";
import { PRIORITIES } from "#protocol";
import type { NotificationView, Priority } from "#protocol";
import type { NotificationDraft } from "../../core/src/notifications/store.ts";
import {
  ACTION_LINK_TTL_MS,
  LinkAction,
  allowsPrivateTargets,
  attemptDelivery,
  encodeWebhookPayload,
  actionLinkUrl,
  issueActionToken,
} from "../../core/src/notifications/webhooks/index.ts";
import type { WebhookEnv, WebhookEventType, WebhookNotification } from "../../core/src/notifications/webhooks/index.ts";
import { openDb, schema } from "../../core/src/db/index.ts";
import type { Db } from "../../core/src/db/index.ts";
import type { RelayMemory } from "./memory.ts";
import { BACKSTOP_MS, MAX_RUNS } from "./webhook-runs.ts";
import { recordAttempts } from "./webhook-record.ts";
import type { Due, Sent } from "./webhook-record.ts";
import { webhookWake } from "./storage/index.ts";
import type { RelayDb } from "./storage/index.ts";

// The user's webhook deliveries, sent by their relay. D1 holds every delivery and attempt (the log the user
// reads). A new delivery starts a send run at once (up to MAX_RUNS side by side, each run taking what is due,
// highest priority first); the relay's alarm is the backstop (BACKSTOP_MS later) and sends retries when their
// backoff says, so a restart or an eviction loses nothing: the next alarm picks up where the last run stopped.

/** What the sender needs from the relay. */
export interface SenderHost {
  readonly db: D1Database;
  readonly storage: RelayDb;
  /** Where the enabled endpoints are cached (`webhookEndpoints`). */
  readonly memory: RelayMemory;
  readonly env: WebhookEnv;
  userId(): string;
  wakeAt(at: number): Promise<void>;
  /** Keeps the object awake for work that outlives the call that started it (a kicked send run). */
  keepAlive(work: Promise<unknown>): void;
  /** Tells the user in the app (an endpoint was disabled). */
  notify(draft: NotificationDraft): Promise<unknown>;
}

/** An enabled endpoint, as `enqueue` needs it: its filter parsed once, when the list is read. */
export type Endpoint = { id: string; kinds: string[] };
const Kinds = z.array(z.string()).catch([]);

/** A delivery ready to be written with the notification it carries (one D1 batch), and what to do once it is. */
export type PreparedDeliveries = { writes: BatchItem<"sqlite">[]; queued: () => void };

/** Deliveries sent per wake; the rest wait for the next one (a moment later). */
const PER_WAKE = 100;
/** Deliveries of one priority on their way to one endpoint at once. */
const IN_FLIGHT = 16;
const { webhookDeliveries: deliveries, webhookEndpoints: endpoints } = schema;
// Priorities rank by their place in PRIORITIES, not by their text: a CASE, which drizzle's builder has no form for.
const RANK = sql.raw(`CASE ${deliveries.priority.name} ${PRIORITIES.map((p, i) => `WHEN '${p}' THEN ${i}`).join(" ")} END`);

const newDeliveryId = () => `msg_${crypto.randomUUID().replaceAll("-", "")}`;

/** One notification's delivery to one endpoint: the same id each time, so queueing it twice queues it once. */
async function deliveryIdOf(notificationId: string, endpointId: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${notificationId}\n${endpointId}`)));
  return `msg_${[...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Leaves out deliveries other runs are sending (`id NOT IN` one bound JSON value: D1 takes 100 parameters at most). */
const notAmong = (ids: string[]) => (ids.length === 0 ? undefined : sql`${deliveries.id} NOT IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`);

export class WebhookSender {
  readonly #host: SenderHost;
  readonly #db: Db;

  constructor(host: SenderHost) {
    this.#host = host;
    this.#db = openDb(host.db);
  }

  endpointsChanged(): void {
    this.#host.memory.webhookEndpoints = null;
  }

  async #enabledEndpoints(): Promise<Endpoint[]> {
    const memory = this.#host.memory;
    memory.webhookEndpoints ??= (
      await this.#db
        .select({ id: endpoints.id, kinds: endpoints.kinds })
        .from(endpoints)
        .where(and(eq(endpoints.userId, this.#host.userId()), eq(endpoints.enabled, true)))
        .orderBy(asc(endpoints.createdAt))
    ).map((row) => ({ id: row.id, kinds: Kinds.parse(JSON.parse(row.kinds)) }));
    return memory.webhookEndpoints;
  }

  /** Queues one delivery of `notifications` (one, or a digest) to every endpoint whose filter takes them. */
  async enqueue(notifications: NotificationView[], options: { digest?: { since: number; until: number } } = {}): Promise<number> {
    const prepared = await this.prepare(notifications, options);
    const [head, ...rest] = prepared.writes;
    if (!head) return 0;
    await this.#db.batch([head, ...rest]);
    prepared.queued();
    return prepared.writes.length;
  }

  /**
   * The inserts of `notifications`' deliveries, for the caller's D1 batch (the notification's own insert, so both
   * land together), and `queued`, to call once that batch is written: it wakes the sender. A single
   * notification's delivery to an endpoint has an id made from both, so the same notification handled twice (a
   * sweep racing the API's call) queues one delivery per endpoint.
   */
  async prepare(notifications: NotificationView[], options: { digest?: { since: number; until: number } } = {}): Promise<PreparedDeliveries> {
    const writes: BatchItem<"sqlite">[] = [];
    if (notifications.length === 0) return { writes, queued: () => {} };
    const now = Date.now();
    for (const endpoint of await this.#enabledEndpoints()) {
      const wanted = notifications.filter((n) => endpoint.kinds.length === 0 || endpoint.kinds.includes(n.kind));
      if (wanted.length === 0) continue;
      const payloads = await Promise.all(wanted.map((n) => this.#payloadNotification(n, now)));
      const type: WebhookEventType = options.digest ? "notification.digest" : "notification.created";
      const body = options.digest
        ? encodeWebhookPayload("notification.digest", { ...options.digest, notifications: payloads }, now)
        : encodeWebhookPayload("notification.created", { notification: payloads[0]! }, wanted[0]!.created_at);
      const top = wanted.map((n) => n.priority).sort((a, b) => PRIORITIES.indexOf(b) - PRIORITIES.indexOf(a))[0] ?? "normal";
      const single = wanted.length === 1 && !options.digest ? wanted[0]!.id : null;
      const id = single ? await deliveryIdOf(single, endpoint.id) : newDeliveryId();
      writes.push(this.#insertQuery(id, endpoint.id, type, body, top, wanted.length === 1 ? wanted[0]!.id : null, now));
    }
    return { writes, queued: () => (writes.length > 0 ? this.#queued(now) : undefined) };
  }

  /** A `webhook.test` delivery to one endpoint (it goes out while the endpoint is on). */
  async test(endpointId: string): Promise<string> {
    const row = await this.#db
      .select({ id: endpoints.id })
      .from(endpoints)
      .where(and(eq(endpoints.id, endpointId), eq(endpoints.userId, this.#host.userId())))
      .get();
    if (!row) throw new Error("no such endpoint");
    const now = Date.now();
    const body = encodeWebhookPayload("webhook.test", { endpoint_id: endpointId, message: "This is a test from Hearth. Your endpoint works." }, now);
    const id = newDeliveryId();
    await this.#insertQuery(id, endpointId, "webhook.test", body, "normal", null, now);
    this.#queued(now);
    return id;
  }

  /** A manual resend: the delivery goes again now, whatever became of it (once its endpoint is on). */
  async resend(deliveryId: string): Promise<boolean> {
    const now = Date.now();
    const changed = await this.#db
      .update(deliveries)
      .set({ status: "pending", nextAttemptAt: now })
      .where(and(eq(deliveries.id, deliveryId), eq(deliveries.userId, this.#host.userId())))
      .returning({ id: deliveries.id });
    if (changed.length > 0) this.#queued(now);
    return changed.length > 0;
  }

  nextWake(): number | null {
    return this.#host.storage.select({ at: webhookWake.at }).from(webhookWake).where(eq(webhookWake.id, 1)).get()?.at ?? null;
  }

  /** The alarm: sends what is due (a run of its own, beside any kicked ones), then sets the next wake. */
  async onWake(now = Date.now()): Promise<void> {
    if (this.nextWake() === null) return;
    await this.#run(now);
  }

  /** New deliveries are in D1: a run starts now (or, with MAX_RUNS going, once one ends); the alarm backs it up. */
  #queued(now: number): void {
    const book = this.#host.memory.webhookSends;
    book.enqueues += 1;
    this.#host.keepAlive(this.#wake(now + BACKSTOP_MS).catch((error: unknown) => console.error("relay: could not set the webhook wake", error)));
    if (book.runs >= MAX_RUNS) {
      book.again = true;
      return;
    }
    this.#host.keepAlive(this.#run(now).catch((error: unknown) => console.error("relay: webhook run failed; the alarm retries", error)));
  }

  /**
   * One send run, then more while a run was asked for or this one was full: takes what is due and not taken by
   * another run (highest priority first, then oldest), sends it (see #sendTiers), writes the results in one D1
   * batch, and, as the last run to end, sets the next wake from what is left.
   */
  async #run(now: number): Promise<void> {
    const book = this.#host.memory.webhookSends;
    book.runs += 1;
    try {
      for (let at = now; ; at = Date.now()) {
        book.again = false;
        const sent = await this.#sendDue(at);
        if (sent < PER_WAKE && !book.again) break;
      }
    } finally {
      book.runs -= 1;
    }
    if (book.runs === 0) return this.#scheduleNext();
    // Other runs go on, and the last of them sets the wake; meanwhile a wake already past (the alarm that started
    // this run) would fire the alarm again at once, for deliveries those runs hold: it moves to the backstop.
    const at = Date.now();
    if (book.storedWake !== undefined && book.storedWake !== null && book.storedWake <= at) await this.#setWake(at + BACKSTOP_MS);
  }

  /** Takes, sends and records one run's worth; returns how many it took. */
  async #sendDue(now: number): Promise<number> {
    const book = this.#host.memory.webhookSends;
    const { tick, exclude } = book.beginQuery();
    let rows: Due[] = [];
    try {
      rows = await this.#db
        .select({
          id: deliveries.id,
          endpointId: deliveries.endpointId,
          payload: deliveries.payload,
          priority: deliveries.priority,
          attempts: deliveries.attempts,
          createdAt: deliveries.createdAt,
          url: endpoints.url,
          secret: endpoints.secret,
          consecutiveFailures: endpoints.consecutiveFailures,
        })
        .from(deliveries)
        .innerJoin(endpoints, eq(endpoints.id, deliveries.endpointId))
        .where(and(eq(deliveries.userId, this.#host.userId()), eq(deliveries.status, "pending"), lte(deliveries.nextAttemptAt, now), eq(endpoints.enabled, true), notAmong(exclude)))
        .orderBy(desc(sql`${RANK}`), asc(deliveries.createdAt))
        .limit(PER_WAKE);
    } finally {
      rows = book.take(tick, rows);
    }
    const queues = new Map<string, Due[]>();
    for (const due of rows) queues.set(due.endpointId, [...(queues.get(due.endpointId) ?? []), due]);
    try {
      const runs = await Promise.all([...queues.values()].map((queue) => this.#sendTiers(queue)));
      await this.#record(runs);
    } finally {
      book.recorded(rows.map((row) => row.id));
    }
    return rows.length;
  }

  /** The next wake, from what is left in D1: retries' times, or none (then `webhook_wake` goes). */
  async #scheduleNext(): Promise<void> {
    const book = this.#host.memory.webhookSends;
    const enqueues = book.enqueues;
    // No run is going (so nothing is in flight): every pending delivery counts.
    const [next] = await this.#db
      .select({ at: min(deliveries.nextAttemptAt) })
      .from(deliveries)
      .innerJoin(endpoints, eq(endpoints.id, deliveries.endpointId))
      .where(and(eq(deliveries.userId, this.#host.userId()), eq(deliveries.status, "pending"), eq(endpoints.enabled, true)));
    // A run (or an enqueue) that began meanwhile owns the wake now: it sets it again when it ends.
    if (book.runs > 0 || book.enqueues !== enqueues) return;
    if (next?.at == null) {
      // Nothing pending. A backstop wake still ahead is left to fire once and find nothing: deleting it here
      // would only make the next delivery write it (and the alarm) again, a storage write each, and each write
      // holds the relay's next outgoing message until it is durable (the output gate).
      if (book.storedWake != null && book.storedWake > Date.now()) return;
      this.#host.storage.delete(webhookWake).run();
      book.storedWake = null;
      return;
    }
    // Set, not lowered: the stored time may be a wake this run has just served (an old, past time would fire the
    // alarm again at once, for nothing).
    await this.#setWake(Math.max(next.at, Date.now()));
  }

  async #setWake(at: number): Promise<void> {
    this.#host.storage.insert(webhookWake).values({ id: 1, at }).onConflictDoUpdate({ target: webhookWake.id, set: { at } }).run();
    this.#host.memory.webhookSends.storedWake = at;
    await this.#host.wakeAt(at);
  }

  /**
   * One endpoint's due deliveries, in queue order: each priority's deliveries go before any of the next
   * priority's start; within one priority, oldest first, up to IN_FLIGHT at a time, so a receiver that is slow
   * to answer (or a relay busy with other work) does not hold the rest back one by one.
   */
  async #sendTiers(queue: Due[]): Promise<Sent[]> {
    const allowPrivate = allowsPrivateTargets(this.#host.env);
    const book = this.#host.memory.webhookSends;
    const sent: Sent[] = [];
    for (let start = 0; start < queue.length; ) {
      let end = start;
      while (end < queue.length && queue[end]!.priority === queue[start]!.priority) end += 1;
      const tier = queue.slice(start, end);
      await book.higherSettled(tier[0]!.priority);
      const results: Sent[] = new Array(tier.length);
      let next = 0;
      const worker = async () => {
        while (next < tier.length) {
          const index = next++;
          const due = tier[index]!;
          const at = Date.now();
          book.posting(due.id, due.priority);
          try {
            results[index] = { due, at, result: await attemptDelivery({ url: due.url, secret: due.secret }, { id: due.id, body: due.payload }, { allowPrivate }) };
          } finally {
            book.posted(due.id);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, tier.length) }, worker));
      sent.push(...results);
      start = end;
    }
    return sent;
  }

  /** Writes one run's attempts in one batch (see recordAttempts), then turns off endpoints that kept failing. */
  async #record(runs: Sent[][]): Promise<void> {
    for (const { due, why } of await recordAttempts(this.#db, runs)) await this.#disable(due, why);
  }

  async #disable(due: Due, why: string): Promise<void> {
    const reason = `Disabled after repeated failures: ${why}`.slice(0, 500);
    const changed = await this.#db
      .update(endpoints)
      .set({ enabled: false, disabledReason: reason })
      .where(and(eq(endpoints.id, due.endpointId), eq(endpoints.enabled, true)))
      .returning({ id: endpoints.id });
    this.#host.memory.webhookEndpoints = null;
    if (changed.length === 0) return;
    await this.#host.notify({
      kind: "webhook_disabled",
      title: "A webhook was turned off",
      body: `Deliveries to ${due.url} kept failing (${why}), so Hearth stopped sending to it. Fix the receiver, then turn it on again in Settings → Webhooks.`,
      source: { type: "webhook", id: due.endpointId },
      link: "/settings/webhooks",
    });
  }

  #insertQuery(id: string, endpointId: string, type: WebhookEventType, body: string, priority: Priority, notificationId: string | null, now: number) {
    return this.#db
      .insert(deliveries)
      .values({ id, endpointId, userId: this.#host.userId(), notificationId, eventType: type, payload: body, priority, status: "pending", attempts: 0, nextAttemptAt: now, createdAt: now })
      .onConflictDoNothing();
  }

  /** Makes sure the alarm comes by `at`: writes `webhook_wake` only when that is earlier than what it holds. */
  async #wake(at: number): Promise<void> {
    const book = this.#host.memory.webhookSends;
    book.storedWake ??= this.nextWake();
    if (book.storedWake !== null && book.storedWake <= at) return;
    await this.#setWake(at);
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
