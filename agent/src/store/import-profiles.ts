import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { ImportProfile } from "#protocol";

/**
 * The user's import profiles as the relay last sent them (the `import_profiles` frame), kept in memory and in
 * state.db: after a restart while offline the statements folder still reads with them.
 */
export class ImportProfiles {
  readonly #db: DatabaseSync;
  #profiles: readonly ImportProfile[];

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#profiles = this.#load();
  }

  /** The latest set. */
  current(): readonly ImportProfile[] {
    return this.#profiles;
  }

  /** Keeps a new set; true when it differs from the one before (a reconnect sends the same set again). */
  replace(profiles: readonly ImportProfile[], now: number = Date.now()): boolean {
    const text = JSON.stringify(profiles);
    if (text === JSON.stringify(this.#profiles)) return false;
    this.#db.prepare("INSERT OR REPLACE INTO import_profiles (id, profiles, received_at) VALUES (1, ?, ?)").run(text, now);
    this.#profiles = profiles;
    return true;
  }

  /** What state.db holds; a set that no longer parses (written by another version) counts as none. */
  #load(): readonly ImportProfile[] {
    const row = this.#db.prepare("SELECT profiles FROM import_profiles WHERE id = 1").get();
    if (typeof row?.profiles !== "string") return [];
    try {
      const parsed = z.array(ImportProfile).safeParse(JSON.parse(row.profiles));
      return parsed.success ? parsed.data : [];
    } catch {
      return [];
    }
  }
}
