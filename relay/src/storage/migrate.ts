import { MIGRATIONS, SCHEMA_VERSION, VERSION_TABLE } from "./schema.ts";

/** The version the relay's SQLite is at: 0 for a relay that never recorded one (new, or older than versions). */
export function storedVersion(sql: SqlStorage): number {
  sql.exec(VERSION_TABLE);
  return sql.exec<{ version: number }>("SELECT version FROM relay_schema WHERE id = 1").toArray()[0]?.version ?? 0;
}

/**
 * Brings the relay's SQLite to `SCHEMA_VERSION`: runs the migrations it has not run yet, in order, and records
 * the version, all in one transaction, so a relay that dies half-way starts over from where it was. Runs once per
 * construction; at the current version it reads one row and writes nothing.
 */
export function migrate(storage: DurableObjectStorage): number {
  return storage.transactionSync(() => {
    const from = storedVersion(storage.sql);
    if (from > SCHEMA_VERSION) {
      // An older build running against storage a newer one already changed: its code would misread the rows.
      throw new Error(`relay storage is at version ${from}, newer than this build's ${SCHEMA_VERSION}; deploy the newer build`);
    }
    for (let version = from + 1; version <= SCHEMA_VERSION; version++) {
      for (const statement of MIGRATIONS[version - 1] ?? []) storage.sql.exec(statement);
    }
    if (from < SCHEMA_VERSION) storage.sql.exec("INSERT INTO relay_schema (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version", SCHEMA_VERSION);
    return SCHEMA_VERSION;
  });
}
