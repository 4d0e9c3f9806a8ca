import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./tables.ts";

// Category rules (issue 19). Times are epoch milliseconds.

/**
 * A user's rule: transactions whose merchant or description match `pattern` (as `match` says) go in `category`.
 * Tried in `position` order, lowest first; the first match wins.
 */
export const categoryRules = sqliteTable(
  "category_rules",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    match: text("match", { enum: ["merchant_is", "description_contains", "wildcard"] }).notNull(),
    pattern: text("pattern").notNull(),
    category: text("category").notNull(),
    position: integer("position").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("category_rules_user_position_idx").on(t.userId, t.position)],
);

export type CategoryRuleRow = typeof categoryRules.$inferSelect;
