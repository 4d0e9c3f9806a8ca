import { z } from "zod";

export type FileEntry = { name: string; directory: boolean; size: number | null; modified: number | null };

// Agents describe a listing in a few reasonable ways; all of them read as the same list of entries.
const Time = z.union([z.number(), z.string().transform((text) => Date.parse(text))]).transform((ms) => (Number.isFinite(ms) ? ms : null));

const EntryObject = z
  .object({
    name: z.string(),
    type: z.string().optional(),
    kind: z.string().optional(),
    is_dir: z.boolean().optional(),
    is_directory: z.boolean().optional(),
    directory: z.boolean().optional(),
    size: z.number().nullable().optional(),
    modified: Time.nullable().optional(),
    modified_at: Time.nullable().optional(),
    mtime: Time.nullable().optional(),
  })
  .transform((entry): FileEntry => {
    const kind = entry.type ?? entry.kind;
    return {
      name: entry.name,
      directory: entry.is_dir ?? entry.is_directory ?? entry.directory ?? (kind === "directory" || kind === "dir" || kind === "folder"),
      size: entry.size ?? null,
      modified: entry.modified ?? entry.modified_at ?? entry.mtime ?? null,
    };
  });

const Entry = z.union([
  z.string().transform((name): FileEntry => ({ name: name.replace(/\/$/, ""), directory: name.endsWith("/"), size: null, modified: null })),
  EntryObject,
]);

const Listed = { path: z.string().nullable().optional(), total: z.number().optional() };
const Listing = z.union([
  z.array(Entry).transform((entries) => ({ path: null, entries, total: entries.length })),
  z.object({ ...Listed, entries: z.array(Entry) }).transform(({ path, entries, total }) => ({ path: path ?? null, entries, total: total ?? entries.length })),
  z.object({ ...Listed, files: z.array(Entry) }).transform(({ path, files, total }) => ({ path: path ?? null, entries: files, total: total ?? files.length })),
]);

/** A folder's listing; `total` counts every entry, when the agent sent only the first `entries.length`. */
export type FileListing = { path: string | null; entries: FileEntry[]; total: number };

/** A filesystem listing in a command's result, read for display, or `null` when the result is something else. */
export function readFileListing(result: unknown): FileListing | null {
  const parsed = Listing.safeParse(result);
  if (!parsed.success) return null;
  // Folders first, then by name, as file managers show them.
  const entries = [...parsed.data.entries].sort((a, b) => Number(b.directory) - Number(a.directory) || a.name.localeCompare(b.name));
  return { path: parsed.data.path, entries, total: Math.max(parsed.data.total, entries.length) };
}

const SIZE_UNITS = ["bytes", "KB", "MB", "GB", "TB"];

/** "1.2 MB": a byte count for people. */
export function formatSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} ${bytes === 1 ? "byte" : "bytes"}` : `${value.toFixed(value < 10 ? 1 : 0)} ${SIZE_UNITS[unit]}`;
}

/** A file's text, as `filesystem.read` returns it (`{path, content, truncated}`), or null for any other result. */
export function readFileText(result: unknown): { path: string | null; content: string; truncated: boolean } | null {
  const parsed = z.object({ path: z.string().nullable().optional(), content: z.string(), truncated: z.boolean().optional() }).safeParse(result);
  return parsed.success ? { path: parsed.data.path ?? null, content: parsed.data.content, truncated: parsed.data.truncated ?? false } : null;
}

/** Images a result carries as `data:image/…` URLs (rich media from a connector), at most a few. */
export function resultImages(result: unknown, limit = 4): string[] {
  const found: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (found.length >= limit || depth > 4) return;
    if (typeof value === "string" && /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/.test(value)) found.push(value);
    else if (Array.isArray(value)) for (const item of value) visit(item, depth + 1);
    else if (value && typeof value === "object") for (const item of Object.values(value)) visit(item, depth + 1);
  };
  visit(result, 0);
  return found;
}
