import { z } from "zod";
import {
  ActivityFrame,
  AgentAckFrame,
  AgentAcksFrame,
  AgentPermissionRequestFrame,
  AuditFrame,
  ConnectorsFrame,
  HelloFrame,
  LocalAuditEntry,
  PingFrame,
  ResultFrame,
  ResultsFrame,
} from "#protocol";
import type { RefusedEvent } from "#protocol";
import type { AuditLine } from "./d1-sync.ts";

// Commands that local clients (an MCP client through `hearth mcp serve`, the local endpoint's other clients) ran on
// the agent, as lines of the server's audit log. The agent sends them through its durable outbox, so an entry can
// arrive twice (the ack was lost with the socket); D1's unique index `audit_local_entry_idx` on (user, device,
// entry_id) of `local_command` lines makes the second a no-op, for ever, without a seen-set here to prune.

/** The audit kind of a local client's command. */
export const LOCAL_COMMAND_KIND = "local_command";

/**
 * The `audit` frame as the relay reads it: its entries are checked one by one (as `activity`'s events are), so one
 * malformed entry (an agent newer or older than this relay) is refused by index while the rest are stored, instead
 * of the whole frame coming back for ever from the agent's outbox.
 */
export const InboundAuditFrame = AuditFrame.extend({ entries: z.array(z.unknown()).min(1).max(100) });

/** Every frame an agent may send, as the relay reads them (`AgentFrame` with the per-entry `audit` frame). */
export const InboundAgentFrame = z.discriminatedUnion("type", [
  PingFrame,
  HelloFrame,
  AgentAckFrame,
  ResultFrame,
  AgentAcksFrame,
  ResultsFrame,
  ActivityFrame,
  AgentPermissionRequestFrame,
  ConnectorsFrame,
  InboundAuditFrame,
]);
export type InboundAgentFrame = z.infer<typeof InboundAgentFrame>;

/** A line of the summary may be shown anywhere: control characters (a newline in a client's name) become spaces. */
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim();

/** Summaries stay short in the log's list; the detail keeps the whole entry. */
const MAX_SUMMARY = 500;

/**
 * The audit line's words, e.g. `claude-desktop (MCP) ran filesystem.read on ~/notes.txt: done`, or
 * `… ran filesystem.write on ~/x: failed (timeout), ask:allow_once` when the agent's decision was not a plain allow,
 * or `… was refused shell.run (deny:local rule)` when the agent said no.
 */
export function localAuditSummary(entry: LocalAuditEntry): string {
  const who = entry.client || "A local client";
  const what = `${entry.target}.${entry.action}${entry.scope ? ` on ${entry.scope}` : ""}`;
  const failed = /^failed:(.+)$/.exec(entry.outcome);
  const outcome = failed ? `failed (${failed[1]})` : entry.outcome;
  const decision = entry.decision === "allow" ? "" : `, ${entry.decision}`;
  const summary = oneLine(entry.decision.startsWith("deny") ? `${who} was refused ${what} (${entry.decision})` : `${who} ran ${what}: ${outcome}${decision}`);
  return summary.length > MAX_SUMMARY ? `${summary.slice(0, MAX_SUMMARY - 1)}…` : summary;
}

/**
 * The audit lines of an `audit` frame's entries, and the entries refused (by index, with why). A line is dated when
 * the agent ran the command (it may be sent hours later), but never later than `now`: a clock running ahead on the
 * computer does not put lines in the future.
 */
export function localAuditLines(deviceId: string, entries: readonly unknown[], now: number): { lines: AuditLine[]; refused: RefusedEvent[] } {
  const lines: AuditLine[] = [];
  const refused: RefusedEvent[] = [];
  for (const [index, raw] of entries.entries()) {
    const parsed = LocalAuditEntry.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
      refused.push({ index, reason: `Not a local audit entry (${where}${issue?.message ?? "unknown problem"}).` });
      continue;
    }
    const entry = parsed.data;
    lines.push({ kind: LOCAL_COMMAND_KIND, summary: localAuditSummary(entry), deviceId, commandId: null, detail: entry, at: Math.min(entry.at, now) });
  }
  return { lines, refused };
}
