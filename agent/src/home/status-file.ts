import { existsSync, readFileSync, rmSync } from "node:fs";
import { writePrivateFile } from "./private-file.ts";
import { z } from "zod";
import { McpServerStatus } from "#protocol";

/** status.json: what a running `hearth start` says about itself, for `hearth status`. */
export const AgentStatus = z.object({
  pid: z.number().int(),
  state: z.enum(["starting", "connecting", "connected", "offline", "stopped"]),
  server: z.string().nullable(),
  outbox: z.number().int(),
  local_port: z.number().int().nullable(),
  started_at: z.number(),
  updated_at: z.number(),
  /** Why a stopped agent stopped, when it was for a reason the user must act on (the server refused it: pair again). */
  reason: z.string().optional(),
  /** The MCP servers as the running agent has them, for `hearth mcp list` and `hearth mcp approve` (their diffs). */
  mcp_servers: z.array(McpServerStatus).optional(),
});
export type AgentStatus = z.infer<typeof AgentStatus>;

/** Records the running agent's state, whole: `hearth mcp approve` reads the diffs in it while the agent rewrites it. */
export function writeStatus(path: string, status: AgentStatus): void {
  writePrivateFile(path, `${JSON.stringify(status)}\n`);
}

/** The last status written, or null when there is none (or it is unreadable). */
export function readStatus(path: string): AgentStatus | null {
  if (!existsSync(path)) return null;
  try {
    const parsed = AgentStatus.safeParse(JSON.parse(readFileSync(path, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Removes the status file (on a clean exit). */
export function clearStatus(path: string): void {
  rmSync(path, { force: true });
}

/** Whether a process with this id is alive (EPERM means it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error instanceof Error && "code" in error && error.code === "EPERM";
  }
}

/** The status of an agent that is running now, or null. A file left by a dead process does not count. */
export function runningAgent(path: string): AgentStatus | null {
  const status = readStatus(path);
  if (!status || status.state === "stopped" || status.pid === process.pid) return null;
  return isProcessAlive(status.pid) ? status : null;
}
