import { closeSync, openSync, rmSync, statSync } from "node:fs";

/** How long a writer waits for another one, and when a lock is taken to be a crashed writer's. */
const LOCK_WAIT_MS = 3_000;
const LOCK_STALE_MS = 10_000;

/** A file another writer holds for longer than a writer may take. */
export class FileLockTimeout extends Error {}

/**
 * Runs `work` while holding `<path>.lock`. The running agent and `hearth mcp …` both read-modify-write the same
 * files (the CLI queues approvals while the agent records pins); without the lock one would write back a copy that
 * lacks the other's change. The lock is a file made with O_EXCL, so it works across processes on every platform;
 * a lock older than any write can take is a crashed writer's and is taken over.
 */
export function withFileLock<T>(path: string, work: () => T): T {
  const lock = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(lock, "wx", 0o600));
      break;
    } catch (error) {
      if (!(error instanceof Error && "code" in error && error.code === "EEXIST")) throw error;
      if (isStale(lock)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new FileLockTimeout(`${path} is being written by another Hearth process. Try again; if this persists, delete ${lock}.`);
      // A synchronous pause: callers are synchronous (PinStore), and writes take milliseconds.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  try {
    return work();
  } finally {
    rmSync(lock, { force: true });
  }
}

function isStale(lock: string): boolean {
  try {
    return Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS;
  } catch {
    return false;
  }
}
