import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLog } from "../audit/audit-log.ts";
import { PermissionStore } from "../permissions/store.ts";
import { Executor } from "../runtime/executor.ts";
import { openStateDb } from "../store/db.ts";
import { nodeServer, SERVER_EVERYTHING, SERVER_FILESYSTEM, startBridge, waitFor } from "../../test/mcp-bridge.ts";
import type { McpBridge } from "./types.ts";

// A bridged tool through the real executor, as a relay command runs: the command's deadline reaches the tool call,
// the path is the audited scope, and the audit log records the outcome.

function executorOver(bridge: McpBridge, home: string) {
  const auditPath = join(home, "audit.jsonl");
  const executor = new Executor({
    connectors: { connectors: bridge.connectors(), disabled: {}, limits: async () => ({ folders: null, shell_programs: null, apps: [], off: {}, config_path: "" }) },
    permissions: new PermissionStore(openStateDb(join(home, "state.db")), home),
    audit: new AuditLog(auditPath),
  });
  return { executor, auditPath };
}

const approval = { permission_id: null, kind: "once" as const, expires_at: null };

describe("bridged tools in the executor", () => {
  it("time out at the command's deadline", async () => {
    const { bridge, home } = await startBridge({ every: nodeServer(SERVER_EVERYTHING, ["stdio"]) });
    bridge.start();
    await waitFor("running", () => bridge.status()[0]?.state === "running");
    const { executor, auditPath } = executorOver(bridge, home);
    const started = Date.now();
    const result = await executor.execute({ commandId: "c1", source: "relay", target: "every", action: "trigger_long_running_operation", parameters: { duration: 10, steps: 10 }, approval, deadlineAt: Date.now() + 1200 });
    expect(result.outcome).toMatchObject({ status: "failed", error: { code: "timeout" } });
    expect(Date.now() - started).toBeLessThan(3500);
    expect(await readFile(auditPath, "utf8")).toContain('"outcome":"failed:timeout"');
  });

  it("run with the path as the audited scope", async () => {
    const { bridge, home, root } = await startBridge({});
    bridge.update({ files: nodeServer(SERVER_FILESYSTEM, [root]) });
    bridge.start();
    await waitFor("running", () => bridge.status()[0]?.state === "running");
    const { executor, auditPath } = executorOver(bridge, home);
    const result = await executor.execute({ commandId: "c2", source: "relay", target: "files", action: "list_directory", parameters: { path: root }, approval, deadlineAt: Date.now() + 10_000 });
    expect(result.outcome).toMatchObject({ status: "done", data: { mcp: true, content: [{ type: "text" }] } });
    const audit = (await readFile(auditPath, "utf8")).trim().split("\n").map((line) => JSON.parse(line));
    expect(audit.at(-1)).toMatchObject({ command_id: "c2", target: "files", action: "list_directory", scope: "~/Documents", outcome: "done" });
  });
});
