import type { Json } from "#protocol";
import { formatDuration } from "#protocol";
import { mcpResultAnswer } from "./mcp-tools.ts";
import type { ParsedCommand } from "./parser.ts";

// The respond node's wording, as plain templates. What must stay true: output from a machine is DATA. It is
// only ever quoted back to the user (clipped, inside a code block), never given to a model and never parsed
// for commands, so a file that says "ignore previous instructions" is just text the user reads.

/** How a turn ended, as stored in the graph state. */
export type TurnOutcome =
  | { kind: "reply"; text: string }
  | { kind: "denied_by_rule" }
  | { kind: "declined" }
  | { kind: "done"; data: Json }
  | { kind: "failed"; error: { code: string; message: string } }
  | { kind: "queued"; reason: string };

export type AnswerContext = { command: ParsedCommand | null; summary: string | null; deviceName: string | null };

/** Bounds that keep an answer short whatever the machine sent back. */
export const ANSWER_LIMITS = { listItems: 20, contentChars: 2000, jsonChars: 800 } as const;

/** The user-facing answer for a finished turn; deterministic, no model. */
export function answerFor(outcome: TurnOutcome, context: AnswerContext): string {
  const what = context.summary ?? (context.command ? `${context.command.target}.${context.command.action}` : "that");
  const device = context.deviceName ?? "your device";
  switch (outcome.kind) {
    case "reply":
      return outcome.text;
    case "denied_by_rule":
      return `I didn't do that: a permission rule denies it (${what} on ${device}). Change the rule under Permissions if you want to allow it.`;
    case "declined":
      return `OK, I didn't do it (${what}).`;
    case "queued":
      return `${what}: queued — it will run when ${device} reconnects.`;
    case "failed":
      return `${what} on ${device} failed: ${outcome.error.message}`;
    case "done":
      return mcpResultAnswer(outcome.data, what, fence) ?? (context.command ? summariseResult(context.command, outcome.data, what) : `Done: ${what}.`);
  }
}

function summariseResult(command: ParsedCommand, data: Json, what: string): string {
  const key = `${command.target}.${command.action}`;
  const result = isRecord(data) ? data : {};
  switch (key) {
    case "filesystem.list": {
      const entries = Array.isArray(result.entries) ? result.entries.filter(isRecord) : [];
      const names = entries.map((entry) => `${str(entry.name)}${entry.type === "directory" ? "/" : ""}`);
      const total = typeof result.total === "number" ? result.total : names.length;
      // No path: the agent listed its own folders (nothing was named).
      if (result.path === null) return `The agent may use ${plural(total, "folder")}:\n${bullets(names, total)}`;
      if (total === 0) return `${str(result.path, "That folder")} is empty.`;
      return `${str(result.path, "The folder")} has ${plural(total, "item")}:\n${bullets(names, total)}`;
    }
    case "filesystem.search": {
      const matches = Array.isArray(result.matches) ? result.matches.filter(isRecord) : [];
      const searched = Array.isArray(result.searched) ? result.searched.filter((folder) => typeof folder === "string") : [];
      if (matches.length === 0) return `Nothing found (${what})${searched.length > 0 ? `; I looked in ${searched.join(", ")}` : ""}.`;
      const lines = matches.map((m) => (typeof m.line === "number" ? `${str(m.path)} (line ${m.line}: ${str(m.preview)})` : str(m.path)));
      return `Found ${plural(matches.length, "match", "matches")}${result.truncated === true ? " (more were cut off)" : ""}:\n${bullets(lines, matches.length)}`;
    }
    case "filesystem.read": {
      const content = typeof result.content === "string" ? result.content : "";
      const clipped = content.length > ANSWER_LIMITS.contentChars;
      const shown = clipped ? `${content.slice(0, ANSWER_LIMITS.contentChars)}…` : content;
      const cut = clipped || result.truncated === true ? " (cut short)" : "";
      return `${str(result.path, "The file")}${cut}:\n${fence(shown)}`;
    }
    case "filesystem.write": {
      const bytes = typeof result.bytes_written === "number" ? ` (${plural(result.bytes_written, "byte")})` : "";
      const verb = result.mode === "append" ? "Added to" : result.mode === "overwrite" ? "Replaced the text of" : "Created";
      return `${verb} ${str(result.path, "the file")}${bytes}.`;
    }
    case "filesystem.trash":
      return `Moved ${str(result.path, "it")} to the trash${typeof result.trashed_to === "string" ? ` (${result.trashed_to}); you can restore it` : ""}.`;
    case "browser.open":
      return `Opened ${str(result.url, "the page")} in your browser.`;
    case "apps.launch":
      return `Started ${str(result.name, "the app")}.`;
    case "system.info":
      return systemInfo(result);
    default:
      return `Done: ${what}.\n${fence(clip(JSON.stringify(data), ANSWER_LIMITS.jsonChars))}`;
  }
}

function systemInfo(result: Record<string, Json>): string {
  const os = isRecord(result.os) ? result.os : {};
  const memory = isRecord(result.memory) ? result.memory : {};
  const parts = [
    `${str(result.hostname, "This computer")}: ${str(os.type, "unknown OS")} ${str(os.release)} (${str(os.arch)})`.trim(),
    typeof result.uptime_s === "number" ? `up ${formatDuration(result.uptime_s)}` : "",
    typeof memory.free_bytes === "number" && typeof memory.total_bytes === "number"
      ? `${gib(memory.free_bytes)} of ${gib(memory.total_bytes)} memory free`
      : "",
  ];
  // Disk space first: it is what "how much disk space do I have?" asks, and memory is not disk.
  return [...diskLines(result.disks), parts.filter(Boolean).join(", ") + "."].join("\n\n");
}

/** One line per disk: folders on the same disk share a line (the agent reads each filesystem once, so their figures are equal). */
function diskLines(disks: Json | undefined): string[] {
  const byDisk = new Map<string, { folders: string[]; free: number; total: number }>();
  for (const disk of Array.isArray(disks) ? disks.filter(isRecord) : []) {
    if (typeof disk.free_bytes !== "number" || typeof disk.total_bytes !== "number") continue;
    const key = `${disk.free_bytes}/${disk.total_bytes}`;
    const entry = byDisk.get(key) ?? { folders: [], free: disk.free_bytes, total: disk.total_bytes };
    entry.folders.push(str(disk.path, "?"));
    byDisk.set(key, entry);
  }
  return [...byDisk.values()].map(({ folders, free, total }) => `Disk space: ${gib(free)} free of ${gib(total)} (${folders.join(", ")}).`);
}

/** A fenced block whose fence is longer than any backtick run inside, so quoted text cannot close it. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((run) => run[0].length));
  const ticks = "`".repeat(longest + 1);
  return `${ticks}\n${text}\n${ticks}`;
}

function bullets(items: string[], total: number): string {
  const shown = items.slice(0, ANSWER_LIMITS.listItems).map((item) => `- ${clip(item, 200)}`);
  if (total > shown.length) shown.push(`- … and ${total - shown.length} more`);
  return shown.join("\n");
}

const isRecord = (value: Json | undefined): value is Record<string, Json> => typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: Json | undefined, fallback = "") => (typeof value === "string" ? value : fallback);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
