import { describe, expect, it } from "vitest";
import { auditEntryView, decisionWords, kindTone } from "./entry.ts";

// How a line of the audit log reads: its kind's tone, and for a local client's command who asked and what the
// agent decided.

const local = (detail: Record<string, string | null>) => ({ kind: "local_command", detail });

describe("an audit line", () => {
  it("reads a local client's command with the client, the decision and the outcome's tone", () => {
    expect(auditEntryView(local({ client: "claude-ai (MCP)", target: "filesystem", action: "read", scope: "~/notes.txt", decision: "ask:allow_once", outcome: "done" }))).toEqual({
      kind: "local command",
      tone: "good",
      client: "claude-ai (MCP)",
      decision: "asked you: allowed once",
    });
    expect(auditEntryView(local({ client: "goose (MCP)", decision: "deny:local rule 2", outcome: "failed:permission_denied" }))).toMatchObject({ tone: "bad", decision: "denied (local rule 2)" });
    expect(auditEntryView(local({ client: "x (MCP)", decision: "none", outcome: "failed:outside_roots" }))).toMatchObject({ tone: "bad", decision: null });
    expect(auditEntryView(local({ client: "", decision: "allow", outcome: "running" }))).toEqual({ kind: "local command", tone: "plain", client: null, decision: "allowed by your rules" });
  });

  it("reads other lines from their kind alone", () => {
    expect(auditEntryView({ kind: "command.done", detail: { client: "x" } })).toEqual({ kind: "command.done", tone: "good", client: null, decision: null });
    expect(kindTone("permission.denied")).toBe("bad");
    expect(kindTone("command.queued")).toBe("plain");
  });

  it("says the agent's decisions in words", () => {
    expect(decisionWords("allow")).toBe("allowed by your rules");
    expect(decisionWords("allow:rule_3")).toBe("allowed (rule 3)");
    expect(decisionWords("ask:deny")).toBe("asked you: denied");
    expect(decisionWords("ask:denied")).toBe("asked you: denied");
    expect(decisionWords("ask")).toBe("asked you");
    expect(decisionWords("something:else")).toBe("something:else");
  });
});
