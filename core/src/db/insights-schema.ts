import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./tables.ts";

// Insights (issue 19): what has been told already, so each price change, new subscription, missed payment and
// unusual period notifies once, however often the relay or the hourly sweep looks again (and after the
// notification itself was deleted).

/** One told insight per user and key ("price:<series>:<transaction id>", "missed:<series>:<expected day>", …). */
export const insightNotified = sqliteTable(
  "insight_notified",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    /** Epoch ms. */
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] })],
);
