import { AsyncLocalStorage } from "node:async_hooks";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { pruneActivities } from "./activities/retention.ts";
import { app } from "./app.ts";
import { readConfig } from "./config.ts";

// LangGraph needs AsyncLocalStorage for interrupt() and token streaming; the bundler picks its browser build,
// which has none, so it is provided here, once per isolate (this covers the relay Durable Object too).
AsyncLocalStorageProviderSingleton.initializeGlobalInstance(new AsyncLocalStorage());

export { UserRelay } from "../../relay/src/index.ts";
export type { AppType } from "./app.ts";

export default {
  fetch: app.fetch,
  /** The daily cron (wrangler.toml [triggers]): activity past its retention is deleted. */
  async scheduled(controller, env) {
    const before = controller.scheduledTime - readConfig(env).activityRetentionMs;
    const deleted = await pruneActivities(env.DB, before);
    console.log(`retention: deleted ${deleted} activity row(s) from before ${new Date(before).toISOString()}`);
  },
} satisfies ExportedHandler<Env>;
