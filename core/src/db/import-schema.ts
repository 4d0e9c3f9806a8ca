import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./tables.ts";

// Import profiles (issue 19): CSV layouts a user confirmed in the column picker, saved by name and recognised by
// the file's header next time, by the web upload and by the agent's statements folder alike. Times are epoch ms.

export const importProfiles = sqliteTable(
  "import_profiles",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Unique per user: saving a profile under a name it already has replaces it. */
    name: text("name").notNull(),
    /** The account the profile is for ("Joint checking"), or null. */
    account: text("account"),
    /** JSON: the `CsvLayout` it reads with. */
    layout: text("layout").notNull(),
    /** JSON: the header row's cells as read (an empty array for a file without a header). */
    headerCells: text("header_cells").notNull(),
    /** The header cells trimmed, case-folded and joined: a file whose header gives the same key is read with this profile. */
    headerKey: text("header_key").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("import_profiles_user_name_idx").on(t.userId, t.name), index("import_profiles_user_header_idx").on(t.userId, t.headerKey)],
);

export type ImportProfileRow = typeof importProfiles.$inferSelect;
