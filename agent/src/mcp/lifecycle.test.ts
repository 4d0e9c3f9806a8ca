import { createServer } from "node:net";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { describeConnectors } from "../connectors/types.ts";
import { call, childPids, memoryPins, nodeServer, PAGED, RUG_PULL, SERVER_EVERYTHING, startBridge, waitFor } from "../../test/mcp-bridge.ts";
import type { McpServerConfig } from "./types.ts";
import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "../../test/temp.ts";

// A server's life as config.json changes, a program that is missing or dies at once, secrets kept out of sight,
// and a Streamable HTTP server.

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

async function rugPull(): Promise<McpServerConfig> {
  const file = join(await tempDir(), "state.json");
  await writeFile(file, JSON.stringify({ description: "Greets a person by name.", extra: [] }));
  return nodeServer(RUG_PULL, [file]);
}

describe("the bridge's servers", () => {
  it("reads every page of tools, and gives clashing names their own actions in the server's order", async () => {
    const { bridge } = await startBridge({ paged: nodeServer(PAGED) });
    bridge.start();
    await waitFor("running", () => bridge.status()[0]?.state === "running");
    expect(bridge.status()[0]?.tools.map((t) => [t.tool, t.action, t.state])).toEqual([
      ["read-file", "read_file", "enabled"],
      ["read_file", "read_file_2", "enabled"],
      ["Read.File", "read_file_3", "enabled"],
      ["zeta", "zeta", "enabled"],
    ]);
    expect(await call(bridge, "paged", "read_file_2", {})).toMatchObject({ ok: true, data: { content: [{ type: "text", text: "called read_file" }] } });
    expect(await call(bridge, "paged", "read_file_3", {})).toMatchObject({ ok: true, data: { content: [{ type: "text", text: "called Read.File" }] } });
  });

  it("offers what hello can carry: at most 100 tools a server, none with a huge schema", async () => {
    const { bridge, lines } = await startBridge({ paged: nodeServer(PAGED, ["120"]) });
    bridge.start();
    await waitFor("running", () => bridge.status()[0]?.state === "running");
    const tools = bridge.status()[0]?.tools ?? [];
    expect(tools.length).toBe(125);
    expect(tools.find((t) => t.tool === "huge")?.state).toBe("enabled");
    const actions = Object.keys(bridge.connectors()[0]?.actions ?? {});
    expect(actions.length).toBe(100);
    expect(actions).not.toContain("huge");
    expect(actions.at(-1)).toBe("more_96");
    expect(lines.join("\n")).toContain("which Hearth does not offer: huge.");
    expect(lines.join("\n")).toContain("lists 125 tools; Hearth offers at most 100 of a server");
  });

  it("ends a wrapped server's whole process group on stop: SIGTERM first, SIGKILL for one that ignores it", async () => {
    // `sh -c 'node …'` stands for npx/uvx: the server is a grandchild, which ignores stdin's end and SIGTERM.
    const dir = await tempDir();
    const stubborn = join(dir, "stubborn.js");
    const termed = join(dir, "termed");
    await writeFile(stubborn, `process.stdin.resume(); process.stdin.on('end', () => {}); process.on('SIGTERM', () => require('fs').writeFileSync(${JSON.stringify(termed)}, 'yes')); setInterval(() => {}, 1000); console.error('stubborn up')`);
    const { bridge } = await startBridge({ stubborn: { command: "sh", args: ["-c", `${JSON.stringify(process.execPath)} ${JSON.stringify(stubborn)}; echo wrapper still here`], env: {}, read_only_tools: [], enabled: true } });
    bridge.start();
    const server = await waitFor("the grandchild up", () => groupPids("stubborn.js"));
    expect(bridge.status()[0]?.state).toBe("starting");
    const started = Date.now();
    await bridge.stop();
    expect(Date.now() - started).toBeLessThan(5000);
    // Gone (or a zombie its new parent has yet to reap: signal 0 still finds those).
    await waitFor("the server gone", () => !isAlive(server), 2000);
    expect(await readFile(termed, "utf8")).toBe("yes");
  }, 15_000);

  it("reports a missing program as restarting (it keeps retrying), and says which", async () => {
    const { bridge } = await startBridge({ ghost: { command: "hearth-no-such-program", args: [], env: {}, read_only_tools: [], enabled: true } }, { backoff: { firstMs: 100, maxMs: 200 } });
    bridge.start();
    const down = await waitFor("the server down", () => bridge.status().find((s) => s.error !== null));
    expect(down.state).toBe("restarting");
    expect(down.error).toContain('The program "hearth-no-such-program" was not found');
    expect(down.next_retry_at).toEqual(expect.any(Number));
    await waitFor("a few retries", () => (bridge.status()[0]?.restarts ?? 0) >= 3, 5000);
    expect(bridge.status().map((s) => s.state)).not.toContain("failed");
    expect(bridge.connectors()).toEqual([]);
  });

  it("reads a server's stderr as UTF-8 even when a character is split across two writes", async () => {
    const script = "const b = Buffer.from('café ünïcode\\n'); process.stderr.write(b.subarray(0, 4)); setTimeout(() => { process.stderr.write(b.subarray(4)); process.exitCode = 1; }, 300)";
    const { bridge, lines } = await startBridge({ accents: { command: process.execPath, args: ["-e", script], env: {}, read_only_tools: [], enabled: true } }, { backoff: { firstMs: 5000, maxMs: 5000 } });
    bridge.start();
    const down = await waitFor("its line in the status", () => bridge.status().find((s) => s.error?.includes("ünïcode")));
    expect(down.error).toContain("café ünïcode");
    expect(lines).toContain("info mcp.stderr [accents] café ünïcode");
  });

  it("never shows env values: not in the status, the error or the log", async () => {
    const secret = "sk-very-secret-4242";
    const script = "console.error('my token is ' + process.env.API_TOKEN); process.exit(3)";
    const { bridge, lines } = await startBridge({ leaky: { command: process.execPath, args: ["-e", script], env: { API_TOKEN: secret }, read_only_tools: [], enabled: true } }, { backoff: { firstMs: 5000, maxMs: 5000 } });
    bridge.start();
    const down = await waitFor("the server down", () => bridge.status().find((s) => s.state === "restarting"));
    expect(down.error).toContain("my token is ***");
    expect(JSON.stringify(bridge.status())).not.toContain(secret);
    expect(lines.join("\n")).toContain("[leaky] my token is ***");
    expect(lines.join("\n")).not.toContain(secret);
  });

  it("keeps a chatty server from flooding the log, and keeps its last lines for the status", async () => {
    // exitCode, not exit(): process.exit() can cut off what is still being written to a pipe.
    const script = "for (let i = 1; i <= 1000; i++) console.error('line ' + i); process.exitCode = 1";
    const { bridge, lines } = await startBridge({ chatty: { command: process.execPath, args: ["-e", script], env: {}, read_only_tools: [], enabled: true } }, { backoff: { firstMs: 5000, maxMs: 5000 } });
    bridge.start();
    await waitFor("the server down", () => bridge.status().find((s) => s.state === "restarting"));
    // Its last words arrive just after its exit is seen; the status shows them once they have.
    const down = await waitFor("its last lines in the status", () => bridge.status().find((s) => s.error?.endsWith("line 1000")));
    expect(down.error?.split("\n")).toEqual(["The server exited before it finished starting.", ...Array.from({ length: 20 }, (_, i) => `line ${981 + i}`)]);
    expect(lines.filter((line) => line.startsWith("info mcp.stderr")).length).toBe(300);
    expect(lines).toContain("warn mcp.stderr [chatty] writes more than 300 lines a minute; the rest of this minute's are left out of the log.");
  });

  it("follows config.json: read-only marks without a restart, a new spec restarts, removal forgets the pins", async () => {
    const config = await rugPull();
    const pins = memoryPins();
    const { bridge } = await startBridge({ notes: config }, { pins });
    bridge.start();
    await waitFor("running", () => bridge.status()[0]?.state === "running");
    const [pid] = childPids("mcp-rug-pull");
    expect(describeConnectors(bridge.connectors())[0]?.actions[0]?.read_only).toBe(false);

    bridge.update({ notes: { ...config, read_only_tools: ["Greet-Person"] } });
    expect(describeConnectors(bridge.connectors())[0]?.actions[0]?.read_only).toBe(true);
    expect(bridge.status()[0]?.tools[0]?.read_only).toBe(true);
    expect(childPids("mcp-rug-pull")).toEqual([pid]);

    bridge.update({ notes: { ...config, enabled: false } });
    expect(bridge.status()[0]?.state).toBe("stopped");
    expect(bridge.connectors()).toEqual([]);
    await waitFor("the child gone", () => childPids("mcp-rug-pull").length === 0);

    bridge.update({ notes: { ...config, env: { GREETING: "x" } } });
    await waitFor("running again", () => bridge.status()[0]?.state === "running");
    expect(childPids("mcp-rug-pull")).not.toContain(pid);
    expect(await call(bridge, "notes", "greet_person", { name: "Bo" })).toMatchObject({ ok: true });

    bridge.update({});
    expect(bridge.status()).toEqual([]);
    expect(pins.all.notes).toBeUndefined();
    await waitFor("the child gone", () => childPids("mcp-rug-pull").length === 0);
  });

  it("speaks Streamable HTTP, and shows its address without credentials or query", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [SERVER_EVERYTHING, "streamableHttp"], { env: { ...process.env, PORT: String(port) }, stdio: ["ignore", "ignore", "pipe"] });
    children.push(child);
    await new Promise<void>((resolve) => child.stderr?.on("data", (chunk: Buffer) => chunk.toString().includes("listening") && resolve()));
    const { bridge, lines } = await startBridge({ web: { url: `http://me:pa55w0rd-long@127.0.0.1:${port}/mcp?key=abcd-secret`, headers: { "X-Api-Key": "header-secret-value" }, read_only_tools: [], enabled: true } });
    bridge.start();
    const running = await waitFor("the http server running", () => bridge.status().find((s) => s.state === "running"));
    expect(running).toMatchObject({ transport: "http", display: `http://127.0.0.1:${port}/mcp?…` });
    expect(await call(bridge, "web", "echo", { message: "over http" })).toMatchObject({ ok: true, data: { content: [{ type: "text", text: "Echo: over http" }] } });
    const everything = JSON.stringify(bridge.status()) + JSON.stringify(describeConnectors(bridge.connectors())) + lines.join("\n");
    for (const secret of ["pa55w0rd-long", "abcd-secret", "header-secret-value"]) expect(everything).not.toContain(secret);
  });

  it("notices a Streamable HTTP server that went away at the next call, and reconnects when it is back", async () => {
    const port = await freePort();
    const serve = async () => {
      const child = spawn(process.execPath, [SERVER_EVERYTHING, "streamableHttp"], { env: { ...process.env, PORT: String(port) }, stdio: ["ignore", "ignore", "pipe"] });
      children.push(child);
      await new Promise<void>((resolve) => child.stderr?.on("data", (chunk: Buffer) => chunk.toString().includes("listening") && resolve()));
      return child;
    };
    const first = await serve();
    const { bridge } = await startBridge({ web: { url: `http://127.0.0.1:${port}/mcp`, headers: {}, read_only_tools: [], enabled: true } }, { backoff: { firstMs: 300, maxMs: 300 } });
    bridge.start();
    await waitFor("running", () => bridge.status()[0]?.state === "running");
    first.kill("SIGKILL");
    await new Promise((resolve) => first.once("exit", resolve));
    expect(await call(bridge, "web", "echo", { message: "anyone?" })).toMatchObject({ ok: false, error: { code: "execution_failed" } });
    expect(bridge.status()[0]).toMatchObject({ state: "restarting", restarts: 1, error: expect.stringContaining("fetch failed") });
    await serve();
    await waitFor("running again", () => bridge.status()[0]?.state === "running", 10_000);
    expect(await call(bridge, "web", "echo", { message: "back" })).toMatchObject({ ok: true });
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

/** The pid of a process anywhere on this machine whose command line contains `needle` (a grandchild, say), or undefined. */
function groupPids(needle: string): number | undefined {
  const out = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  const line = out.split("\n").find((l) => l.includes(needle) && !l.includes("sh -c"));
  return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
