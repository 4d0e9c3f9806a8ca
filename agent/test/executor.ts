import { join } from "node:path";
import { AuditLog } from "../src/audit/audit-log.ts";
import { createConnectors } from "../src/connectors/registry.ts";
import { AgentConfig } from "../src/home/config.ts";
import { PermissionStore } from "../src/permissions/store.ts";
import { Executor } from "../src/runtime/executor.ts";
import type { ExecutorDeps } from "../src/runtime/executor.ts";
import { openStateDb } from "../src/store/db.ts";
import { tempDir } from "./temp.ts";

/** A real executor over a temporary home: state.db, audit.jsonl, and one root (`<home>/Documents`). */
export async function testExecutor(options: { ask?: ExecutorDeps["ask"]; config?: unknown } = {}) {
  const home = await tempDir();
  const { mkdir } = await import("node:fs/promises");
  const root = join(home, "Documents");
  await mkdir(root);
  const db = openStateDb(join(home, "state.db"));
  const permissions = new PermissionStore(db, home);
  const parsed = AgentConfig.parse(options.config ?? {});
  const connectors = createConnectors({ ...parsed, filesystem: { ...parsed.filesystem, roots: [root] } }, { configPath: join(home, ".config", "hearth", "config.json"), agentVersion: "test", home, trash: { dataHome: join(home, ".trash-data") } });
  const auditPath = join(home, "audit.jsonl");
  const executor = new Executor({ connectors, permissions, audit: new AuditLog(auditPath), ...(options.ask ? { ask: options.ask } : {}) });
  return { home, root, db, permissions, executor, auditPath };
}
