import { appendFileSync, chmodSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname } from "node:path";

/** The log file is rotated when it would pass this size; one old file (`agent.log.1`) is kept. */
export const LOG_MAX_BYTES = 5 * 1024 * 1024;

/**
 * The service's log file: JSON lines appended as they come, mode 0600 in a 0700 folder (a log names files and
 * folders the user works with). When the next line would pass `maxBytes`, the file becomes `<file>.1` (replacing
 * the previous one) and a new file starts, so the two together stay under twice the limit.
 * Writes are synchronous: a line is on disk before the agent goes on, so the last words before a crash are kept.
 */
export class RotatingLogFile {
  readonly path: string;
  readonly #maxBytes: number;
  #size: number;
  #broken = false;

  constructor(path: string, maxBytes: number = LOG_MAX_BYTES) {
    this.path = path;
    this.#maxBytes = maxBytes;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // mkdir's mode applies only to a folder it creates; one made earlier by hand is tightened too.
    chmodSync(dirname(path), 0o700);
    this.#size = sizeOf(path);
  }

  /** Appends one line (a newline is added). A full disk or a removed folder never stops the agent: the line is dropped. */
  write(line: string): void {
    const bytes = Buffer.byteLength(line) + 1;
    try {
      if (this.#size > 0 && this.#size + bytes > this.#maxBytes) this.#rotate();
      appendFileSync(this.path, `${line}\n`, { mode: 0o600 });
      this.#size += bytes;
      this.#broken = false;
    } catch (error) {
      if (!this.#broken) process.stderr.write(`hearth: cannot write the log file ${this.path}: ${error instanceof Error ? error.message : String(error)}\n`);
      this.#broken = true;
    }
  }

  #rotate(): void {
    renameSync(this.path, `${this.path}.1`);
    this.#size = 0;
  }
}

function sizeOf(path: string): number {
  try {
    const stat = statSync(path);
    if ((stat.mode & 0o777) !== 0o600) chmodSync(path, 0o600);
    return stat.size;
  } catch {
    return 0;
  }
}
