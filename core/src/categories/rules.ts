import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import { MAX_CATEGORY_RULES } from "#protocol";
import type { ApplyCategoryRule, CategoryRule, CreateCategoryRule, UpdateCategoryRule } from "#protocol";
import { openDb, schema } from "../db/index.ts";
import type { CategoryRuleRow } from "../db/categories-schema.ts";
import { compileRule, firstMatch } from "./match.ts";

// A user's category rules in D1: listed in order, created, edited, moved, deleted, and applied to past rows.
// Positions stay 0..n-1: every change that moves rules writes the new positions in the same D1 batch.

const { activities, categoryRules } = schema;

export function ruleView(row: CategoryRuleRow): CategoryRule {
  return { id: row.id, match: row.match, pattern: row.pattern, category: row.category, position: row.position, created_at: row.createdAt, updated_at: row.updatedAt };
}

/** The user's rules in the order they are tried. */
export async function listRules(d1: D1Database, userId: string): Promise<CategoryRuleRow[]> {
  return openDb(d1).select().from(categoryRules).where(eq(categoryRules.userId, userId)).orderBy(asc(categoryRules.position), asc(categoryRules.createdAt)).all();
}

/** The updates that give each rule its place in `order` (only for rules whose place changed). */
function renumber(d1: D1Database, order: readonly CategoryRuleRow[], now: number) {
  const db = openDb(d1);
  return order.flatMap((row, position) =>
    row.position === position ? [] : [db.update(categoryRules).set({ position, updatedAt: now }).where(and(eq(categoryRules.id, row.id), eq(categoryRules.userId, row.userId)))],
  );
}

/** Adds a rule (last, or at `position`); "full" when the user has the most rules allowed. */
export async function createRule(d1: D1Database, userId: string, body: CreateCategoryRule): Promise<CategoryRuleRow | "full"> {
  const rules = await listRules(d1, userId);
  if (rules.length >= MAX_CATEGORY_RULES) return "full";
  const now = Date.now();
  const at = Math.min(body.position ?? rules.length, rules.length);
  const row: CategoryRuleRow = { id: crypto.randomUUID(), userId, match: body.match, pattern: body.pattern, category: body.category, position: at, createdAt: now, updatedAt: now };
  const db = openDb(d1);
  // The insert itself checks the cap again, so two rules added at once cannot pass it together.
  const insert = db.insert(categoryRules).select(
    db
      .select({
        id: sql`${row.id}`.as("id"), userId: sql`${userId}`.as("user_id"), match: sql`${row.match}`.as("match"), pattern: sql`${row.pattern}`.as("pattern"),
        category: sql`${row.category}`.as("category"), position: sql`${at}`.as("position"), createdAt: sql`${now}`.as("created_at"), updatedAt: sql`${now}`.as("updated_at"),
      })
      .from(sql`(SELECT 1)`)
      .where(sql`(SELECT count(*) FROM ${categoryRules} WHERE ${categoryRules.userId} = ${userId}) < ${MAX_CATEGORY_RULES}`),
  ).returning({ id: categoryRules.id });
  const order = [...rules.slice(0, at), row, ...rules.slice(at)];
  const [inserted] = await db.batch([insert, ...renumber(d1, order, now)]);
  return inserted.length === 1 ? row : "full";
}

/** Changes a rule; a new position moves it and shifts the rest. Null when there is no such rule. */
export async function updateRule(d1: D1Database, userId: string, id: string, body: UpdateCategoryRule): Promise<CategoryRuleRow | null> {
  const rules = await listRules(d1, userId);
  const old = rules.find((rule) => rule.id === id);
  if (!old) return null;
  const now = Date.now();
  const others = rules.filter((rule) => rule.id !== id);
  const place = body.position === undefined ? rules.indexOf(old) : Math.min(body.position, others.length);
  const row: CategoryRuleRow = { ...old, ...(body.match ? { match: body.match } : {}), ...(body.pattern ? { pattern: body.pattern } : {}), ...(body.category ? { category: body.category } : {}), position: place, updatedAt: now };
  const order = [...others.slice(0, place), row, ...others.slice(place)];
  const db = openDb(d1);
  const change = db
    .update(categoryRules)
    .set({ match: row.match, pattern: row.pattern, category: row.category, position: place, updatedAt: now })
    .where(and(eq(categoryRules.id, id), eq(categoryRules.userId, userId)))
    .returning({ id: categoryRules.id });
  // The rule itself is already at its place in `order`, so renumber moves only the others.
  const [changed] = await db.batch([change, ...renumber(d1, order, now)]);
  return changed.length === 1 ? row : null;
}

