import { AsyncLocalStorage } from "node:async_hooks";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { app } from "./app.ts";

// LangGraph needs AsyncLocalStorage for interrupt() and token streaming; the bundler picks its browser build,
// which has none, so it is provided here, once per isolate (this covers the relay Durable Object too).
AsyncLocalStorageProviderSingleton.initializeGlobalInstance(new AsyncLocalStorage());

export { UserRelay } from "../../relay/src/index.ts";
export type { AppType } from "./app.ts";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
