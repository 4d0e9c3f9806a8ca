import type { AuditEntry } from "#protocol";

// How one audit line reads in the log. Most lines are read from their kind ("command.done") and summary; a local
// client's command (`local_command`, from `hearth mcp serve` or the local endpoint) also names the program that
// asked and what the agent decided, from its detail, because that is what the line is for.

export type AuditTone = "good" | "bad" | "plain";

/** The kind's badge, its tone, and for a local command the client and the agent's decision. */
export type AuditEntryView = { kind: string; tone: AuditTone; client: string | null; decision: string | null };

const KIND_WORDS: Record<string, string> = { local_command: "local command" };

/**
 * How a line reads.
 * @example auditEntryView({ kind: "local_command", detail: { client: "Claude (MCP)", decision: "ask:allow_once", outcome: "done" }, … }) // { kind: "local command", tone: "good", client: "Claude (MCP)", decision: "asked you: allowed once" }
 */
export function auditEntryView(entry: Pick<AuditEntry, "kind" | "detail">): AuditEntryView {
  if (entry.kind !== "local_command") return { kind: entry.kind, tone: kindTone(entry.kind), client: null, decision: null };
  const text = (key: string) => {
    const value = entry.detail[key];
    return typeof value === "string" && value !== "" ? value : null;
  };
  const outcome = text("outcome") ?? "";
  const decision = text("decision");
  const denied = decision?.startsWith("deny") ?? false;
  return {
    kind: KIND_WORDS[entry.kind] ?? entry.kind,
    tone: outcome.startsWith("failed") || denied ? "bad" : outcome === "done" ? "good" : "plain",
    client: text("client"),
    // "none": refused before any rule was asked (a path outside the folders); the summary's outcome says why.
    decision: decision && decision !== "none" ? decisionWords(decision) : null,
  };
}

/** "command.done" reads as two parts: the subject and what happened; the tone follows what happened. */
export function kindTone(kind: string): AuditTone {
  return /denied|failed|revoked|expired|removed/.test(kind) ? "bad" : /allowed|done|paired|added|approved/.test(kind) ? "good" : "plain";
}

/** The agent's decision (`allow`, `ask:allow_once`, `ask:denied`, `deny:<rule>`…) in words. */
export function decisionWords(decision: string): string {
  const [verb, rest] = [decision.split(":")[0], decision.slice(decision.indexOf(":") + 1)];
  const detail = decision.includes(":") ? rest.replaceAll("_", " ") : "";
  switch (verb) {
    case "allow":
      return detail ? `allowed (${detail})` : "allowed by your rules";
    case "ask":
      return detail ? `asked you: ${detail.replace(/^allow/, "allowed").replace(/^deny/, "denied")}` : "asked you";
    case "deny":
      return detail ? `denied (${detail})` : "denied";
    default:
      return decision;
  }
}