/** Deletes a rule and closes the gap it leaves; false when there was no such rule. */
export async function deleteRule(d1: D1Database, userId: string, id: string): Promise<boolean> {
  const rules = await listRules(d1, userId);
  if (!rules.some((rule) => rule.id === id)) return false;
  const db = openDb(d1);
  const remove = db.delete(categoryRules).where(and(eq(categoryRules.id, id), eq(categoryRules.userId, userId))).returning({ id: categoryRules.id });
  const [removed] = await db.batch([remove, ...renumber(d1, rules.filter((rule) => rule.id !== id), Date.now())]);
  return removed.length === 1;
}

/** Ids per UPDATE when applying: they go in as one JSON parameter, so this bounds only the statement's size. */
const IDS_PER_UPDATE = 500;
/** Past rows read at a time when applying: a bound on the worker's memory and on each D1 batch, for years of data. */
export const APPLY_PAGE_ROWS = 5_000;

/**
 * Applies a rule to the user's past transactions: those it matches, and that no earlier rule claims (the order
 * rules are tried in holds here too), not already in its category. Without `overwrite`, a row whose category the
 * user set by hand keeps it: such a row's column differs from the category it arrived with (`details.category`).
 * A dry run only counts. The rows are read a page at a time in event id order (the user's event index), with only
 * the text the rules read; each page's change is one D1 batch, and the count is what D1 changed. A run cut short
 * can be run again: rows already in the category are not counted twice. Null when there is no such rule.
 */
export async function applyRule(d1: D1Database, userId: string, id: string, options: ApplyCategoryRule): Promise<number | null> {
  const rules = await listRules(d1, userId);
  const rule = rules.find((r) => r.id === id);
  if (!rule) return null;
  const compiled = rules.map(compileRule);
  const mine = compiled[rules.indexOf(rule)];
  const db = openDb(d1);
  const arrived = sql<string | null>`json_extract(${activities.details}, '$.category')`;
  const byHand = (row: { category: string | null; arrived: string | null }) => row.category !== null && row.category !== row.arrived;
  // Checked again in the UPDATE: a row the user corrects between the read and the write keeps the correction.
  const keepHand = options.overwrite ? sql`1` : sql`(${activities.category} IS NULL OR ${activities.category} IS ${arrived})`;
  const now = Date.now();
  let total = 0;
  for (let after = ""; ; ) {
    const rows = await db
      .select({
        id: activities.id,
        eventId: activities.eventId,
        merchant: activities.merchant,
        description: sql<string | null>`coalesce(${activities.description}, json_extract(${activities.details}, '$.description'))`,
        category: activities.category,
        arrived,
      })
      .from(activities)
      .where(and(eq(activities.userId, userId), gt(activities.eventId, after), eq(activities.activityType, "financial")))
      .orderBy(asc(activities.eventId))
      .limit(APPLY_PAGE_ROWS)
      .all();
    const ids = rows
      .filter((row) => row.category !== rule.category && (options.overwrite || !byHand(row)))
      .filter((row) => firstMatch(compiled, { merchant: row.merchant, description: row.description }) === mine)
      .map((row) => row.id);
    if (options.dry_run) total += ids.length;
    else total += await setCategory(d1, userId, ids, rule.category, keepHand, now);
    const last = rows[rows.length - 1];
    if (!last || rows.length < APPLY_PAGE_ROWS) return total;
    after = last.eventId;
  }
}

/** Puts the rows in the category (column and details), in one D1 batch; how many D1 changed. */
async function setCategory(d1: D1Database, userId: string, ids: readonly string[], category: string, keepHand: SQL, now: number): Promise<number> {
  const db = openDb(d1);
  const updates = [];
  for (let at = 0; at < ids.length; at += IDS_PER_UPDATE) {
    updates.push(
      db
        .update(activities)
        .set({ category, details: sql`json_set(${activities.details}, '$.category', ${category})`, updatedAt: now })
        .where(and(eq(activities.userId, userId), sql`${activities.id} IN (SELECT value FROM json_each(${JSON.stringify(ids.slice(at, at + IDS_PER_UPDATE))}))`, keepHand))
        .returning({ id: activities.id }),
    );
  }
  const [first, ...rest] = updates;
  if (!first) return 0;
  const results = await db.batch([first, ...rest]);
  return results.reduce((sum, result) => sum + result.length, 0);
}
