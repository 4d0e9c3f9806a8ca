import { PRIORITIES, atLeast, largeTransactionThresholds, money, toBrowser } from "#protocol";
import type { NotificationPreferences, NotificationSource, NotificationView, RelayToBrowserFrame } from "#protocol";
import { inQuietHours, loadPreferences, quietHoursEnd } from "../../core/src/notifications/preferences.ts";
import { heldNotifications, markDelivered, notificationRow, notificationView, settleSource, storeNotification, unreadCount, withdrawDeliveries } from "../../core/src/notifications/store.ts";
import { outboxDraft, takeNotice, takeNotices, waitingNotices } from "../../core/src/notifications/outbox.ts";
import type { OutboxNotice } from "../../core/src/notifications/outbox.ts";
import type { NotificationDraft } from "../../core/src/notifications/store.ts";
import { eq, lte, min, sql } from "drizzle-orm";
import { openDb } from "../../core/src/db/index.ts";
import { frameId } from "./frames.ts";
import type { RelayMemory } from "./memory.ts";
import { notifyWake, offlineWatch } from "./storage/index.ts";
import type { RelayDb } from "./storage/index.ts";
import type { PreparedDeliveries } from "./webhook-sender.ts";

/** What the notifier needs from the relay that hosts it. */
export interface NotifierHost {
  readonly db: D1Database;
  readonly storage: RelayDb;
  /** Where the preferences are cached (`preferences`). */
  readonly memory: RelayMemory;
  userId(): string;
  toBrowsers(frame: RelayToBrowserFrame): void;
  /** Asks for the relay's alarm no later than `at`. */
  wakeAt(at: number): Promise<void>;
  isOnline(deviceId: string): boolean;
  /** True when an open, visible tab shows what the draft is about: it is stored read and raises no toast. */
  watching(draft: NotificationDraft): boolean;
  /** What a source came to if it is settled already (a request answered before its notice was stored), else null. */
  settledOutcome(source: NotificationSource): string | null;
  /** Queues webhook deliveries (one notification, or a digest of several). */
  webhooks(notifications: NotificationView[], digest?: { since: number; until: number }): Promise<unknown>;
  /** One notification's webhook deliveries, for the batch that stores it (see WebhookSender.prepare). */
  prepareWebhooks(notification: NotificationView): Promise<PreparedDeliveries>;
  keepAlive(work: Promise<unknown>): void;
}

type NotableRow = {
  id: string;
  activity_type: string;
  amount_minor: number | null;
  currency: string | null;
  description: string | null;
  merchant: string | null;
  company: string | null;
  role: string | null;
};

/** At most this many notices of one kind per stored batch (an imported year of statements is not 40 alerts). */
const NOTICES_PER_BATCH = 3;
/**
 * A transaction is news only while it is recent: one that happened more than this long before it was stored (an
 * imported statement from past years, a listener catching up) never raises a large-transaction alert.
 */
export const LARGE_TRANSACTION_RECENT_MS = 3 * 24 * 60 * 60_000;

const more = (total: number) => (total > NOTICES_PER_BATCH ? ` (one of ${total} in this batch)` : "");

function transactionNotice(row: NotableRow, total: number): NotificationDraft {
  const amount = row.amount_minor ?? 0;
  const what = row.merchant ?? row.description ?? "a transaction";
  return {
    kind: "large_transaction",
    title: `${amount < 0 ? "Large payment" : "Large deposit"}: ${money(Math.abs(amount) / 100, row.currency ?? "USD")}`,
    body: `${amount < 0 ? "Paid to" : "Received from"} ${what}${more(total)}.`,
    source: { type: "activity", id: row.id },
    link: `/dashboard?type=financial&q=${encodeURIComponent(what.slice(0, 80))}`,
  };
}

function applicationNotice(row: NotableRow, total: number): NotificationDraft {
  const where = row.company ?? "a company";
  return {
    kind: "job_application",
    title: `Application recorded: ${where}`,
    body: `${row.role ? `${row.role} at ${where}` : (row.description ?? where)}${more(total)}.`,
    source: { type: "activity", id: row.id },
    link: "/dashboard/applications",
  };
}

/**
 * `value`: a source's number for its rule's threshold (the amount of a transaction, minutes offline).
 * `noticeId`: the draft is this outbox notice (D1 `notice_outbox`): the notification takes its id, and the notice
 * leaves the outbox in the batch that stores it (or when the rule drops it).
 */
export type NotifyOptions = { value?: number; noticeId?: string };

/** The relay sweeps the notice outbox at most this often while notices come in (and on its first one, and its alarm). */
const SWEEP_EVERY_MS = 60_000;

