import { AsyncLocalStorage } from "node:async_hooks";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { pruneActivities, recordedDays } from "../../core/src/activities/retention.ts";
import { app } from "./app.ts";

// LangGraph needs AsyncLocalStorage for interrupt() and token streaming; the bundler picks its browser build,
// which has none, so it is provided here, once per isolate (this covers the relay Durable Object too).
AsyncLocalStorageProviderSingleton.initializeGlobalInstance(new AsyncLocalStorage());

export { UserRelay } from "../../relay/src/index.ts";
export type { AppType } from "./app.ts";

export default {
  fetch: app.fetch,
  /** The daily cron (wrangler.toml [triggers]): activity stored longer ago than its retention is deleted. */
  async scheduled(controller, env) {
    const days = recordedDays(env);
    const deleted = await pruneActivities(env.DB, controller.scheduledTime, days);
    console.log(`retention: deleted ${deleted} activity row(s) past their retention (recorded activity: ${days} days from when it was stored)`);
  },
} satisfies ExportedHandler<Env>;
