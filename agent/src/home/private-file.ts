import { chmodSync, renameSync, writeFileSync } from "node:fs";

/**
 * Writes a file only the user may read (mode 0600), atomically: a crash leaves the old file or the new one, never
 * half of one. The chmod matters because `mode` applies only when a file is created.
 */
export function writePrivateFile(path: string, content: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}
