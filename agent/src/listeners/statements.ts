import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, watch } from "node:fs";
import type { FSWatcher } from "node:fs";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import type { ActivityEvent, ImportProfile } from "#protocol";
import type { CsvMapping, ImportedFile } from "#importers";
import { UnknownCsvLayout, importStatement, isStatementFile } from "#importers";
import { wildcardTest } from "../deps/categories.ts";
import type { Logger } from "../log.ts";

/** A merchant rule: a case-insensitive pattern with `*` wildcards, like "AMZN*", and the category it gives. */
export type CategoryRule = { match: string; category: string };

export type StatementsListenerOptions = {
  folder: string;
  rules: readonly CategoryRule[];
  /** config.json's `csv_mappings` (the layouts from before import profiles): tried after the profiles, before the presets. */
  mappings: readonly CsvMapping[];
  /** The user's import profiles, as the relay last sent them (the same ones the web upload reads with). */
  profiles?: () => readonly ImportProfile[];
  defaultCurrency?: string;
  db: DatabaseSync;
  log: Logger;
  /** Hands the events over to be sent (durably). */
  record: (events: ActivityEvent[]) => void;
};

/** Files still being written get a moment before they are read. */
const SETTLE_MS = 750;

/**
 * The category the first matching rule gives a merchant or description, or null. The match is the server's
 * `wildcard` rule's (case-folded, whitespace collapsed, `*` for whatever text), with no regular expression.
 */
export function categorise(text: string, rules: readonly CategoryRule[]): string | null {
  return rules.find((rule) => wildcardTest(rule.match)(text))?.category ?? null;
}

/**
 * The financial listener: watches a statements folder, imports each OFX, QFX, CSV or CAMT.053 file once (by
 * content: a file saved again with the same bytes is skipped, one with new bytes is read again and the server keeps
 * each transaction once), gives categories from config.json's merchant rules (the user's category rules on the
 * server run at ingest after this and win over them), and records the events. A CSV in a layout
 * no profile, mapping or preset fits is logged with what to do, and read again when the import profiles change.
 */
export class StatementsListener {
  readonly #options: StatementsListenerOptions;
  /** config.json's rules, each made ready to test once. */
  readonly #rules: readonly { test: (text: string) => boolean; category: string }[];
  #watcher: FSWatcher | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: StatementsListenerOptions) {
    this.#options = options;
    this.#rules = options.rules.map((rule) => ({ test: wildcardTest(rule.match), category: rule.category }));
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

  /**
   * The import profiles changed (the relay sent a new set): files left unread for an unknown layout are read again,
   * so a profile saved in the web app imports the file waiting here. Returns how many events it recorded.
   */
  profilesChanged(): number {
    const { folder, db } = this.#options;
    const waiting = Number(db.prepare("DELETE FROM imported_files WHERE unknown_layout = 1").run().changes);
    return waiting > 0 && existsSync(folder) ? this.scan() : 0;
  }

  /** Imports every statement file not imported yet with its current content. Returns how many events it recorded. */
  scan(): number {
    const { folder, db, log, mappings, defaultCurrency } = this.#options;
    const profiles = this.#options.profiles?.() ?? [];
    const remember = db.prepare("INSERT OR REPLACE INTO imported_files (path, hash, imported_at, events, unknown_layout) VALUES (?, ?, ?, ?, ?)");
    let recorded = 0;
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (!isStatementFile(name) || !statSync(path).isFile()) continue;
      const bytes = new Uint8Array(readFileSync(path));
      const hash = createHash("sha256").update(bytes).digest("hex");
      const known = db.prepare("SELECT hash FROM imported_files WHERE path = ?").get(path);
      if (known?.hash === hash) continue;
      let imported: ImportedFile;
      try {
        // The same read as the web upload's, with config.json's old mappings after the profiles, before the presets.
        imported = importStatement(name, bytes, { profiles, mappings, ...(defaultCurrency ? { defaultCurrency } : {}) });
      } catch (error) {
        if (error instanceof UnknownCsvLayout) {
          const header = error.sniff.header_cells.slice(0, 8).join(", ");
          log.warn(
            "statements.unknown_layout",
            `${name} was not imported: Hearth does not know its layout${header ? ` (header: ${header})` : ""}. Upload it once in the web app (Dashboard → Import), check the columns and save them as a profile: this folder then reads it, and every statement like it, by itself.`,
            { file: name },
          );
          remember.run(path, hash, Date.now(), 0, 1);
          continue;
        }
        log.warn("statements.refused", `${name} was not imported: ${error instanceof Error ? error.message : String(error)}`, { file: name });
        remember.run(path, hash, Date.now(), 0, 0);
        continue;
      }
      const events = imported.events.map((event) => this.#categorised(event));
      if (events.length > 0) this.#options.record(events);
      remember.run(path, hash, Date.now(), events.length, 0);
      recorded += events.length;
      const refused = imported.refused.map((r) => `row ${r.row}: ${r.reason}`);
      const skipped = imported.skipped.length ? `; ${imported.skipped.length} line(s) skipped (${imported.skipped[0]?.reason ?? ""}${imported.skipped.length > 1 ? ", …" : ""})` : "";
      log.info("statements.imported", `${name} (${imported.layout_name}): ${events.length} transaction(s)${refused.length ? `; ${refused.length} refused (${refused.slice(0, 3).join("; ")})` : ""}${skipped}.`, {
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
    const category = this.#rules.find((rule) => rule.test(merchant))?.category ?? null;
    return category ? { ...event, details: { ...event.details, category } } : event;
  }
}