/**
 * The user's notifications as the relay makes them: each source's draft passes its rule (on or off, threshold,
 * priority), is stored in D1, and goes to the in-app channel now, or, in quiet hours, is held for the digest
 * that the relay's alarm sends when they end (urgent ones always go through). Preferences are cached until the
 * API says they changed. What must outlive hibernation (wake times, devices watched for going quiet) is in the
 * relay's SQLite.
 */
export class Notifier {
  readonly #host: NotifierHost;

  constructor(host: NotifierHost) {
    this.#host = host;
  }

  preferencesChanged(): void {
    this.#host.memory.preferences = null;
  }

  async #preferences(): Promise<NotificationPreferences> {
    const memory = this.#host.memory;
    memory.preferences ??= await loadPreferences(this.#host.db, this.#host.userId());
    return memory.preferences;
  }

  /** Tells the user, if their rule for the kind says so. Returns the stored notification, or null when the rule is off. */
  async notify(draft: NotificationDraft, options: NotifyOptions = {}, now = Date.now()): Promise<NotificationView | null> {
    const { noticeId } = options;
    // A notice the rule drops still leaves the outbox (with others dropped meanwhile, in one statement).
    const dropped = () => {
      if (noticeId !== undefined) this.#drop(noticeId);
      return null;
    };
    const prefs = await this.#preferences();
    const rule = prefs.rules.find((r) => r.kind === draft.kind);
    if (!rule?.enabled) return dropped();
    if (rule.threshold !== null && options.value !== undefined && options.value < rule.threshold) return dropped();
    // Answered before it could be told (another tab, the chat): there is nothing left to ask.
    if (draft.source && this.#host.settledOutcome(draft.source) !== null) return dropped();
    const priority = rule.priority;
    const inApp = rule.channels.in_app.enabled && atLeast(priority, rule.channels.in_app.min_priority);
    const held = priority !== "urgent" && inQuietHours(prefs.quiet_hours, now);
    const read = this.#host.watching(draft);
    const row = notificationRow(this.#host.userId(), draft, { priority, at: now, delivered: !held, inApp, read, ...(noticeId === undefined ? {} : { id: noticeId }) });
    const view = notificationView(row);
    // The notification, its webhook deliveries and the notice's leaving the outbox land in one D1 batch.
    const webhooks = !held && this.#toWebhooks(prefs, view) ? await this.#host.prepareWebhooks(view) : null;
    const writes = [...(webhooks?.writes ?? []), ...(noticeId === undefined ? [] : [takeNotice(openDb(this.#host.db), noticeId)])];
    const { stored, unread } = await storeNotification(this.#host.db, row, writes);
    // Handled already (the API's call and a sweep raced): that one told the user.
    if (!stored) return null;
    // Answered while it was being stored: settling found no row then, so it is settled now, and shown settled;
    // its webhook deliveries, stored in the same batch, are taken back before any send run can post them.
    const late = draft.source ? this.#host.settledOutcome(draft.source) : null;
    if (draft.source && late !== null) {
      if (webhooks && webhooks.writes.length > 0) await withdrawDeliveries(this.#host.db, this.#host.userId(), row.id);
      await this.settled(draft.source, late, now);
      return null;
    }
    if (held) {
      const end = quietHoursEnd(prefs.quiet_hours, now) ?? now;
      // The row says a digest is owed; when it goes out follows the quiet hours as they are then (`at` is kept
      // for the table's shape: the first hold's expected end, never read).
      this.#host.storage.insert(notifyWake).values({ what: "digest", at: end }).onConflictDoNothing().run();
      await this.#host.wakeAt(end);
    } else {
      if (inApp) this.#host.toBrowsers(toBrowser("notification", frameId(), { notification: view, unread }));
      webhooks?.queued();
    }
    return view;
  }

  /**
   * A notice the API stored in the outbox (its call after the answer, or a sweep): becomes a notification once,
   * however many times it is handed over. The first notice after the relay starts, and one a minute after that,
   * also sweeps the outbox for notices whose call never came.
   */
  async noticeStored(notice: OutboxNotice): Promise<void> {
    const memory = this.#host.memory;
    if (memory.noticesSweptAt === null || Date.now() - memory.noticesSweptAt > SWEEP_EVERY_MS) {
      this.#host.keepAlive(this.sweepNotices().catch((error: unknown) => console.error("relay: the notice sweep failed", error)));
    }
    await this.#handleNotice(notice);
  }

  /** Turns every notice waiting in the outbox into its notification (the oldest first, a hundred at a time). */
  async sweepNotices(): Promise<void> {
    this.#host.memory.noticesSweptAt = Date.now();
    // Each notice once per sweep: a dropped one stays in D1 until its DELETE lands, and must not be read again.
    const seen = new Set<string>();
    for (;;) {
      const rows = await waitingNotices(this.#host.db, this.#host.userId());
      const fresh = rows.filter((notice) => !seen.has(notice.id) && !this.#host.memory.noticesInHand.has(notice.id));
      for (const notice of fresh) {
        seen.add(notice.id);
        await this.#handleNotice(notice);
      }
      if (rows.length < 100 || fresh.length === 0) return;
    }
  }

  /**
   * Takes dropped notices out of the outbox: one DELETE for all those dropped while the last one ran. Lost with
   * the instance, a drop costs nothing: the sweep finds the notice again, and the rule drops it again.
   */
  #drop(noticeId: string): void {
    const memory = this.#host.memory;
    memory.noticesToDrop.push(noticeId);
    if (memory.noticesToDrop.length > 1) return; // a flush is running, or queued: it takes this one too
    const queue = memory.noticesToDrop;
    const flush = async () => {
      try {
        while (queue.length > 0) {
          const ids = queue.slice(0, 500);
          try {
            await takeNotices(this.#host.db, ids);
          } finally {
            queue.splice(0, ids.length);
          }
        }
      } catch (error) {
        queue.splice(0); // they stay in D1, for the next sweep; the next drop starts a new flush
        console.error("relay: dropped notices stay in the outbox until the next sweep", error);
      }
    };
    this.#host.keepAlive(flush());
  }

  async #handleNotice(notice: OutboxNotice): Promise<void> {
    const inHand = this.#host.memory.noticesInHand;
    if (inHand.has(notice.id)) return;
    inHand.add(notice.id);
    try {
      const draft = outboxDraft(notice);
      if (!draft) {
        console.error(`relay: notice ${notice.id} (${notice.kind}) cannot be read; dropped`);
        this.#drop(notice.id);
        return;
      }
      await this.notify(draft, { noticeId: notice.id });
    } finally {
      inHand.delete(notice.id);
    }
  }

  /** Whether the kind's webhook channel takes this notification (a disabled webhook is never told by webhook). */
  #toWebhooks(prefs: NotificationPreferences, view: NotificationView): boolean {
    const channel = prefs.rules.find((r) => r.kind === view.kind)?.channels.webhook;
    return view.kind !== "webhook_disabled" && !!channel?.enabled && atLeast(view.priority, channel.min_priority);
  }

  /** A source is settled (a permission request was answered, wherever): its notifications are read and say `outcome`. */
  async settled(source: NotificationSource, outcome: string, now = Date.now()): Promise<void> {
    const ids = await settleSource(this.#host.db, this.#host.userId(), source, outcome, now);
    if (ids.length > 0) await this.changed(ids, outcome);
  }

  /** Tells every open tab the bell's count changed (read, dismissed or acted on elsewhere), and a settled source's outcome. */
  async changed(ids: string[], outcome?: string): Promise<void> {
    const unread = await unreadCount(this.#host.db, this.#host.userId());
    this.#host.toBrowsers(toBrowser("notifications_changed", frameId(), { unread, ids, ...(outcome === undefined ? {} : { outcome }) }));
  }

  // ── activity ───────────────────────────────────────────────────────────────────────────────

  /**
   * New activity rows (by id): a recent transaction at or over its currency's large-transaction amount, and a job application a
   * listener or tool found (not one the user added by hand), are worth telling. A big import tells at most a few
   * of each, and says how many more there were.
   */
  async activityStored(ids: string[], now = Date.now()): Promise<void> {
    if (ids.length === 0) return;
    const rules = (await this.#preferences()).rules;
    const large = rules.find((r) => r.kind === "large_transaction");
    const jobs = rules.find((r) => r.kind === "job_application");
    if (!large?.enabled && !jobs?.enabled) return;
    // Amounts by currency, in minor units; a currency with no amount is never large (see largeTransactionThresholds).
    const thresholds = large?.enabled ? Object.entries(largeTransactionThresholds(large)).map(([currency, amount]) => ({ currency, minor: Math.round(amount * 100) })) : [];
    // json_each and the ->> operator pick each row's own currency threshold in one query: drizzle has no
    // builder for either, so the query is drizzle's `sql` template over D1.
    const results = await openDb(this.#host.db).all<NotableRow>(sql`
      SELECT id, activity_type, amount_minor, currency, description, merchant, company, role, source FROM activities
      WHERE user_id = ${this.#host.userId()} AND id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))
        AND ((activity_type = 'financial' AND occurred_at >= created_at - ${LARGE_TRANSACTION_RECENT_MS}
              AND abs(amount_minor) >= (SELECT t.value ->> '$.minor' FROM json_each(${JSON.stringify(thresholds)}) AS t WHERE t.value ->> '$.currency' = currency))
          OR (activity_type = 'job' AND source != 'manual'))
      ORDER BY occurred_at`);
    const money = results.filter((row) => row.activity_type === "financial");
    const applied = jobs?.enabled ? results.filter((row) => row.activity_type === "job") : [];
    for (const row of money.slice(0, NOTICES_PER_BATCH)) await this.notify(transactionNotice(row, money.length), {}, now); // the query above weighed it against its currency's amount
    for (const row of applied.slice(0, NOTICES_PER_BATCH)) await this.notify(applicationNotice(row, applied.length), {}, now);
  }

  // ── agents that go quiet ───────────────────────────────────────────────────────────────────

  /** An agent's socket closed: if it stays away past the rule's minutes, the user hears of it once. */
  async agentWentOffline(deviceId: string, name: string, now = Date.now()): Promise<void> {
    const rule = (await this.#preferences()).rules.find((r) => r.kind === "agent_offline");
    if (!rule?.enabled) return;
    this.#host.storage.insert(offlineWatch).values({ deviceId, name, since: now }).onConflictDoUpdate({ target: offlineWatch.deviceId, set: { since: now, name } }).run();
    await this.#host.wakeAt(now + (rule.threshold ?? 30) * 60_000);
  }

  agentCameBack(deviceId: string): void {
    this.#host.storage.delete(offlineWatch).where(eq(offlineWatch.deviceId, deviceId)).run();
  }

  // ── the relay's alarm ──────────────────────────────────────────────────────────────────────

  /** The next time the notifier must run: the digest's (now, if quiet hours have since been ended), or the earliest offline check. */
  async nextWake(now = Date.now()): Promise<number | null> {
    const quiet = (await this.#preferences()).quiet_hours;
    const digest = this.#digestOwed() ? (quietHoursEnd(quiet, now) ?? now) : null;
    const watched = this.#host.storage.select({ since: min(offlineWatch.since) }).from(offlineWatch).get()?.since ?? null;
    let offline: number | null = null;
    if (watched !== null) {
      const rule = (await this.#preferences()).rules.find((r) => r.kind === "agent_offline");
      offline = watched + (rule?.threshold ?? 30) * 60_000;
    }
    const times = [digest, offline].filter((at): at is number => at !== null);
    return times.length ? Math.min(...times) : null;
  }

  #digestOwed(): boolean {
    return this.#host.storage.select({ what: notifyWake.what }).from(notifyWake).where(eq(notifyWake.what, "digest")).get() !== undefined;
  }

  /** Runs what is due: the quiet-hours digest, offline alerts, and notices whose call never reached the relay. */
  async onWake(now = Date.now()): Promise<void> {
    const prefs = await this.#preferences();
    if (this.#host.memory.noticesSweptAt === null || now - this.#host.memory.noticesSweptAt > SWEEP_EVERY_MS) {
      await this.sweepNotices().catch((error: unknown) => console.error("relay: the notice sweep failed; the next one retries", error));
    }
    // A digest waits while quiet hours last (as they are now: the user may have moved or ended them since).
    if (this.#digestOwed() && !inQuietHours(prefs.quiet_hours, now)) {
      await this.#sendDigest(now);
      this.#host.storage.delete(notifyWake).where(eq(notifyWake.what, "digest")).run();
    }
    const rule = prefs.rules.find((r) => r.kind === "agent_offline");
    const wait = (rule?.threshold ?? 30) * 60_000;
    const due = this.#host.storage.select().from(offlineWatch).where(lte(offlineWatch.since, now - wait)).all();
    for (const device of due) {
      this.#host.storage.delete(offlineWatch).where(eq(offlineWatch.deviceId, device.deviceId)).run();
      if (this.#host.isOnline(device.deviceId)) continue;
      const minutes = Math.round((now - device.since) / 60_000);
      await this.notify(
        {
          kind: "agent_offline",
          title: `${device.name} is offline`,
          body: `Hearth has not heard from ${device.name} for ${minutes} minutes. Commands for it wait until \`hearth start\` runs there again.`,
          source: { type: "device", id: device.deviceId },
          link: `/settings/devices/${device.deviceId}`,
        },
        {},
        now,
      );
    }
  }

  /** Delivers what quiet hours held: in order of priority, then time; the bell and every tab hear of it at once. */
  async #sendDigest(now: number): Promise<void> {
    const held = await heldNotifications(this.#host.db, this.#host.userId());
    if (held.length === 0) return;
    await markDelivered(
      this.#host.db,
      held.map((row) => row.id),
      now,
    );
    await this.changed(held.filter((row) => row.inApp).map((row) => row.id));
    const prefs = await this.#preferences();
    const rank = (view: NotificationView) => -PRIORITIES.indexOf(view.priority);
    const forWebhooks = held
      .map(notificationView)
      .filter((view) => this.#toWebhooks(prefs, view))
      .sort((a, b) => rank(a) - rank(b) || a.created_at - b.created_at);
    if (forWebhooks.length > 0) await this.#host.webhooks(forWebhooks, { since: held[0]?.createdAt ?? now, until: now });
  }
}
