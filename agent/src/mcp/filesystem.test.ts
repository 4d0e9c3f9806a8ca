import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { GroupStdioTransport } from "./stdio-transport.ts";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { McpToolResult } from "#protocol";
import { findAction } from "../connectors/registry.ts";
import { call, nodeServer, SERVER_FILESYSTEM, startBridge, waitFor } from "../../test/mcp-bridge.ts";
import { tempDir } from "../../test/temp.ts";

// The bridge against the reference filesystem server from npm: it works inside the roots, and a path outside them
// is refused by Hearth before the server hears of it (every message the client sends is recorded to prove it).

afterEach(() => {
  vi.restoreAllMocks();
});

const text = (outcome: Awaited<ReturnType<typeof call>>): string => {
  if (!outcome.ok) throw new Error(`the call failed: ${outcome.error.code}: ${outcome.error.message}`);
  return McpToolResult.parse(outcome.data).content.map((piece) => (piece.type === "text" ? piece.text : "")).join("\n");
};

async function filesystemServer() {
  const sent: JSONRPCMessage[] = [];
  const send = GroupStdioTransport.prototype.send;
  vi.spyOn(GroupStdioTransport.prototype, "send").mockImplementation(function (this: GroupStdioTransport, message: JSONRPCMessage) {
    sent.push(message);
    return send.call(this, message);
  });
  const started = await startBridge({});
  const folder = join(started.root, "work");
  await mkdir(folder);
  await writeFile(join(folder, "notes.txt"), "buy milk\n");
  started.bridge.update({ files: nodeServer(SERVER_FILESYSTEM, [folder]) });
  started.bridge.start();
  await waitFor("the filesystem server running", () => started.bridge.status()[0]?.state === "running");
  const calls = () => sent.flatMap((message) => ("method" in message && message.method === "tools/call" ? [JSON.stringify(message.params)] : []));
  return { ...started, folder, calls };
}

describe("the filesystem server", () => {
  it("lists and reads inside the folder", async () => {
    const { bridge, folder } = await filesystemServer();
    const actions = Object.keys(bridge.connectors()[0]?.actions ?? {});
    expect(actions).toEqual(expect.arrayContaining(["list_directory", "read_text_file", "write_file"]));
    expect(text(await call(bridge, "files", "list_directory", { path: folder }))).toContain("[FILE] notes.txt");
    // A path written the way Hearth reads paths (`~/…`) is resolved by Hearth and sent as what it checked.
    expect(text(await call(bridge, "files", "read_text_file", { path: "~/Documents/work/notes.txt" }))).toBe("buy milk\n");
    // The server's own error (a missing file inside the roots) is a failed command with its words.
    const missing = await call(bridge, "files", "read_text_file", { path: join(folder, "missing.txt") });
    expect(missing).toMatchObject({ ok: false, error: { code: "execution_failed", message: expect.stringMatching(/^The tool read_text_file reported an error: .*ENOENT/) } });
    // The path is the command's permission scope, as for filesystem.*.
    const found = findAction({ connectors: bridge.connectors(), disabled: {}, limits: async () => ({ folders: null, shell_programs: null, apps: [], off: {}, config_path: "" }) }, "files", "read_text_file");
    const prepared = found.ok ? await found.action.prepare({ path: join(folder, "notes.txt") }) : null;
    expect(prepared).toMatchObject({ ok: true, scopes: ["~/Documents/work/notes.txt"] });
  });

  it("refuses a path outside the roots before the server sees the call", async () => {
    const { bridge, calls } = await filesystemServer();
    const outside = await tempDir();
    await writeFile(join(outside, "secret.txt"), "the secret");
    const before = calls().length;
    const refused = await call(bridge, "files", "read_text_file", { path: join(outside, "secret.txt") });
    expect(refused).toMatchObject({ ok: false, error: { code: "outside_roots", message: expect.stringContaining("outside the folders this agent may use") } });
    const traversal = await call(bridge, "files", "write_file", { path: "~/Documents/../escaped.txt", content: "x" });
    expect(traversal).toMatchObject({ ok: false, error: { code: "outside_roots" } });
    const moved = await call(bridge, "files", "move_file", { source: "~/Documents/work/notes.txt", destination: join(outside, "stolen.txt") });
    expect(moved).toMatchObject({ ok: false, error: { code: "outside_roots" } });
    expect(calls().length).toBe(before);
    expect(calls().join("\n")).not.toContain(outside);
    expect(await readFile(join(outside, "secret.txt"), "utf8")).toBe("the secret");
    // A call inside still goes through, so the spy did see calls.
    await call(bridge, "files", "list_directory", { path: "~/Documents/work" });
    expect(calls().length).toBe(before + 1);
  });
});
