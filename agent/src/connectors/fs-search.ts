import { constants } from "node:fs";
import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { z } from "zod";
import { globMatch } from "#protocol";
import { homeRelative } from "../permissions/store.ts";
import { looksBinary, withFsErrors } from "./fs-errors.ts";
import { holdFolder, openInside } from "./fs-handles.ts";
import type { Confinement } from "./sandbox.ts";
import { isInside } from "./sandbox.ts";
import type { Sandbox } from "./sandbox.ts";
import { ActionError, defineAction } from "./types.ts";
import type { Action } from "./types.ts";

export type SearchLimits = { maxVisited: number; maxFileBytes: number; home: string };

const SearchParameters = z
  .object({
    path: z.string().min(1).max(4096).optional().describe("The folder to search in; leave it out to search all the allowed folders."),
    name: z.string().min(1).max(200).optional().describe("Part of the file name, or a glob like *.pdf (case-insensitive)."),
    content: z.string().min(1).max(200).optional().describe("Text the file contains (case-insensitive; text files only)."),
    max_results: z.number().int().min(1).max(1000).default(100),
    max_depth: z.number().int().min(0).max(32).default(10),
    include_hidden: z.boolean().default(false),
  })
  .refine((params) => params.name !== undefined || params.content !== undefined, { error: "Give a name, a content, or both." });

type Match = { path: string; type: "file" | "directory"; line?: number; preview?: string };
type Base = { path: string; real: string };

/** filesystem.search: finds files by name and by content, breadth-first, without following links, within bounds. */
export function searchAction(sandbox: Sandbox, limits: SearchLimits): Action {
  return defineAction({
    description: "Find files under a folder (or under every allowed folder) by name and/or by text they contain. Bounded; says when results were cut short.",
    readOnly: true,
    parameters: SearchParameters,
    scopes: (params) => (params.path === undefined ? sandbox.displayRoots() : sandbox.scopes(params.path, { mayHold: true })),
    run: async (params) => {
      const bases = params.path === undefined ? await existingRoots(sandbox) : [await folderToSearch(sandbox, params.path)];
      const roots = await sandbox.confinement();
      const nameMatches = nameMatcher(params.name);
      const needle = params.content?.toLowerCase();
      const matches: Match[] = [];
      let visited = 0;
      let truncated = false;
      let queue = bases.map((base) => ({ dir: base.real, depth: 0, base }));
      // Breadth-first across every base at once, so a bounded search finds what is near the top of each first.
      walk: while (queue.length > 0) {
        const next: typeof queue = [];
        for (const { dir, depth, base } of queue) {
          const entries = await listFolder(roots, dir);
          entries.sort((a, b) => a.name.localeCompare(b.name));
          for (const entry of entries) {
            if (!params.include_hidden && entry.name.startsWith(".")) continue;
            if (++visited > limits.maxVisited) {
              truncated = true;
              break walk;
            }
            const full = join(dir, entry.name);
            const shown = homeRelative(join(base.path, relative(base.real, full)), limits.home);
            if (entry.isDirectory()) {
              if (depth < params.max_depth) next.push({ dir: full, depth: depth + 1, base });
              if (nameMatches(entry.name) && needle === undefined) matches.push({ path: shown, type: "directory" });
            } else if (entry.isFile() && nameMatches(entry.name)) {
              if (needle === undefined) matches.push({ path: shown, type: "file" });
              else {
                const hit = await findInFile(roots, full, needle, limits.maxFileBytes);
                if (hit) matches.push({ path: shown, type: "file", ...hit });
              }
            }
            if (matches.length >= params.max_results) {
              truncated = true;
              break walk;
            }
          }
        }
        queue = next;
      }
      const searched = bases.map((base) => homeRelative(base.path, limits.home));
      // `path` is the one folder asked for, or null when every allowed folder was searched (`searched` lists them).
      return { path: params.path === undefined ? null : (searched[0] ?? null), searched, matches, truncated, visited: Math.min(visited, limits.maxVisited) };
    },
  });
}

async function folderToSearch(sandbox: Sandbox, path: string): Promise<Base> {
  // Reading only: it may start at a folder that holds Hearth's own (Sandbox refuses what is inside them).
  const base = await sandbox.resolve(path, { mayHold: true });
  const info = await withFsErrors(base.display, () => stat(base.real));
  if (!info.isDirectory()) throw new ActionError("invalid_parameters", `${base.display} is a file; search needs a folder.`);
  return base;
}

/** Every allowed folder that exists: with no folder named, a search covers them all (a missing one is no error). */
async function existingRoots(sandbox: Sandbox): Promise<Base[]> {
  // The roots are inside by definition: their real paths are read once, not resolved root by root.
  const reals = await sandbox.realRoots();
  const found = await Promise.all(
    sandbox.roots.map(async (path, index): Promise<Base | null> => {
      const real = reals[index];
      const info = real === undefined ? null : await stat(real).catch(() => null);
      return real !== undefined && info?.isDirectory() ? { path, real } : null;
    }),
  );
  const bases = found.filter((base) => base !== null);
  // A root inside another root is searched once, as part of the outer one.
  return bases.filter((base, index) => !bases.some((other, at) => at !== index && isInside(other.real, base.real) && (other.real !== base.real || at < index)));
}

function nameMatcher(name: string | undefined): (entry: string) => boolean {
  if (name === undefined) return () => true;
  const lower = name.toLowerCase();
  if (/[*?]/.test(lower)) return (entry) => globMatch(lower, entry.toLowerCase());
  return (entry) => entry.toLowerCase().includes(lower);
}

/** A folder's entries, read from the folder held open (none when it cannot be, or has left the roots meanwhile). */
async function listFolder(roots: Confinement, dir: string): Promise<Dirent[]> {
  const folder = await holdFolder(roots, dir, dir).catch(() => null);
  if (!folder) return [];
  try {
    return await readdir(folder.path, { withFileTypes: true }).catch(() => []);
  } finally {
    await folder.close();
  }
}

/** The first line containing `needle`, or null. Large and binary files, and files that left the roots, are skipped. */
async function findInFile(roots: Confinement, path: string, needle: string, maxBytes: number): Promise<{ line: number; preview: string } | null> {
  const handle = await openInside(roots, path, constants.O_RDONLY, path).catch(() => null);
  if (!handle) return null;
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) return null;
    const bytes = new Uint8Array(size);
    await handle.read(bytes, 0, size, 0);
    if (looksBinary(bytes)) return null;
    const lines = Buffer.from(bytes).toString("utf8").split("\n");
    const index = lines.findIndex((line) => line.toLowerCase().includes(needle));
    if (index < 0) return null;
    return { line: index + 1, preview: (lines[index] ?? "").trim().slice(0, 200) };
  } finally {
    await handle.close();
  }
}
