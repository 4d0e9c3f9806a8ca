import { spawn } from "node:child_process";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/temp.ts";
import { ConfigError, loadConfig } from "../home/config.ts";
import type { Logger } from "../log.ts";
import { editMcpServers } from "./config-file.ts";
import { FilePinStore, McpStoreError, PendingStore, PinsFileStore } from "./store.ts";
import type { PinnedTool } from "./types.ts";

const HASH = "a".repeat(64);
const pin = (hash = HASH): PinnedTool => ({ hash, definition: { name: "read", description: "Reads.", input_schema: { type: "object" } }, approved_at: 1, by: "first_start" });

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (e, m) => lines.push(`info ${e} ${m}`), warn: (e, m) => lines.push(`warn ${e} ${m}`), error: (e, m) => lines.push(`error ${e} ${m}`) };
}

describe("config.json mcp_servers", () => {
  async function load(servers: unknown) {
    const dir = await tempDir();
    const path = join(dir, "config.json");
    await writeFile(path, JSON.stringify({ mcp_servers: servers }));
    return () => loadConfig(path).config.mcp_servers;
  }

  it("takes Claude Desktop's mcpServers entries as they are, with Hearth's defaults", async () => {
    const servers = await load({
      files: { type: "stdio", command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "~/Documents"], env: { TOKEN: "x" } },
      docs: { type: "streamable-http", url: "https://example.com/mcp", headers: { Authorization: "Bearer t" } },
      bare: { command: "my-server" },
    });
    expect(servers()).toEqual({
      files: { command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "~/Documents"], env: { TOKEN: "x" }, read_only_tools: [], enabled: true },
      docs: { url: "https://example.com/mcp", headers: { Authorization: "Bearer t" }, read_only_tools: [], enabled: true },
      bare: { command: "my-server", args: [], env: {}, read_only_tools: [], enabled: true },
    });
  });

  it("refuses a built-in connector's name, saying which one", async () => {
    const servers = await load({ shell: { command: "x" } });
    expect(servers).toThrow(ConfigError);
    expect(servers).toThrow(/mcp_servers\.shell: "shell" is the name of Hearth's built-in shell connector/);
    expect(await load({ Files: { command: "x" } })).toThrow(/mcp_servers\.Files: "Files" cannot name an MCP server: use lower-case letters/);
  });

  it("refuses misspelt keys, an unknown transport type and a non-http URL, naming the field", async () => {
    expect(await load({ files: { command: "x", argz: [] } })).toThrow(/mcp_servers\.files: .*argz/);
    expect(await load({ files: { type: "sse", command: "x" } })).toThrow(/mcp_servers\.files\.type: "type" may be "stdio", "http", "streamable-http"/);
    expect(await load({ files: { url: "file:///etc/passwd" } })).toThrow(/mcp_servers\.files\.url: Use an http:\/\/ or https:\/\/ address/);
    expect(await load({ files: { url: "https://x.example/mcp", command: "x" } })).toThrow(/mcp_servers\.files: .*command/);
  });

  it("edits only mcp_servers and keeps the rest of the user's file as written", async () => {
    const dir = await tempDir();
    const path = join(dir, "config.json");
    await writeFile(path, JSON.stringify({ shell: { allow: ["git status"] }, mcp_servers: { a: { command: "a" } } }));
    editMcpServers(path, (servers) => {
      servers.b = { url: "https://b.example/mcp" };
    });
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({ shell: { allow: ["git status"] }, mcp_servers: { a: { command: "a" }, b: { url: "https://b.example/mcp" } } });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    // A change that would break the file is not written.
    expect(() => editMcpServers(path, (servers) => void (servers.system = { command: "x" }))).toThrow(/built-in system connector/);
    expect(Object.keys(JSON.parse(await readFile(path, "utf8")).mcp_servers)).toEqual(["a", "b"]);
  });
});

