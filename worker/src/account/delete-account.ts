import { relayFor } from "../relay/stub.ts";

// Deleting an account removes every row of the user. The tables are read from the database itself (every table
// with a `user_id` column or a foreign key to `users`), so a table added by a later migration is covered without
// editing this file; `your-data.test.ts` checks the result against the same catalogue and every text column.

/** SQLite's quoting of a name read from the catalogue. */
const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Each (table, column) that holds a user's id: `user_id` columns and foreign keys to `users`. */
export async function userColumns(d1: D1Database): Promise<{ table: string; column: string }[]> {
  // D1 refuses the pragma table functions, so the catalogue is read with one PRAGMA statement per table, in a batch.
  const { results: tables } = await d1
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'users' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")
    .all<{ name: string }>();
  const names = tables.map((t) => t.name);
  const answers = await d1.batch<{ name?: string; table?: string; from?: string }>(
    names.flatMap((name) => [d1.prepare(`PRAGMA table_info(${quoted(name)})`), d1.prepare(`PRAGMA foreign_key_list(${quoted(name)})`)]),
  );
  const found = new Map<string, { table: string; column: string }>();
  const add = (table: string, column: string) => found.set(`${table}.${column}`, { table, column });
  names.forEach((table, i) => {
    if (answers[2 * i]?.results.some((column) => column.name === "user_id")) add(table, "user_id");
    for (const key of answers[2 * i + 1]?.results ?? []) if (key.table === "users" && key.from) add(table, key.from);
  });
  return [...found.values()];
}

/**
 * Deletes the user from D1 in one transaction: their assistant checkpoints (keyed by reply, not by user, see
 * checkpointer-schema.ts), every row in a table with a user column, the sign-in attempts kept under their email,
 * and the user.
 */
export async function deleteUserRows(d1: D1Database, user: { id: string; email: string }): Promise<void> {
  const threads = "SELECT 'turn:' || id FROM messages WHERE user_id = ?";
  const statements = [
    d1.prepare(`DELETE FROM checkpoint_writes WHERE thread_id IN (${threads})`).bind(user.id),
    d1.prepare(`DELETE FROM checkpoint_blobs WHERE thread_id IN (${threads})`).bind(user.id),
    d1.prepare(`DELETE FROM checkpoints WHERE thread_id IN (${threads})`).bind(user.id),
    ...(await userColumns(d1)).map(({ table, column }) => d1.prepare(`DELETE FROM ${quoted(table)} WHERE ${quoted(column)} = ?`).bind(user.id)),
    d1.prepare("DELETE FROM login_attempts WHERE email = ?").bind(user.email),
    d1.prepare("DELETE FROM users WHERE id = ?").bind(user.id),
  ];
  await d1.batch(statements);
}

/**
 * Deletes the account: first the relay (it tells connected agents they were unpaired, closes every socket and
 * drops its storage and alarm, so nothing it held can be written back), then every D1 row, which takes the
 * agents' tokens, the sessions and the webhook endpoints with it.
 */
export async function deleteAccount(env: Env, user: { id: string; email: string }): Promise<void> {
  await relayFor(env, user.id).wipe();
  await deleteUserRows(env.DB, user);
}
