import { execFile } from "node:child_process";
import { cp, mkdir, open, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, extname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Where trashed files go. Tests pass their own `dataHome` so the user's real trash is never touched. */
export type TrashOptions = { platform?: NodeJS.Platform; dataHome?: string; home?: string };

/** The XDG trash folder: `$XDG_DATA_HOME/Trash`, else `~/.local/share/Trash`. */
export function xdgTrashDir(options: TrashOptions = {}): string {
  const dataHome = options.dataHome ?? (process.env.XDG_DATA_HOME || join(options.home ?? homedir(), ".local", "share"));
  return join(dataHome, "Trash");
}

/**
 * Moves a file or folder to the trash, so the user can get it back. Linux follows the XDG trash spec (an info file
 * with the original path and the date, reserved before the move); macOS uses ~/.Trash; Windows the Recycle Bin.
 * `from` is where to take the item from when that is not `path` itself (an entry of a folder held open, so a link
 * swapped into `path` meanwhile cannot redirect the move); `path` is what the trash records. Returns where it went.
 */
export async function moveToTrash(path: string, options: TrashOptions = {}, from: string = path): Promise<string> {
  const platform = options.platform ?? process.platform;
  if (platform === "win32") {
    // The path is an argument to the script, never part of its text, so it cannot inject PowerShell.
    const script =
      "param($p) Add-Type -AssemblyName Microsoft.VisualBasic; if (Test-Path -LiteralPath $p -PathType Container) { [Microsoft.VisualBasic.FileIO.FileSystem]::DeleteDirectory($p, 'OnlyErrorDialogs', 'SendToRecycleBin') } else { [Microsoft.VisualBasic.FileIO.FileSystem]::DeleteFile($p, 'OnlyErrorDialogs', 'SendToRecycleBin') }";
    await run("powershell.exe", ["-NoProfile", "-NonInteractive", "-Command", `& { ${script} }`, path], { windowsHide: true });
    return "Recycle Bin";
  }
  if (platform === "darwin") {
    const trash = join(options.home ?? homedir(), ".Trash");
    await mkdir(trash, { recursive: true });
    for (const name of candidateNames(basename(path))) {
      const target = join(trash, name);
      const reserved = await open(target, "wx").then((handle) => handle.close().then(() => true), () => false);
      if (!reserved) continue;
      await rm(target, { force: true });
      await move(from, target);
      return target;
    }
    throw new Error("Could not find a free name in the trash.");
  }
  return moveToXdgTrash(path, from, xdgTrashDir(options));
}

async function moveToXdgTrash(path: string, from: string, trashDir: string): Promise<string> {
  const files = join(trashDir, "files");
  const info = join(trashDir, "info");
  await mkdir(files, { recursive: true, mode: 0o700 });
  await mkdir(info, { recursive: true, mode: 0o700 });
  for (const name of candidateNames(basename(path))) {
    // The spec reserves a name by creating its .trashinfo with O_EXCL; whoever creates it owns the name.
    const infoPath = join(info, `${name}.trashinfo`);
    const handle = await open(infoPath, "wx", 0o600).catch((error: unknown) => {
      if (error instanceof Error && "code" in error && error.code === "EEXIST") return null;
      throw error;
    });
    if (!handle) continue;
    try {
      await handle.writeFile(`[Trash Info]\nPath=${encodeTrashPath(path)}\nDeletionDate=${localTimestamp(new Date())}\n`);
    } finally {
      await handle.close();
    }
    const target = join(files, name);
    try {
      await move(from, target);
    } catch (error) {
      await rm(infoPath, { force: true });
      throw error;
    }
    return target;
  }
  throw new Error("Could not find a free name in the trash.");
}

/** `report.pdf`, `report 2.pdf`, `report 3.pdf`, … */
function* candidateNames(name: string): Generator<string> {
  yield name;
  const ext = extname(name);
  const stem = ext ? name.slice(0, -ext.length) : name;
  for (let n = 2; n < 10_000; n++) yield `${stem} ${n}${ext}`;
}

/** Renames, or copies then deletes when the trash is on another filesystem. */
async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if (!(error instanceof Error && "code" in error && error.code === "EXDEV")) throw error;
    await cp(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    await rm(from, { recursive: true, force: true });
  }
}

/** The spec's Path: the absolute path, each segment percent-encoded. */
function encodeTrashPath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** The spec's DeletionDate: local time, YYYY-MM-DDThh:mm:ss. */
function localTimestamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
