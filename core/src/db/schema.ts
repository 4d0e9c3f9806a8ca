// Every D1 table, as drizzle and drizzle-kit read them (drizzle.config.ts points here; migrations/ is generated from
// it). The tables live in the files below, by domain; this file only gathers them, so no table file imports it.
export * from "./tables.ts";
export * from "./chat-schema.ts";
export * from "./notifications-schema.ts";
export * from "./factors-schema.ts";
export * from "./install-schema.ts";
/** LangGraph checkpoints (the assistant's durable graph state): see core/src/assistant/checkpointer.ts. */
export * from "../assistant/checkpointer-schema.ts";
/** The dashboard summary's daily and hourly rollups of `activities`, kept by triggers (migration 0020). */
export * from "./rollup-schema.ts";
export * from "./import-schema.ts";
export * from "./insights-schema.ts";
export * from "./categories-schema.ts";
export * from "./jobs-schema.ts";
