import { eq, inArray, sql } from "drizzle-orm";
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { openDb, schema } from "../../../core/src/db/index.ts";
import { deleteAllActivities } from "../../../core/src/activities/retention.ts";
import { relayFor } from "../relay/stub.ts";

// Deleting an account removes every row of the user. The tables are read from the database itself (every table
// with a `user_id` column or a foreign key to `users`), so a table added by a later migration is covered without
// editing this file; `your-data.test.ts` checks the result against the same catalogue and every text column.

const { checkpoints, checkpointBlobs, checkpointWrites, messages, loginAttempts, users } = schema;

/** SQLite's quoting of a name read from the catalogue. */
const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Each (table, column) that holds a user's id: `user_id` columns and foreign keys to `users`. */
export async function userColumns(d1: D1Database): Promise<{ table: string; column: string }[]> {
  const db = openDb(d1);
  // Raw SQL: the catalogue (sqlite_master, PRAGMA) has no drizzle schema. D1 refuses the pragma table functions,
  // so the columns are read with one PRAGMA statement per table, in a batch.
  const tables = await db.all<{ name: string }>(
    sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'users' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name`,
  );
  const names = tables.map((t) => t.name);
  const [first, ...rest] = names.flatMap((name) => [
    db.all<{ name?: string; table?: string; from?: string }>(sql.raw(`PRAGMA table_info(${quoted(name)})`)),
    db.all<{ name?: string; table?: string; from?: string }>(sql.raw(`PRAGMA foreign_key_list(${quoted(name)})`)),
  ]);
  const answers = first ? await db.batch([first, ...rest]) : [];
  const found = new Map<string, { table: string; column: string }>();
  const add = (table: string, column: string) => found.set(`${table}.${column}`, { table, column });
  names.forEach((table, i) => {
    if (answers[2 * i]?.some((column) => column.name === "user_id")) add(table, "user_id");
    for (const key of answers[2 * i + 1] ?? []) if (key.table === "users" && key.from) add(table, key.from);
  });
  return [...found.values()];
}

/**
 * Deletes the user from D1 in one transaction: their assistant checkpoints (keyed by reply, not by user, see
 * checkpointer-schema.ts), every row in a table with a user column, the sign-in attempts kept under their email,
 * and the user.
 */
export async function deleteUserRows(d1: D1Database, user: { id: string; email: string }): Promise<void> {
  const db = openDb(d1);
  const threads = db
    .select({ threadId: sql<string>`'turn:' || ${messages.id}` })
    .from(messages)
    .where(eq(messages.userId, user.id));
  // The tables found in the catalogue are described to drizzle here, by name and user column, so a table added
  // by a later migration is deleted from without a schema edit.
  const owned = (await userColumns(d1)).map(({ table, column }) => {
    const found = sqliteTable(table, { owner: text(column) });
    return db.delete(found).where(eq(found.owner, user.id));
  });
  await db.batch([
    db.delete(checkpointWrites).where(inArray(checkpointWrites.threadId, threads)),
    db.delete(checkpointBlobs).where(inArray(checkpointBlobs.threadId, threads)),
    db.delete(checkpoints).where(inArray(checkpoints.threadId, threads)),
    ...owned,
    db.delete(loginAttempts).where(eq(loginAttempts.email, user.email)),
    db.delete(users).where(eq(users.id, user.id)),
  ]);
}

/**
 * Deletes the account: first the relay (it tells connected agents they were unpaired, closes every socket and
 * drops its storage and alarm, so nothing it held can be written back), then every D1 row, which takes the
 * agents' tokens, the sessions and the webhook endpoints with it.
 */
export async function deleteAccount(env: Env, user: { id: string; email: string }): Promise<void> {
  await relayFor(env, user.id).wipe();
  // A heavy user's activity first, in chunks: as one statement of the batch below it could pass D1's time limit
  // (see `DELETE_CHUNK`). A failure after this leaves an account with no activity, and deleting it again finishes.
  await deleteAllActivities(env.DB, user.id);
  await deleteUserRows(env.DB, user);
}
