// The D1 floor for the activity benchmarks: direct batched inserts into a local D1 that has Hearth's schema
// (the real migrations, so the same indexes and full-text triggers), with nothing else.
//
//   GET  /health               → "ok"
//   POST /user {id}            → creates the user the rows belong to (activities.user_id is a foreign key)
//   POST /insert {rows}        → each row is the 22 values of the INSERT below, in column order; they go to D1 in
//                                batches of 50 statements, one after another, exactly as
//                                core/src/activities/ingest.ts sends them; answers {stored}
//   GET  /count?user_id=U      → {rows, distinct_events}: the correctness check for the baseline
//
// The client builds the rows (with the worker's own `toRow`) before the clock starts: what is timed here is the
// HTTP hop, the JSON parse and D1, which is the least any ingest path must pay.

type Env = { DB: D1Database };
type Value = string | number | null;

/** The same batch size as Hearth's ingest (ROWS_PER_BATCH). */
const ROWS_PER_BATCH = 50;

/** Word for word the statement of core/src/activities/ingest.ts. */
const INSERT_SQL = `INSERT INTO activities (id, user_id, event_id, device_id, source, activity_type, timestamp, occurred_at, application, description,
             details, tags, amount_minor, currency, merchant, category, company, role, job_status, url, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (user_id, event_id) DO NOTHING RETURNING id`;

async function insertRows(db: D1Database, rows: Value[][]): Promise<number> {
  let stored = 0;
  for (let at = 0; at < rows.length; at += ROWS_PER_BATCH) {
    const statements = rows.slice(at, at + ROWS_PER_BATCH).map((values) => db.prepare(INSERT_SQL).bind(...values));
    for (const result of await db.batch(statements)) stored += result.results.length;
  }
  return stored;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    if (url.pathname === "/user" && request.method === "POST") {
      const { id } = await request.json<{ id: string }>();
      await env.DB.prepare("INSERT OR IGNORE INTO users (id, email, password_hash, created_at) VALUES (?, ?, 'x', ?)").bind(id, `${id}@bench.invalid`, Date.now()).run();
      return Response.json({ ok: true });
    }
    if (url.pathname === "/insert" && request.method === "POST") {
      const { rows } = await request.json<{ rows: Value[][] }>();
      return Response.json({ stored: await insertRows(env.DB, rows) });
    }
    if (url.pathname === "/count") {
      const counts = await env.DB.prepare("SELECT count(*) AS rows, count(DISTINCT event_id) AS distinct_events FROM activities WHERE user_id = ?")
        .bind(url.searchParams.get("user_id"))
        .first<{ rows: number; distinct_events: number }>();
      return Response.json(counts);
    }
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
