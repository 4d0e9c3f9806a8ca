import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, watch } from "node:fs";
import type { FSWatcher } from "node:fs";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import type { ActivityEvent } from "#protocol";
import type { CsvMapping, ImportedStatement } from "#importers";
import { importStatement, isStatementFile } from "#importers";
import type { Logger } from "../log.ts";

/** A merchant rule: a case-insensitive pattern with `*` wildcards, like "AMZN*", and the category it gives. */
export type CategoryRule = { match: string; category: string };

export type StatementsListenerOptions = {
  folder: string;
  rules: readonly CategoryRule[];
  mappings: readonly CsvMapping[];
  defaultCurrency?: string;
  db: DatabaseSync;
  log: Logger;
  /** Hands the events over to be sent (durably). */
  record: (events: ActivityEvent[]) => void;
};

/** Files still being written get a moment before they are read. */
const SETTLE_MS = 750;

/** The category the first matching rule gives a merchant or description, if any. */
export function categorise(text: string, rules: readonly CategoryRule[]): string | null {
  for (const rule of rules) {
    const pattern = new RegExp(`^${rule.match.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
    if (pattern.test(text.trim())) return rule.category;
  }
  return null;
}

/**
 * The financial listener: watches a statements folder, imports each OFX, QFX or CSV file once (by content: a
 * file saved again with the same bytes is skipped, one with new bytes is read again and the server keeps each
 * transaction once), gives categories from the user's merchant rules, and records the events.
 */
export class StatementsListener {
  readonly #options: StatementsListenerOptions;
  #watcher: FSWatcher | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: StatementsListenerOptions) {
    this.#options = options;
  }

  start(): void {
    const { folder, log } = this.#options;
    if (!existsSync(folder)) {
      log.warn("statements.missing", `The statements folder ${folder} does not exist; create it and drop OFX, QFX or CSV exports in it.`, { folder });
      return;
    }
    log.info("statements.watching", `Watching ${folder} for bank statements (OFX, QFX, CSV).`, { folder });
    this.scan();
    this.#watcher = watch(folder, () => {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.scan(), SETTLE_MS);
    });
    this.#watcher.on("error", (error) => log.warn("statements.watch_failed", `Watching ${folder} stopped: ${error.message}`));
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#watcher?.close();
    this.#watcher = null;
  }

  /** Imports every statement file not imported yet with its current content. Returns how many events it recorded. */
  scan(): number {
    const { folder, db, log, mappings, defaultCurrency } = this.#options;
    let recorded = 0;
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (!isStatementFile(name) || !statSync(path).isFile()) continue;
      const bytes = new Uint8Array(readFileSync(path));
      const hash = createHash("sha256").update(bytes).digest("hex");
      const known = db.prepare("SELECT hash FROM imported_files WHERE path = ?").get(path);
      if (known?.hash === hash) continue;
      let imported: ImportedStatement;
      try {
        imported = importStatement(name, bytes, { mappings, ...(defaultCurrency ? { defaultCurrency } : {}) });
      } catch (error) {
        log.warn("statements.refused", `${name} was not imported: ${error instanceof Error ? error.message : String(error)}`, { file: name });
        db.prepare("INSERT OR REPLACE INTO imported_files (path, hash, imported_at, events) VALUES (?, ?, ?, 0)").run(path, hash, Date.now());
        continue;
      }
      const events = imported.events.map((event) => this.#categorised(event));
      if (events.length > 0) this.#options.record(events);
      db.prepare("INSERT OR REPLACE INTO imported_files (path, hash, imported_at, events) VALUES (?, ?, ?, ?)").run(path, hash, Date.now(), events.length);
      recorded += events.length;
      const refused = imported.refused.map((r) => `row ${r.row}: ${r.reason}`);
      const skipped = imported.skipped.length ? `; ${imported.skipped.length} line(s) skipped (${imported.skipped[0]?.reason ?? ""}${imported.skipped.length > 1 ? ", …" : ""})` : "";
      log.info("statements.imported", `${name}: ${events.length} transaction(s)${refused.length ? `; ${refused.length} refused (${refused.slice(0, 3).join("; ")})` : ""}${skipped}.`, {
        file: name,
        events: events.length,
        refused: refused.length,
        skipped: imported.skipped.length,
      });
    }
    return recorded;
  }

  #categorised(event: ActivityEvent): ActivityEvent {
    if (typeof event.details.category === "string") return event;
    const merchant = typeof event.details.merchant === "string" ? event.details.merchant : (event.description ?? "");
    const category = categorise(merchant, this.#options.rules);
    return category ? { ...event, details: { ...event.details, category } } : event;
  }
}
