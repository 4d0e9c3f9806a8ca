import { AsyncLocalStorage } from "node:async_hooks";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { pruneActivities, recordedDays } from "../../core/src/activities/retention.ts";
import { app } from "./app.ts";
import { usersWithStaleNotices } from "../../core/src/notifications/outbox.ts";
import { relayFor } from "./relay/stub.ts";
import { sweep as insightsSweep } from "./insights/sweep.ts";
import { sweep as jobsSweep } from "./jobs/sweep.ts";

/** The hourly cron (wrangler.toml): missed payments, follow-ups and interview reminders. */
const HOURLY = "41 * * * *";

/** A notice still in the outbox this long after it was stored was never handed to its relay (see tellRelay). */
const STALE_NOTICE_MS = 60_000;

// LangGraph needs AsyncLocalStorage for interrupt() and token streaming; the bundler picks its browser build,
// which has none, so it is provided here, once per isolate (this covers the relay Durable Object too).
AsyncLocalStorageProviderSingleton.initializeGlobalInstance(new AsyncLocalStorage());

export { UserRelay } from "../../relay/src/index.ts";
export type { AppType } from "./app.ts";

export default {
  fetch: app.fetch,
  /**
   * The hourly cron runs the insight and job sweeps. The daily cron (wrangler.toml [triggers]): activity stored longer ago than its retention is deleted, and a
   * relay with notices still waiting in the outbox (its calls failed, and it has not started since) handles them.
   */
  async scheduled(controller, env) {
    if (controller.cron === HOURLY) {
      await Promise.all([
        insightsSweep(env, controller.scheduledTime).catch((error: unknown) => console.error("insights: the hourly sweep failed; the next one tries again", error)),
        jobsSweep(env, controller.scheduledTime).catch((error: unknown) => console.error("jobs: the hourly sweep failed; the next one tries again", error)),
      ]);
      return;
    }
    const days = recordedDays(env);
    const deleted = await pruneActivities(env.DB, controller.scheduledTime, days);
    console.log(`retention: deleted ${deleted} activity row(s) past their retention (recorded activity: ${days} days from when it was stored)`);
    for (const userId of await usersWithStaleNotices(env.DB, controller.scheduledTime - STALE_NOTICE_MS)) {
      await relayFor(env, userId)
        .sweepNotices()
        .catch((error: unknown) => console.error(`notices: the relay of user ${userId} could not sweep its outbox; the next cron tries again`, error));
    }
  },
} satisfies ExportedHandler<Env>;
