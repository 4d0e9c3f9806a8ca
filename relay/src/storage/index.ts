import { drizzle } from "drizzle-orm/durable-sqlite";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { migrate } from "./migrate.ts";
import { schema } from "./schema.ts";

export * from "./schema.ts";
export { migrate, storedVersion } from "./migrate.ts";

/** The relay's SQLite through drizzle, typed by ./schema.ts. */
export type RelayDb = DrizzleSqliteDODatabase<typeof schema>;

/**
 * Opens the relay's durable storage: migrates it to the current schema version (once, before any part reads it),
 * and returns the drizzle handle every store uses.
 */
export function openStorage(storage: DurableObjectStorage): RelayDb {
  migrate(storage);
  return drizzle(storage, { schema });
}
