import { chmod, mkdir, readFile, stat, statfs, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { expectData, expectFailure } from "../../test/run-action.ts";
import { tempDir } from "../../test/temp.ts";
import { AgentConfig } from "../home/config.ts";
import { createAppsConnector } from "./apps.ts";
import { createBrowserConnector } from "./browser.ts";
import { createConnectors, findAction } from "./registry.ts";
import { Sandbox } from "./sandbox.ts";
import { probeOsSandbox } from "./os-sandbox.ts";
import { createShellConnector } from "./shell.ts";
import { isPattern, parseCommandPattern } from "./shell-patterns.ts";
import { createSystemConnector, diskSpace } from "./system.ts";
import { describeConnectors } from "./types.ts";

const node = process.execPath;
const Output = z.object({ stdout: z.string() });

/** A shell connector allowing `allow`, in a home with `~/Documents/work`; its commands run in the real bubblewrap. */
async function shell(allow: string[], options: { timeoutMs?: number; maxOutputBytes?: number } = {}) {
  const home = await tempDir();
  await mkdir(join(home, "Documents", "work"), { recursive: true });
  const patterns = allow.map(parseCommandPattern).filter(isPattern);
  const connector = createShellConnector(
    { patterns, timeoutMs: options.timeoutMs ?? 10_000, maxOutputBytes: options.maxOutputBytes ?? 65_536, configPath: "config.json", network: false, bwrap: "bwrap", hidden: [] },
    new Sandbox(["~/Documents"], home),
  );
  return { home, connector };
}

describe("browser connector", () => {
  it("accepts only http and https URLs", async () => {
    const browser = createBrowserConnector();
    for (const url of ["file:///etc/passwd", "javascript:alert(1)", "ftp://example.com", "not a url", "chrome://settings"]) {
      expect((await expectFailure(browser, "open", { url })).code, url).toBe("invalid_parameters");
    }
    const prepared = await browser.actions.open?.prepare({ url: "https://example.com/a b" });
    expect(prepared?.ok && prepared.scopes).toEqual(["https://example.com/a%20b"]);
  });
});

describe("browser connector's system handler", () => {
  /** Puts a fake `xdg-open` (a real shell script) first on PATH for one test. */
  async function fakeOpener(script: string): Promise<{ dir: string; restore: () => void }> {
    const dir = await tempDir();
    await writeFile(join(dir, "xdg-open"), `#!/bin/sh\n${script}\n`);
    await chmod(join(dir, "xdg-open"), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${dir}${delimiter}${path ?? ""}`;
    return { dir, restore: () => void (process.env.PATH = path) };
  }

  async function open(settleMs = 5_000) {
    const prepared = await createBrowserConnector({ settleMs }).actions.open?.prepare({ url: "https://example.com/" });
    if (!prepared?.ok) throw new Error("prepare failed");
    return prepared.run();
  }

  it.runIf(process.platform === "linux")("reports a handler that fails with its reason, not opened: true", async () => {
    const opener = await fakeOpener(`echo "xdg-open: no method available for opening '$1'" >&2; exit 3`);
    try {
      await expect(open()).rejects.toMatchObject({ code: "execution_failed", message: expect.stringMatching(/^The page was not opened: xdg-open exited with code 3: xdg-open: no method available for opening 'https:\/\/example\.com\/'/) });
    } finally {
      opener.restore();
    }
  });

  it.runIf(process.platform === "linux")("reports opened once the handler exits 0, or while the browser it started keeps running", async () => {
    const opener = await fakeOpener('echo "$1" > "$(dirname "$0")/opened"; exit 0');
    try {
      expect(await open()).toEqual({ url: "https://example.com/", opened: true });
      expect((await readFile(join(opener.dir, "opened"), "utf8")).trim()).toBe("https://example.com/");
    } finally {
      opener.restore();
    }
    const browser = await fakeOpener("exec sleep 3");
    try {
      expect(await open(300)).toEqual({ url: "https://example.com/", opened: true });
    } finally {
      browser.restore();
    }
  });
});

describe.runIf(probeOsSandbox().ok)("shell connector", () => {
  it("refuses a command no pattern allows before anything runs", async () => {
    const { connector } = await shell(["git status"]);
    const failure = await expectFailure(connector, "run", { program: "rm", args: ["-rf", "work"] });
    expect(failure).toMatchObject({ code: "denied_locally", message: expect.stringContaining("shell.allow") });
  });

  it("passes arguments as they are, with no shell to interpret them", async () => {
    const { connector } = await shell(["echo *"]);
    const data = await expectData(connector, "run", { program: "echo", args: ["$(whoami); echo hi", "*"] });
    expect(data).toMatchObject({ exit_code: 0, truncated: false, stdout: "$(whoami); echo hi *\n" });
  });

  it("caps the output, reports the exit code, and runs in a folder inside the roots", async () => {
    const capped = await expectData((await shell(["seq ?"], { maxOutputBytes: 10 })).connector, "run", { program: "seq", args: ["1000"] });
    expect(capped).toMatchObject({ stdout: "1\n2\n3\n4\n5\n", truncated: true, exit_code: 0 });
    expect(await expectData((await shell(["false"])).connector, "run", { program: "false" })).toMatchObject({ exit_code: 1 });
    const { home, connector } = await shell(["pwd"]);
    const inWork = await expectData(connector, "run", { program: "pwd", cwd: "Documents/work" });
    expect(Output.parse(inWork).stdout.trim()).toBe(join(home, "Documents", "work"));
    expect((await expectFailure(connector, "run", { program: "pwd", cwd: "/" })).code).toBe("outside_roots");
  });

  it("stops a program that runs past the timeout", async () => {
    const failure = await expectFailure((await shell(["sleep ?"], { timeoutMs: 300 })).connector, "run", { program: "sleep", args: ["60"] });
    expect(failure.code).toBe("timeout");
  });

  it("says so when the program is not among the system's programs the sandbox sees", async () => {
    const failure = await expectFailure((await shell(["no-such-program-hearth"])).connector, "run", { program: "no-such-program-hearth" });
    expect(failure).toMatchObject({ code: "execution_failed", message: expect.stringContaining("was not found among the system's programs") });
  });
});

describe("apps and system connectors", () => {
  it("launches only configured apps, by name", async () => {
    const apps = createAppsConnector({ hello: { command: node, args: ["-e", ""] } }, "config.json");
    expect(await expectData(apps, "launch", { name: "hello" })).toMatchObject({ name: "hello" });
    const unknown = await expectFailure(apps, "launch", { name: "constructor" });
    expect(unknown.code).toBe("invalid_parameters");
    expect(unknown.message).toContain("Known: hello");
  });

  it("reports OS, memory and disk space of the roots", async () => {
    const root = await tempDir();
    const data = await expectData(createSystemConnector(new Sandbox([root]), "1.2.3"), "info", {});
    expect(data).toMatchObject({ os: { platform: process.platform }, agent_version: "1.2.3", disks: [{ path: root }] });
    const disks = z.object({ disks: z.array(z.object({ total_bytes: z.number() })) }).parse(data).disks;
    expect(disks[0]?.total_bytes).toBeGreaterThan(0);
  });

  it("gives folders on one filesystem one reading, even while its free space changes", async () => {
    const home = await tempDir();
    const [documents, downloads] = [join(home, "Documents"), join(home, "Downloads")];
    await Promise.all([mkdir(documents), mkdir(downloads)]);
    // Another program writing to the disk: every read of free space finds a little less.
    let written = 0;
    const busy = async (path: string) => {
      const info = await statfs(path);
      written += 1;
      return { bavail: info.bavail - written, bsize: info.bsize, blocks: info.blocks };
    };
    const [first, second] = await diskSpace([documents, downloads], { stat, statfs: busy });
    expect(first?.space.free_bytes).toBeGreaterThan(0);
    expect(second?.space).toEqual(first?.space);
    // Folders on two filesystems keep a reading each.
    const twoDevices = { stat: async (path: string) => ({ dev: path === documents ? 1 : 2 }), statfs: busy };
    const [one, two] = await diskSpace([documents, downloads], twoDevices);
    expect(one?.space.free_bytes).not.toBe(two?.space.free_bytes);
  });
});

describe("connector registry", () => {
  it("leaves the shell and apps out until config.json turns them on, and says how", async () => {
    const root = await tempDir();
    const off = createConnectors({ ...AgentConfig.parse({}), filesystem: { roots: [root], max_read_bytes: 1024 } }, { configPath: "/x/config.json", agentVersion: "1" });
    expect(off.connectors.map((c) => c.target)).toEqual(["filesystem", "browser", "system"]);
    const shellMissing = findAction(off, "shell", "run");
    expect(!shellMissing.ok && shellMissing.error).toMatchObject({ code: "unknown_action", message: expect.stringContaining("shell.allow in /x/config.json") });
    const weird = findAction(off, "filesystem", "constructor");
    expect(!weird.ok && weird.error.code).toBe("unknown_action");
    const parsed = AgentConfig.parse({ shell: { allow: ["git"] }, apps: { editor: { command: "code" } } });
    const on = createConnectors({ ...parsed, filesystem: { ...parsed.filesystem, roots: [root] } }, { configPath: "config.json", agentVersion: "1", osSandbox: { ok: true, bwrap: "bwrap" } });
    expect(on.connectors.map((c) => c.target)).toEqual(["filesystem", "browser", "system", "shell", "apps"]);
  });

  it("describes every action with a JSON Schema for hello", async () => {
    const root = await tempDir();
    const [filesystem] = describeConnectors(createConnectors({ ...AgentConfig.parse({}), filesystem: { roots: [root], max_read_bytes: 1024 } }, { configPath: "c", agentVersion: "1" }).connectors);
    const write = filesystem?.actions.find((a) => a.action === "write");
    expect(write).toMatchObject({ read_only: false, parameters: { type: "object", properties: { path: { type: "string" }, mode: { enum: ["create", "overwrite", "append"] } }, required: ["path", "content"] } });
    expect(filesystem?.actions.filter((a) => a.read_only).map((a) => a.action)).toEqual(["list", "stat", "read", "search"]);
  });
});
