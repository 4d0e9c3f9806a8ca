import type { CommandView } from "#protocol";
import { prettyJson } from "./parameters.ts";
import { formatSize, readFileListing, readFileText, readSearch, readSystemInfo, resultImages, resultSentence } from "./result.ts";
import type { FileListing, SearchResult, SystemFacts } from "./result.ts";
import { readMcpResult } from "./mcp-result.ts";
import type { McpResultView } from "./mcp-result.ts";

// What a command's card shows, decided here so that it can be tested without a DOM: CommandResult.svelte and
// CommandItem.svelte only lay these out. Each action's result reads as what it is (a file list, matches, disk
// space, a sentence); anything unrecognised still shows, as JSON, so a result is never hidden.

/** The one way a finished command's result is shown. */
export type ResultView =
  | { kind: "files"; listing: FileListing }
  | { kind: "search"; search: SearchResult }
  | { kind: "system"; facts: SystemFacts }
  | { kind: "opened"; url: string }
  | { kind: "receipt"; sentence: string }
  | { kind: "text"; content: string; truncated: boolean }
  | { kind: "images"; images: string[] }
  /** A bridged MCP tool's result: its pieces (text, images, resources…) and its structured content. */
  | { kind: "mcp"; mcp: McpResultView }
  | { kind: "json"; json: string }
  | { kind: "empty" };

/**
 * How a finished command's result reads, and the raw JSON to offer under "Raw result" where the view is a
 * reading of it (null where the view already is the whole result).
 * @example resultView({ target: "apps", action: "launch", result: { name: "Calculator" } }) // { view: { kind: "receipt", sentence: "Started Calculator." }, raw: '{\n  "name": "Calculator"\n}' }
 */
export function resultView(command: Pick<CommandView, "target" | "action" | "result">): { view: ResultView; raw: string | null } {
  const { target, action, result } = command;
  // A bridged tool's result is recognised by its shape, whatever the server and tool are called; its pieces are the
  // whole of it (the raw JSON would repeat every image's base64).
  const mcp = readMcpResult(result);
  if (mcp) return { view: { kind: "mcp", mcp }, raw: null };
  const json = prettyJson(result);
  const read = (view: ResultView) => ({ view, raw: json || null });
  const whole = (view: ResultView) => ({ view, raw: null });
  const listing = `${target}.${action}` === "filesystem.list" ? readFileListing(result) : null;
  if (listing) return read({ kind: "files", listing });
  const search = `${target}.${action}` === "filesystem.search" ? readSearch(result) : null;
  if (search) return read({ kind: "search", search });
  const facts = `${target}.${action}` === "system.info" ? readSystemInfo(result) : null;
  if (facts) return read({ kind: "system", facts });
  const sentence = resultSentence(target, action, result);
  if (sentence) {
    const url = `${target}.${action}` === "browser.open" ? openedUrl(result) : null;
    return read(url ? { kind: "opened", url } : { kind: "receipt", sentence });
  }
  const text = `${target}.${action}` === "filesystem.read" ? readFileText(result) : null;
  if (text) return whole({ kind: "text", content: text.content, truncated: text.truncated });
  const images = resultImages(result);
  if (images.length > 0) return whole({ kind: "images", images });
  return whole(json ? { kind: "json", json } : { kind: "empty" });
}

/** A URL the browser opened, only if it is a web address a link may point at. */
function openedUrl(result: unknown): string | null {
  const value = result && typeof result === "object" && "url" in result ? result.url : null;
  return typeof value === "string" && /^https?:\/\//i.test(value) ? value : null;
}

/** "3 items", "1 item": a listing's count. */
export function itemCount(listing: FileListing): string {
  return `${listing.total} ${listing.total === 1 ? "item" : "items"}`;
}

/** "; the first 200 were sent" when the agent sent only part of a listing, or "". */
export function partialNote(listing: FileListing): string {
  return listing.total > listing.entries.length ? `; the first ${listing.entries.length} were sent` : "";
}

/** "Nothing found", "1 match", "12 matches": a search's count. */
export function matchCount(search: SearchResult): string {
  const n = search.matches.length;
  return n === 0 ? "Nothing found" : `${n} ${n === 1 ? "match" : "matches"}`;
}

/** A disk's line: its free space, and every folder the agent measured on it. */
export type DiskLine = { text: string; folders: string[]; used: number; total: number };

/** Disk space, one line per disk: folders on one disk report the same figures, so they share a line. */
export function diskLines(facts: SystemFacts): DiskLine[] {
  const byDisk = new Map<string, { folders: string[]; free: number; total: number }>();
  for (const disk of facts.disks) {
    const key = `${disk.free}/${disk.total}`;
    const entry = byDisk.get(key) ?? { folders: [], free: disk.free, total: disk.total };
    entry.folders.push(disk.path);
    byDisk.set(key, entry);
  }
  return [...byDisk.values()].map(({ folders, free, total }) => ({ text: `${formatSize(free)} free`, folders, used: total - free, total }));
}

/**
 * What went wrong with a command, as its card says it: a failure (a denial is one, with its code), an expiry, or
 * nothing. `label` leads the line where the agent gave a reason; `alert` is true where the card announces it (a
 * failure, not an expiry).
 */
export function commandProblem(command: Pick<CommandView, "status" | "error">): { label: string | null; message: string; code: string | null; alert: boolean } | null {
  if (command.error) {
    const label = command.status === "expired" ? "Expired" : "Failed";
    return { label, message: command.error.message, code: command.error.code, alert: command.status === "failed" };
  }
  if (command.status === "expired") return { label: null, message: "Expired before the device could run it.", code: null, alert: false };
  return null;
}
