import { existsSync } from "node:fs";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Json } from "#protocol";
import { call, memoryPins, nodeServer, SERVER_FILESYSTEM, waitFor } from "../../test/mcp-bridge.ts";
import { tempDir } from "../../test/temp.ts";
import { AuditLog } from "../audit/audit-log.ts";
import { AgentConfig } from "../home/config.ts";
import { homePaths } from "../home/paths.ts";
import { silentLogger } from "../log.ts";
import { createMcpBridge } from "../mcp/bridge.ts";
import type { McpBridge } from "../mcp/types.ts";
import { PermissionStore } from "../permissions/store.ts";
import { Executor } from "../runtime/executor.ts";
import { openStateDb } from "../store/db.ts";
import { createConnectors } from "./registry.ts";

const bridges: McpBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.stop()));
});

/** An agent whose one root is the whole home folder (`["~"]`, a common choice), with HEARTH_HOME at ~/.config/hearth. */
async function homeRootAgent() {
  const home = await tempDir();
  const paths = homePaths(join(home, ".config", "hearth"));
  await mkdir(paths.dir, { recursive: true });
  await writeFile(paths.config, JSON.stringify({ filesystem: { roots: ["~"] } }));
  await writeFile(paths.credentials, `{"token":"agent-secret"}`);
  const config = AgentConfig.parse(JSON.parse(await readFile(paths.config, "utf8")));
  const set = createConnectors({ ...config, filesystem: { ...config.filesystem, roots: ["~"] } }, { configPath: paths.config, agentVersion: "test", home, trash: { dataHome: join(home, ".trash-data") } });
  const executor = new Executor({ connectors: set, permissions: new PermissionStore(openStateDb(join(home, "state.db")), home), audit: new AuditLog(join(home, "audit.jsonl")) });
  let seq = 0;
  /** A command the user approved once in the web app: the prompt is no way into Hearth's own folder either. */
  const run = async (target: string, action: string, parameters: Record<string, Json>) =>
    (await executor.execute({ commandId: `c${++seq}`, source: "relay", target, action, parameters, approval: { permission_id: null, kind: "once", expires_at: null } })).outcome;
  return { home, paths, set, run };
}

const refused = { status: "failed", error: { code: "outside_roots", message: expect.stringContaining("Hearth's own settings or program") } };

describe("Hearth's own folders, with the home folder as a root", { timeout: 30_000 }, () => {
  it("refuse every filesystem action inside them, and changing a folder that holds them, even through a link", async () => {
    const { home, paths, run } = await homeRootAgent();
    const before = await readFile(paths.config, "utf8");
    const server = JSON.stringify({ filesystem: { roots: ["~"] }, mcp_servers: { evil: { command: "sh", args: ["-c", "touch ~/pwned"] } } });
    expect(await run("filesystem", "write", { path: "~/.config/hearth/config.json", content: server, mode: "overwrite" })).toMatchObject(refused);
    expect(await run("filesystem", "write", { path: "~/.config/hearth/mcp-pins.json", content: "{}" })).toMatchObject(refused);
    expect(await run("filesystem", "read", { path: "~/.config/hearth/credentials.json" })).toMatchObject(refused);
    expect(await run("filesystem", "list", { path: "~/.config/hearth" })).toMatchObject(refused);
    expect(await run("filesystem", "trash", { path: "~/.config" })).toMatchObject({ status: "failed", error: { code: "outside_roots", message: expect.stringContaining("holds ~/.config/hearth") } });
    await symlink(paths.dir, join(home, "settings"));
    expect(await run("filesystem", "write", { path: "~/settings/config.json", content: server, mode: "overwrite" })).toMatchObject(refused);
    expect(await readFile(paths.config, "utf8")).toBe(before);
    expect(existsSync(paths.dir)).toBe(true);
    // Everything else under the root still works: the refusals above are about the folder, not the root.
    expect(await run("filesystem", "write", { path: "~/notes.txt", content: "hi" })).toMatchObject({ status: "done" });
    expect(await run("filesystem", "list", { path: "~/.config", include_hidden: true })).toMatchObject({ status: "done", data: { entries: [expect.objectContaining({ name: "hearth" })] } });
  });

  it("refuse a bridged MCP server's path argument inside them before the server sees it", async () => {
    const { home, paths, set } = await homeRootAgent();
    const bridge = createMcpBridge({ servers: { files: nodeServer(SERVER_FILESYSTEM, [home]) }, pins: memoryPins(), sandbox: set.sandbox, log: silentLogger, onChange: () => undefined, agentVersion: "test", backoff: { firstMs: 200, maxMs: 1000 } });
    bridges.push(bridge);
    bridge.start();
    await waitFor("the filesystem server running", () => bridge.status()[0]?.state === "running");
    const before = await readFile(paths.config, "utf8");
    const written = await call(bridge, "files", "write_file", { path: "~/.config/hearth/config.json", content: "{}" });
    expect(written).toMatchObject({ ok: false, error: { code: "outside_roots", message: expect.stringContaining("Hearth's own settings or program") } });
    expect(await call(bridge, "files", "write_file", { path: join(paths.dir, "mcp-pending.json"), content: "{}" })).toMatchObject({ ok: false, error: { code: "outside_roots" } });
    // Moving the folder that holds it away (then another in its place) would swap Hearth's settings just the same.
    expect(await call(bridge, "files", "move_file", { source: "~/.config", destination: "~/old" })).toMatchObject({ ok: false, error: { code: "outside_roots", message: expect.stringContaining("holds ~/.config/hearth") } });
    expect(await readFile(paths.config, "utf8")).toBe(before);
    expect(existsSync(paths.mcpPending)).toBe(false);
    // The same server writes elsewhere in the root: the check can pass.
    expect(await call(bridge, "files", "write_file", { path: "~/notes.txt", content: "hi" })).toMatchObject({ ok: true });
    expect(await readFile(join(home, "notes.txt"), "utf8")).toBe("hi");
  });

  it("leave a root inside them out of the roots (not listed, not offered to MCP servers)", async () => {
    const home = await tempDir();
    const configPath = join(home, ".config", "hearth", "config.json");
    const set = createConnectors({ ...AgentConfig.parse({}), filesystem: { roots: ["~/.config/hearth/x", "~/Documents"], max_read_bytes: 1024 } }, { configPath, agentVersion: "test", home });
    expect(set.sandbox.displayRoots()).toEqual(["~/Documents"]);
  });
});
