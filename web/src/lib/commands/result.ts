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

/** One hit of `filesystem.search`: a path, and for a search by content the first matching line. */
export type SearchMatch = { path: string; directory: boolean; line: number | null; preview: string | null };
export type SearchResult = { folders: string[]; matches: SearchMatch[]; truncated: boolean };

const Search = z.object({
  path: z.string().nullable().optional(),
  searched: z.array(z.string()).optional(),
  matches: z.array(
    z.object({ path: z.string(), type: z.string().optional(), line: z.number().optional(), preview: z.string().optional() }),
  ),
  truncated: z.boolean().optional(),
});

/** A `filesystem.search` result (`{matches, searched?, truncated}`), or null for any other result. */
export function readSearch(result: unknown): SearchResult | null {
  const parsed = Search.safeParse(result);
  if (!parsed.success) return null;
  const { path, searched, matches, truncated } = parsed.data;
  return {
    folders: searched ?? (path ? [path] : []),
    matches: matches.map((m) => ({ path: m.path, directory: m.type === "directory", line: m.line ?? null, preview: m.preview ?? null })),
    truncated: truncated ?? false,
  };
}

export type Disk = { path: string; free: number; total: number };
export type SystemFacts = { hostname: string | null; os: string | null; uptimeSeconds: number | null; memory: { free: number; total: number } | null; disks: Disk[] };

const Bytes = z.number().nonnegative();
const SystemInfo = z.object({
  hostname: z.string().optional(),
  os: z.object({ type: z.string().optional(), release: z.string().optional(), arch: z.string().optional() }).optional(),
  uptime_s: z.number().optional(),
  memory: z.object({ free_bytes: Bytes, total_bytes: Bytes }).optional(),
  disks: z.array(z.object({ path: z.string(), free_bytes: Bytes.nullable(), total_bytes: Bytes.nullable() })).optional(),
});

/** A `system.info` result, read for display; disks whose size the agent could not read are left out. */
export function readSystemInfo(result: unknown): SystemFacts | null {
  const parsed = SystemInfo.safeParse(result);
  if (!parsed.success) return null;
  const { hostname, os, uptime_s, memory, disks } = parsed.data;
  const osText = os ? [os.type, os.release, os.arch ? `(${os.arch})` : undefined].filter(Boolean).join(" ") : "";
  return {
    hostname: hostname ?? null,
    os: osText || null,
    uptimeSeconds: uptime_s ?? null,
    memory: memory ? { free: memory.free_bytes, total: memory.total_bytes } : null,
    disks: (disks ?? []).flatMap((disk) => (disk.free_bytes !== null && disk.total_bytes !== null ? [{ path: disk.path, free: disk.free_bytes, total: disk.total_bytes }] : [])),
  };
}

/** "2 h 5 min", "12 min", "3 days 4 h": an uptime for people. */
export function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} days` : `${days} days ${hours % 24} h`;
}

/** What a command did, in one sentence, for actions whose result is a receipt rather than content; null otherwise. */
export function resultSentence(target: string, action: string, result: unknown): string | null {
  const fields = z.record(z.string(), z.unknown()).safeParse(result);
  if (!fields.success) return null;
  const text = (key: string) => (typeof fields.data[key] === "string" ? String(fields.data[key]) : null);
  const count = (key: string) => (typeof fields.data[key] === "number" ? Number(fields.data[key]) : null);
  switch (`${target}.${action}`) {
    case "browser.open": {
      const url = text("url");
      return url ? `Opened ${url} in the browser.` : null;
    }
    case "filesystem.write": {
      const path = text("path");
      const bytes = count("bytes_written");
      const verb = text("mode") === "append" ? "Added to" : text("mode") === "overwrite" ? "Replaced the text of" : "Created";
      return path ? `${verb} ${path}${bytes !== null ? ` (${formatSize(bytes)})` : ""}.` : null;
    }
    case "filesystem.trash": {
      const path = text("path");
      const to = text("trashed_to");
      return path ? `Moved ${path} to the trash${to ? ` (${to}); it can be restored from there` : ""}.` : null;
    }
    case "apps.launch": {
      const name = text("name");
      return name ? `Started ${name}.` : null;
    }
    default:
      return null;
  }
}
