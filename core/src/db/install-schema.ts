import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./tables.ts";

/**
 * Install lines (`curl -fsSL <origin>/install.sh?k=<key> | sh`) a signed-in user made in Settings → Devices. The key
 * only ties a pairing to the page that showed the line (so one click approves it); it grants nothing by itself, and
 * D1 keeps its SHA-256 only.
 */
export const installLinks = sqliteTable(
  "install_links",
  {
    keyHash: text("key_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("install_links_user_expires_idx").on(t.userId, t.expiresAt)],
);

export type InstallLinkRow = typeof installLinks.$inferSelect;