describe("the MCP files", () => {
  it("writes the pins privately and whole, and a second store sees the first one's pins", async () => {
    const dir = await tempDir();
    const file = new PinsFileStore(join(dir, "mcp-pins.json"));
    const pins = new FilePinStore(file, recordingLog());
    pins.pin("files", "read", pin());
    pins.pin("files", "write", pin("b".repeat(64)));
    expect((await stat(file.path)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual(["mcp-pins.json"]); // no temp file or lock left behind
    expect(Object.keys(new FilePinStore(file, recordingLog()).pinsOf("files")).sort()).toEqual(["read", "write"]);
    pins.forget("files");
    expect(new FilePinStore(file, recordingLog()).pinsOf("files")).toEqual({});
  });

  it("keeps an approval the CLI queued while the agent pins (each write re-reads the file)", async () => {
    const dir = await tempDir();
    const agentSide = new FilePinStore(new PinsFileStore(join(dir, "mcp-pins.json")), recordingLog());
    const cliSide = new PinsFileStore(join(dir, "mcp-pins.json"));
    cliSide.queueApproval("files", "write", HASH);
    agentSide.pin("files", "read", pin());
    expect(cliSide.read().approvals).toEqual([expect.objectContaining({ server: "files", tool: "write", hash: HASH })]);
    expect(cliSide.settleApprovals(() => true)).toBe(0);
    expect(cliSide.read()).toEqual({ version: 1, pins: { files: { read: pin() } }, approvals: [] });
  });

  it("loses no approval when several processes queue them at once (the lock)", async () => {
    const dir = await tempDir();
    const path = join(dir, "mcp-pins.json");
    const script = join(dir, "queue.mjs");
    await writeFile(script, `const { PinsFileStore } = await import(process.argv[2]);
const store = new PinsFileStore(process.argv[3]);
for (let i = 0; i < 25; i++) store.queueApproval("files", process.argv[4] + "-" + i, "${HASH}");`);
    const storeModule = fileURLToPath(new URL("./store.ts", import.meta.url));
    const writers = ["a", "b", "c", "d"].map((who) => new Promise<number | null>((resolve) => spawn(process.execPath, [script, storeModule, path, who], { stdio: "inherit" }).once("exit", resolve)));
    expect(await Promise.all(writers)).toEqual([0, 0, 0, 0]);
    expect(new PinsFileStore(path).read().approvals).toHaveLength(100);
    expect((await readdir(dir)).sort()).toEqual(["mcp-pins.json", "queue.mjs"]);
  });

  it("reports a damaged pins file and never overwrites it", async () => {
    const dir = await tempDir();
    const path = join(dir, "mcp-pins.json");
    await writeFile(path, '{"version": 1, "pins": {"files": {"read": {"hash": "nope"}}}}');
    const log = recordingLog();
    const pins = new FilePinStore(new PinsFileStore(path), log);
    expect(pins.broken).toMatch(/mcp-pins\.json is damaged \(pins\.files\.read\.hash: .*\)\. Hearth starts no MCP server until it is fixed/);
    pins.pin("files", "read", pin());
    expect(await readFile(path, "utf8")).toBe('{"version": 1, "pins": {"files": {"read": {"hash": "nope"}}}}');
    expect(log.lines.join("\n")).toMatch(/error mcp.pins_unsaved Did not save the MCP pins \(pin files.read\)/);
    await writeFile(path, "{ not json");
    expect(() => new PinsFileStore(path).queueApproval("files", "read", HASH)).toThrow(McpStoreError);
    expect(await readFile(path, "utf8")).toBe("{ not json");
    // Fixed by the user: picked up again.
    await writeFile(path, JSON.stringify({ version: 1, pins: { files: { read: pin() } } }));
    expect(pins.reload()).toBe(true);
    expect(pins.broken).toBeNull();
    expect(pins.pinsOf("files").read?.hash).toBe(HASH);
  });

  it("keeps pending requests, and reports a damaged pending file instead of dropping it", async () => {
    const dir = await tempDir();
    const pending = new PendingStore(join(dir, "mcp-pending.json"));
    pending.add("files", { server: { command: "npx", args: ["x"], env: { TOKEN: "secret" } }, requested_at: 5, command_id: null });
    expect(pending.get("files")?.server).toEqual({ command: "npx", args: ["x"], env: { TOKEN: "secret" } });
    expect((await stat(pending.path)).mode & 0o777).toBe(0o600);
    expect(pending.remove("files")?.requested_at).toBe(5);
    expect(pending.list()).toEqual({});
    await writeFile(pending.path, '{"version": 1, "pending": {"x": {"server": {}}}}');
    expect(() => pending.list()).toThrow(/mcp-pending\.json is damaged/);
    expect(() => pending.add("y", { server: { url: "https://y.example/mcp", headers: {} }, requested_at: 1, command_id: null })).toThrow(McpStoreError);
    expect(await readFile(pending.path, "utf8")).toBe('{"version": 1, "pending": {"x": {"server": {}}}}');
  });
});
