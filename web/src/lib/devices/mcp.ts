import { MCP_TARGET } from "#protocol/mcp.ts";
import type { DeviceView, McpServerStatus, McpToolStatus } from "#protocol";

// What the device page's "MCP servers" section says about each server and tool, decided here so it can be tested
// without a DOM. Everything a server says about itself (its tools' descriptions and hints) is the server's word:
// shown as quoted data, never trusted and never rendered as markup. Zod-free on purpose: the add form's schema
// loads only when the form is used (./mcp-add.ts).

/** The line the user runs on the computer to start a server asked for from the web app. */
export function approveLine(name: string): string {
  return `hearth mcp approve ${name}`;
}

/** Whether this device's agent can manage MCP servers from here (it offers the `mcp` connector). */
export function managesMcp(device: Pick<DeviceView, "connectors">): boolean {
  return device.connectors.some((connector) => connector.target === MCP_TARGET);
}

export type StateTone = "good" | "warn" | "bad" | "plain";

/**
 * A server's state in words, with a tone for its badge and, where there is one, a sentence about it (the error, or
 * when the next retry is due).
 * @example serverState({ state: "restarting", error: "exited with code 1", next_retry_at: now + 4000, … }, now) // { label: "Restarting", tone: "warn", detail: "exited with code 1 · next try in 4 s" }
 */
export function serverState(server: Pick<McpServerStatus, "state" | "error" | "next_retry_at">, now: number): { label: string; tone: StateTone; detail: string | null } {
  switch (server.state) {
    case "pending_approval":
      return { label: "Pending approval", tone: "warn", detail: null };
    case "starting":
      return { label: "Starting", tone: "plain", detail: null };
    case "running":
      return { label: "Running", tone: "good", detail: null };
    case "restarting": {
      const retry = server.next_retry_at === null ? null : `next try ${inSeconds(server.next_retry_at - now)}`;
      return { label: "Restarting", tone: "warn", detail: [server.error, retry].filter(Boolean).join(" · ") || null };
    }
    case "failed":
      return { label: "Failed", tone: "bad", detail: server.error ?? "It stopped and is not being restarted. See the agent's log on the computer." };
    case "stopped":
      return { label: "Stopped", tone: "plain", detail: server.error };
  }
}

/** "in 4 s", "in 2 min", "now": when a retry is due. */
export function inSeconds(ms: number): string {
  if (ms <= 500) return "now";
  const seconds = Math.round(ms / 1000);
  return seconds < 90 ? `in ${seconds} s` : `in ${Math.round(seconds / 60)} min`;
}

/** "restarted 3 times" (nothing for a server that never restarted). */
export function restartCount(restarts: number): string | null {
  if (restarts <= 0) return null;
  return restarts === 1 ? "restarted once" : `restarted ${restarts} times`;
}

/** What the server says about a tool, as badges; the server's word, which Hearth does not act on. */
export function hintBadges(hints: McpToolStatus["hints"]): string[] {
  const badges: string[] = [];
  if (hints.read_only === true) badges.push("server says read-only");
  if (hints.destructive === true) badges.push("server says destructive");
  if (hints.idempotent === true) badges.push("server says idempotent");
  if (hints.open_world === true) badges.push("server says open-world");
  return badges;
}

/** A tool's state in words: what the user sees next to its name. */
export function toolState(tool: Pick<McpToolStatus, "state">): { label: string; tone: StateTone } {
  switch (tool.state) {
    case "enabled":
      return { label: "On", tone: "good" };
    case "changed":
      return { label: "Changed: off until you approve", tone: "bad" };
    case "new":
      return { label: "New: off until you approve", tone: "warn" };
  }
}

/** Tools that wait for the user's word first (changed, then new), then the rest, each group in the server's order. */
export function toolsInOrder(tools: readonly McpToolStatus[]): McpToolStatus[] {
  const rank = { changed: 0, new: 1, enabled: 2 } as const;
  return tools.map((tool, index) => ({ tool, index })).sort((a, b) => rank[a.tool.state] - rank[b.tool.state] || a.index - b.index).map(({ tool }) => tool);
}

/** How many of a server's tools wait for approval, for its summary line. */
export function waitingCount(server: Pick<McpServerStatus, "tools">): number {
  return server.tools.filter((tool) => tool.state !== "enabled").length;
}

export type DiffLine = { kind: "added" | "removed" | "context" | "header"; text: string };

/**
 * A tool's diff, line by line. The agent marks each line with `-` (approved, now gone), `+` (new) or a space
 * (context), then one space, then the line of the pretty-printed definition (whose own indentation is kept);
 * `@@`, `---` and `+++` lines are headers.
 */
export function diffLines(diff: string): DiffLine[] {
  return diff
    .replace(/\n$/, "")
    .split("\n")
    .map((line): DiffLine => {
      if (line.startsWith("@@") || line.startsWith("--- ") || line.startsWith("+++ ")) return { kind: "header", text: line };
      const text = line.slice(line[1] === " " ? 2 : 1);
      if (line.startsWith("-")) return { kind: "removed", text };
      if (line.startsWith("+")) return { kind: "added", text };
      return { kind: "context", text: line.startsWith(" ") ? text : line };
    });
}

/** The `pending_approval` message of a finished `mcp.add`, or a sentence built from the name when it has none. */
export function addOutcome(result: unknown, name: string): string {
  if (typeof result === "object" && result !== null && "message" in result && typeof result.message === "string") return result.message;
  return `Run \`${approveLine(name)}\` on the computer to start it.`;
}
