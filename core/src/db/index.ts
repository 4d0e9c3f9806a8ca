import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema.ts";

export { schema };
export type Db = ReturnType<typeof makeDb>;

const makeDb = (d1: D1Database) => drizzle(d1, { schema });
const handles = new WeakMap<D1Database, Db>();

/**
 * A drizzle handle over the D1 binding, made once per binding: building one walks the whole schema (about
 * 1–2 ms of CPU in local workerd, which showed in every request's profile).
 */
export function openDb(d1: D1Database): Db {
  let db = handles.get(d1);
  if (!db) {
    db = makeDb(d1);
    handles.set(d1, db);
  }
  return db;
}
