import type { CsvLayout, ImportProfile, StatementImportResult, StatementPreview } from "#protocol";
import { ApiFailure } from "#lib/shared/api.ts";
import { previewStatement, uploadStatement } from "./api.ts";
import { START_BYTES } from "./csv-table.ts";

// One file on the import page, from preview to stored. It is read on the server first without storing anything
// (what would be new, already there, refused); the user may change how a CSV is read (the picker's layout, each
// change previewed again) or save that as a profile; then it is imported, with the upload's progress.

export type Phase =
  | { kind: "previewing" }
  | { kind: "ready" }
  | { kind: "uploading"; progress: number }
  | { kind: "reading" }
  | { kind: "done"; result: StatementImportResult }
  | { kind: "failed"; message: string }
  // Stored, but this page is too old to read the answer: no count to show, and nothing to do again.
  | { kind: "stored"; message: string }
  | { kind: "skipped" };

/** The largest statement the server reads (as the worker's MAX_STATEMENT_BYTES). */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

/** How long the picker waits after a change before reading the file again. */
const DEBOUNCE_MS = 350;

const messageOf = (failure: unknown, fallback: string) => (failure instanceof ApiFailure ? failure.message : fallback);

export class FileImport {
  readonly file: File;
  phase = $state<Phase>({ kind: "previewing" });
  /** The newest preview (kept while the next one loads, so the rows do not flicker). */
  preview = $state<StatementPreview | null>(null);
  /** True while a preview is on its way. */
  busy = $state(false);
  /** Why the newest preview or the upload failed (the picker's layout refused, say); the older preview stays shown. */
  error = $state<string | null>(null);
  /** The picker is open. */
  picking = $state(false);
  /** The picker's answer, when it is complete: the file is read with it alone. */
  layout = $state<CsvLayout | null>(null);
  /** The picker's answer is not complete: nothing can be imported until it is. */
  incomplete = $state(false);
  /** The header row's cells under the picker's answer: what a profile saved from it recognises. */
  headerCells = $state<string[]>([]);
  /** The profile the user saved from this file: it is read with that from then on (its account included). */
  profile = $state<ImportProfile | null>(null);
  /** The first bytes of the file, for the picker's table. */
  start = $state<Uint8Array | null>(null);

  #currency: () => string;
  #sequence = 0;
  #abort: AbortController | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(file: File, currency: () => string) {
    this.file = file;
    this.#currency = currency;
    // Refused here rather than after uploading it in full, for the preview and again for each picker change.
    if (file.size > MAX_FILE_BYTES) {
      // Rounded up, so a file just over the limit does not read as "5 MiB".
      const size = (Math.ceil((file.size / 1024 / 1024) * 10) / 10).toLocaleString();
      this.phase = { kind: "failed", message: `This file is ${size} MiB; a statement can be up to 5 MiB. Export a shorter period.` };
    }
  }

  /** Too large to send: trying again cannot help. */
  get tooLarge(): boolean {
    return this.file.size > MAX_FILE_BYTES;
  }

  /** A CSV the server could not place: the picker must answer before anything can be imported. */
  get unknown(): boolean {
    return this.preview?.layout === "unknown";
  }

  /** Still to be imported (previewing, waiting for the user, or failed before storing). */
  get open(): boolean {
    return this.phase.kind === "previewing" || this.phase.kind === "ready";
  }

  /** Reads the file on the server as things stand; an older answer arriving late is dropped. */
  async refresh(): Promise<void> {
    const sequence = ++this.#sequence;
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    this.busy = true;
    try {
      const preview = await previewStatement(this.file, { currency: this.#currency(), layout: this.layout, profile: this.profile?.id ?? null }, abort.signal);
      if (sequence !== this.#sequence) return;
      this.preview = preview;
      this.error = null;
      if (this.phase.kind === "previewing") this.phase = { kind: "ready" };
      if (preview.layout === "unknown") {
        await this.loadStart();
        this.picking = true;
      }
    } catch (failure) {
      if (sequence !== this.#sequence) return;
      const message = messageOf(failure, "The file could not be read. Try again.");
      if (this.preview) this.error = message;
      else this.phase = { kind: "failed", message };
    } finally {
      if (sequence === this.#sequence) this.busy = false;
    }
  }

  /** The picker's answer changed: the file is read again with it, once the user pauses. */
  setLayout(layout: CsvLayout | null, headerCells: string[]): void {
    this.headerCells = headerCells;
    this.incomplete = layout === null;
    if (JSON.stringify(layout) === JSON.stringify(this.layout)) return;
    this.layout = layout;
    // A changed reading is no longer the saved profile's.
    if (layout) this.profile = null;
    if (this.#timer) clearTimeout(this.#timer);
    if (!layout) return;
    this.busy = true;
    this.#timer = setTimeout(() => void this.refresh(), DEBOUNCE_MS);
  }

  async openPicker(): Promise<void> {
    await this.loadStart();
    this.picking = true;
  }

  /** Closes the picker; its answer stays unless `reset`, which goes back to how Hearth read the file by itself. */
  closePicker(reset: boolean): void {
    this.picking = false;
    this.incomplete = false;
    if (reset && this.layout) {
      this.layout = null;
      void this.refresh();
    }
  }

  /**
   * Reads the file with a saved profile the user chose (a bank without a header row is never recognised by
   * itself), or, with null, goes back to how Hearth reads it by itself.
   */
  readWith(profile: ImportProfile | null): void {
    if (profile === null) {
      this.profile = null;
      this.layout = null;
      this.picking = false;
      this.incomplete = false;
      void this.refresh();
    } else this.useProfile(profile);
  }

  /** The profile just saved from this file's answer: read with it from now on, to show its name and account. */
  useProfile(profile: ImportProfile): void {
    this.profile = profile;
    this.layout = null;
    this.picking = false;
    this.incomplete = false;
    void this.refresh();
  }

  async loadStart(): Promise<void> {
    this.start ??= new Uint8Array(await this.file.slice(0, START_BYTES).arrayBuffer());
  }

  /** Stores the file's transactions, read as the last preview was. */
  async store(): Promise<void> {
    if (this.phase.kind !== "ready") return;
    const file = this.file;
    this.phase = { kind: "uploading", progress: 0 };
    try {
      const result = await uploadStatement(file, {
        currency: this.#currency(),
        layout: this.layout,
        profile: this.profile?.id ?? null,
        onprogress: (fraction) => {
          this.phase = fraction < 1 ? { kind: "uploading", progress: fraction } : { kind: "reading" };
        },
      });
      this.phase = { kind: "done", result };
      this.picking = false;
    } catch (failure) {
      // Stored, and only the answer could not be read: the Import button must not come back to invite a repeat.
      if (failure instanceof ApiFailure && failure.code === "out_of_date") {
        this.phase = { kind: "stored", message: failure.message };
        this.picking = false;
        return;
      }
      this.phase = { kind: "ready" };
      this.error = messageOf(failure, "The upload failed. Try again.");
    }
  }

  skip(): void {
    this.#abort?.abort();
    if (this.#timer) clearTimeout(this.#timer);
    this.busy = false;
    this.picking = false;
    this.phase = { kind: "skipped" };
  }
}
