import { constants } from "node:fs";
import { lstat, mkdir, readdir, realpath, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { z } from "zod";
import { DEFAULT_OPTIONS } from "../defaults.ts";
import { homeRelative } from "../permissions/store.ts";
import { kindOf, looksBinary, withFsErrors } from "./fs-errors.ts";
import { holdFolder, openInside, writeInside } from "./fs-handles.ts";
import { searchAction } from "./fs-search.ts";
import { Sandbox } from "./sandbox.ts";
import type { HoldOption } from "./sandbox.ts";
import { moveToTrash } from "./trash.ts";
import type { TrashOptions } from "./trash.ts";
import { ActionError, defineAction } from "./types.ts";
import type { Connector } from "./types.ts";

export type FilesystemOptions = {
  roots: readonly string[];
  maxReadBytes?: number;
  home?: string;
  trash?: TrashOptions;
  /** Folders and files no action may reach even inside a root (Hearth's own; see Sandbox). */
  protect?: readonly string[];
  searchMaxVisited?: number;
  searchMaxFileBytes?: number;
};

/** What the reading actions pass to Sandbox: they may name a folder that holds Hearth's own. */
const READING: HoldOption = { mayHold: true };

const PathParam = z.string().min(1).max(4096).describe("A path inside the allowed folders. ~ is the home folder; a relative path is read from the home folder.");

/** The filesystem connector: list, stat, read, search (read-only), write and trash, all confined to the roots. */
export function createFilesystemConnector(options: FilesystemOptions): Connector {
  const home = options.home ?? homedir();
  const sandbox = new Sandbox(options.roots, home, options.protect);
  const maxReadBytes = options.maxReadBytes ?? DEFAULT_OPTIONS.maxReadBytes;
  const scopes = (params: { path: string }) => sandbox.scopes(params.path);
  // The reading actions may name a folder holding Hearth's own (list `~`); nothing may reach inside one (Sandbox).
  const readScopes = (params: { path: string }) => sandbox.scopes(params.path, READING);

  const list = defineAction({
    description: "List a folder: names, kinds, sizes and modification times. With no path: the allowed folders (or the one allowed folder's entries).",
    readOnly: true,
    parameters: z.object({
      path: PathParam.optional(),
      include_hidden: z.boolean().default(false),
      limit: z.number().int().min(1).max(5000).default(500),
    }),
    scopes: (params) => (params.path === undefined ? sandbox.displayRoots() : sandbox.scopes(params.path, READING)),
    run: async (params) => {
      const only = sandbox.displayRoots();
      // With no folder named, one allowed folder is listed itself; several are listed as the folders they are.
      const path = params.path ?? (only.length === 1 ? only[0] : undefined);
      if (path === undefined) return listRoots(sandbox);
      const target = await sandbox.resolve(path, READING);
      const folder = await holdFolder(await sandbox.confinement(), target.real, target.display);
      try {
        const dirents = await withFsErrors(target.display, () => readdir(folder.path, { withFileTypes: true }));
        const shown = dirents.filter((entry) => params.include_hidden || !entry.name.startsWith(".")).sort((a, b) => a.name.localeCompare(b.name));
        const entries = await Promise.all(
          shown.slice(0, params.limit).map(async (entry) => {
            const info = await lstat(folder.entry(entry.name)).catch(() => null);
            return { name: entry.name, type: kindOf(entry), size: info?.size ?? null, modified: info ? info.mtime.toISOString() : null };
          }),
        );
        return { path: target.display, entries, total: shown.length, truncated: shown.length > params.limit };
      } finally {
        await folder.close();
      }
    },
  });

  const statAction = defineAction({
    description: "Describe one file or folder: kind, size, times.",
    readOnly: true,
    parameters: z.object({ path: PathParam }),
    scopes: readScopes,
    run: async (params) => {
      const target = await sandbox.resolve(params.path, READING);
      const link = await withFsErrors(target.display, () => lstat(target.path));
      const info = await withFsErrors(target.display, () => stat(target.real));
      return {
        path: target.display,
        type: kindOf(info),
        symlink: link.isSymbolicLink() ? homeRelative(target.real, home) : null,
        size: info.size,
        modified: info.mtime.toISOString(),
        created: info.birthtime.toISOString(),
      };
    },
  });

  const read = defineAction({
    description: `Read a text file, up to ${maxReadBytes} bytes; says when the file was cut short.`,
    readOnly: true,
    parameters: z.object({ path: PathParam, max_bytes: z.number().int().min(1).max(maxReadBytes).optional() }),
    scopes: readScopes,
    run: async (params) => {
      const target = await sandbox.resolve(params.path, READING);
      const cap = params.max_bytes ?? maxReadBytes;
      const handle = await openInside(await sandbox.confinement(), target.real, constants.O_RDONLY, target.display);
      try {
        const info = await handle.stat();
        if (info.isDirectory()) throw new ActionError("invalid_parameters", `${target.display} is a folder. Use filesystem.list to see what is in it.`);
        const bytes = new Uint8Array(Math.min(info.size, cap));
        const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0);
        const data = bytes.subarray(0, bytesRead);
        if (looksBinary(data)) throw new ActionError("execution_failed", `${target.display} is not a text file (${info.size} bytes), so it cannot be read as text.`);
        const truncated = info.size > bytesRead;
        // A cut can split a multi-byte character; drop the broken tail rather than return a replacement character.
        const text = Buffer.from(data).toString("utf8");
        const content = truncated ? text.replace(/\uFFFD+$/, "") : text;
        return {
          path: target.display,
          size: info.size,
          content,
          truncated,
          ...(truncated ? { note: `Only the first ${bytesRead} of ${info.size} bytes are shown.` } : {}),
        };
      } finally {
        await handle.close();
      }
    },
  });

  const write = defineAction({
    description: 'Write a text file. mode "create" (default) refuses to replace a file; "overwrite" replaces it; "append" adds to it.',
    readOnly: false,
    parameters: z.object({
      path: PathParam,
      content: z.string().max(8 * 1024 * 1024),
      mode: z.enum(["create", "overwrite", "append"]).default("create"),
      create_folders: z.boolean().default(false).describe("Create missing parent folders (inside the allowed folders)."),
    }),
    scopes,
    run: async (params) => {
      const target = await sandbox.resolve(params.path);
      const roots = await sandbox.confinement();
      if (roots.real.includes(target.real)) throw new ActionError("invalid_parameters", `${target.display} is one of the allowed folders, not a file.`);
      if (params.create_folders) await withFsErrors(homeRelative(dirname(target.path), home), () => mkdir(dirname(target.real), { recursive: true }));
      const folder = await holdFolder(roots, dirname(target.real), target.display);
      try {
        await writeInside(roots, folder, basename(target.real), params.content, params.mode, target.display);
      } finally {
        await folder.close();
      }
      return { path: target.display, mode: params.mode, bytes_written: Buffer.byteLength(params.content) };
    },
  });

  const trash = defineAction({
    description: "Move a file or folder to the trash (recoverable), never delete it outright.",
    readOnly: false,
    parameters: z.object({ path: PathParam }),
    scopes,
    run: async (params) => {
      const target = await sandbox.resolve(params.path);
      // Trash the entry the user named: for a link, the link itself, not what it points to.
      const entry = join(await withFsErrors(target.display, () => realpath(dirname(target.path))), basename(target.path));
      await withFsErrors(target.display, () => lstat(entry));
      const roots = await sandbox.confinement();
      if (roots.real.some((root) => relative(entry, root) === "" || relative(target.real, root) === "")) {
        throw new ActionError("outside_roots", `${target.display} is one of the allowed folders itself; it cannot be trashed.`);
      }
      // Moved out of its folder held open, so a link swapped in for a folder on the way cannot send the move elsewhere.
      const folder = await holdFolder(roots, dirname(entry), target.display);
      try {
        const trashedTo = await withFsErrors(target.display, () => moveToTrash(entry, { home, ...options.trash }, folder.entry(basename(entry))));
        return { path: target.display, trashed_to: homeRelative(trashedTo, home) };
      } finally {
        await folder.close();
      }
    },
  });

  return {
    target: "filesystem",
    description: `Files and folders in ${sandbox.displayRoots().join(", ")}.`,
    actions: {
      list,
      stat: statAction,
      read,
      search: searchAction(sandbox, {
        maxVisited: options.searchMaxVisited ?? DEFAULT_OPTIONS.searchMaxVisited,
        maxFileBytes: options.searchMaxFileBytes ?? DEFAULT_OPTIONS.searchMaxFileBytes,
        home,
      }),
      write,
      trash,
    },
  };
}

/** The allowed folders as a listing (`path` null): what "list" with no folder shows when there are several. */
async function listRoots(sandbox: Sandbox) {
  const shown = sandbox.displayRoots();
  const entries = await Promise.all(
    sandbox.roots.map(async (root, index) => {
      const info = await stat(root).catch(() => null);
      return { name: shown[index] ?? root, type: "directory", size: null, modified: info ? info.mtime.toISOString() : null };
    }),
  );
  return { path: null, entries, total: entries.length, truncated: false };
}
