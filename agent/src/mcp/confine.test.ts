import { spawn } from "node:child_process";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { McpToolResult } from "#protocol";
import { call, ECHO_ARGS, nodeServer, startBridge, waitFor } from "../../test/mcp-bridge.ts";
import { tempDir } from "../../test/temp.ts";
import { isPathName } from "./confine.ts";

// Which arguments of a bridged tool Hearth checks as local paths, and what the server then receives (the fixture
// answers with the arguments it got).

async function echoServer(localPaths?: boolean) {
  const started = await startBridge({ echo: nodeServer(ECHO_ARGS, [], localPaths === undefined ? {} : { local_paths: localPaths }) });
  started.bridge.start();
  await waitFor("the server running", () => started.bridge.status()[0]?.state === "running");
  const received = async (action: string, parameters: Parameters<typeof call>[3]) => {
    const outcome = await call(started.bridge, "echo", action, parameters);
    if (!outcome.ok) return outcome.error.code;
    const [piece] = McpToolResult.parse(outcome.data).content;
    return JSON.parse(piece?.type === "text" ? piece.text : "null");
  };
  return { ...started, received };
}

describe("path arguments of a bridged tool", () => {
  it("names a path like a path in any case: filePath, output_dir, cwd, root, uri; not pathology or profile", () => {
    for (const name of ["path", "paths", "filePath", "FilePath", "output_dir", "targetDirectory", "cwd", "projectRoot", "uri", "file_uris", "source", "destination"]) expect([name, isPathName(name)]).toEqual([name, true]);
    for (const name of ["pathology", "profile", "owner", "repo", "message", "url"]) expect([name, isPathName(name)]).toEqual([name, false]);
  });

  it("leaves a repository-relative path alone, and checks camelCase, nested and file:// paths", async () => {
    const { received, root } = await echoServer();
    const outside = await tempDir();
    expect(await received("get_file_contents", { owner: "o", repo: "r", path: "README.md" })).toEqual({ owner: "o", repo: "r", path: "README.md" });
    expect(await received("open_file", { filePath: join(outside, "secret.txt") })).toBe("outside_roots");
    expect(await received("export_notes", { options: { outputPath: join(outside, "out.txt") } })).toBe("outside_roots");
    expect(await received("fetch_uri", { uri: pathToFileURL(join(outside, "secret.txt")).href })).toBe("outside_roots");
    expect(await received("fetch_uri", { uri: "https://example.com/a?b=c" })).toEqual({ uri: "https://example.com/a?b=c" });
    expect(await received("export_notes", { options: { outputPath: "~/Documents/out.txt" } })).toEqual({ options: { outputPath: join(root, "out.txt") } });
    expect(await received("fetch_uri", { uri: pathToFileURL(join(root, "a b.txt")).href })).toEqual({ uri: pathToFileURL(join(root, "a b.txt")).href });
  });

  it("passes on the real path it checked, not a link to it", async () => {
    const { received, root } = await echoServer();
    await mkdir(join(root, "real"));
    await writeFile(join(root, "real", "notes.txt"), "x");
    await symlink(join(root, "real"), join(root, "link"));
    expect(await received("open_file", { filePath: "~/Documents/link/notes.txt" })).toEqual({ filePath: join(root, "real", "notes.txt") });
  });

  it("checks relative paths too when config.json says the server's paths are local", async () => {
    const { received, root } = await echoServer(true);
    expect(await received("get_file_contents", { path: "README.md" })).toBe("outside_roots");
    expect(await received("get_file_contents", { path: "Documents/notes.txt" })).toEqual({ path: join(root, "notes.txt") });
  });

  it("sends a Streamable HTTP server's path arguments as they are: it cannot open files here", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [ECHO_ARGS, "http", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
    onTestFinished(() => void child.kill("SIGKILL"));
    await new Promise<void>((resolve) => child.stderr?.on("data", (chunk: Buffer) => chunk.toString().includes("listening") && resolve()));
    const { bridge } = await startBridge({ remote: { url: `http://127.0.0.1:${port}/mcp`, headers: {}, read_only_tools: [], enabled: true } });
    bridge.start();
    await waitFor("the http server running", () => bridge.status()[0]?.state === "running");
    const outcome = await call(bridge, "remote", "open_file", { filePath: "/etc/hosts" });
    expect(outcome).toMatchObject({ ok: true, data: { content: [{ type: "text", text: JSON.stringify({ filePath: "/etc/hosts" }) }] } });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
