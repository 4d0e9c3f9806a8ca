import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { lstat, open, readlink, realpath, rename, stat, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { replacedByLink, withFsErrors } from "./fs-errors.ts";
import { isInside } from "./sandbox.ts";
import type { Confinement } from "./sandbox.ts";
import { ActionError } from "./types.ts";

/**
 * Opening files so that a link swapped in after `Sandbox.resolve` checked the path cannot lead out of the roots.
 * The check and the open are two steps, and anything on the computer may replace a file or a folder with a link in
 * between; so every open refuses a link as its last step (O_NOFOLLOW) and is checked again from the handle, where
 * the file really is (Linux: /proc/self/fd/N), before a byte is read or written. Writes and moves are done inside a
 * folder held open by a handle (`/proc/self/fd/N/name` names an entry of that very folder, whatever its path now
 * leads to), and a file is created with O_EXCL or replaced by renaming a new temporary file into place, so a link
 * is refused or replaced, never followed. Without /proc (macOS) the handle's device and inode are compared with what the path leads to after the
 * open, which leaves a far narrower window than before.
 */

const PROC_FD = process.platform === "linux" ? "/proc/self/fd" : null;
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** Where an open handle really is: its real path, read from the handle where the platform allows. */
async function whereIs(handle: FileHandle, path: string, display: string): Promise<string> {
  if (PROC_FD) return readlink(`${PROC_FD}/${handle.fd}`);
  const [held, now] = await Promise.all([handle.stat(), stat(path)]);
  if (held.dev !== now.dev || held.ino !== now.ino) throw replacedByLink(display);
  return realpath(path);
}

/** Throws `outside_roots` unless `real` (where a handle really is) lies inside a root's real path. */
function assertInside(roots: Confinement, real: string, display: string): void {
  if (roots.real.some((root) => isInside(root, real))) return;
  throw new ActionError("outside_roots", `${display} was moved out of the folders this agent may use (${roots.shown.join(", ")}) while it was being opened, so nothing was done.`);
}

/**
 * Opens `real` (a path `Sandbox.resolve` accepted) without following a link at its end, and checks from the handle
 * that it is inside the roots. `flags` are O_* flags, e.g. `constants.O_RDONLY`.
 */
export async function openInside(roots: Confinement, real: string, flags: number, display: string): Promise<FileHandle> {
  const handle = await withFsErrors(display, () => open(real, flags | NOFOLLOW));
  try {
    assertInside(roots, await whereIs(handle, real, display), display);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A folder inside the roots, held open: `path` names this very folder and `entry(name)` one of its entries. */
export type HeldFolder = { path: string; entry: (name: string) => string; close: () => Promise<void> };

/** Holds the folder `real` open (after checking it from its handle), for work on its entries. */
export async function holdFolder(roots: Confinement, real: string, display: string): Promise<HeldFolder> {
  if (process.platform === "win32") {
    // Windows cannot open a folder as a file, and making a link there takes privileges: the path is checked again.
    assertInside(roots, await withFsErrors(display, () => realpath(real)), display);
    return { path: real, entry: (name) => join(real, name), close: async () => undefined };
  }
  const handle = await openInside(roots, real, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0), display);
  const path = PROC_FD ? `${PROC_FD}/${handle.fd}` : real;
  return { path, entry: (name) => join(path, name), close: () => handle.close() };
}

/** How `writeInside` writes: "create" never replaces an entry, "overwrite" replaces it, "append" adds to a file. */
export type WriteMode = "create" | "overwrite" | "append";

/**
 * Writes `content` to the entry `name` of a held folder, never through a link. "create" makes the file with
 * O_CREAT|O_EXCL, which fails on any existing entry, a link included. "overwrite" writes a new temporary file
 * (O_CREAT|O_EXCL|O_NOFOLLOW) and renames it into place, which replaces a link itself, never what it points to.
 * "append" opens the file itself with O_NOFOLLOW and checks it from its handle first.
 */
export async function writeInside(roots: Confinement, folder: HeldFolder, name: string, content: string, mode: WriteMode, display: string): Promise<void> {
  const target = folder.entry(name);
  const exclusive = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;
  if (mode !== "overwrite") {
    const handle = await (mode === "create" ? withFsErrors(display, () => open(target, exclusive, 0o666)) : openInside(roots, target, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, display));
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    return;
  }
  const temporary = folder.entry(`.${name.slice(0, 100)}.hearth-${randomBytes(6).toString("hex")}.tmp`);
  const handle = await withFsErrors(display, () => open(temporary, exclusive, 0o666));
  let renamed = false;
  try {
    // The replaced file keeps its permissions.
    const previous = await lstat(target).catch(() => null);
    if (previous?.isFile()) await handle.chmod(previous.mode & 0o7777);
    await handle.writeFile(content);
    await handle.close();
    await withFsErrors(display, () => rename(temporary, target));
    renamed = true;
  } finally {
    if (!renamed) {
      await handle.close().catch(() => undefined);
      await unlink(temporary).catch(() => undefined);
    }
  }
}
