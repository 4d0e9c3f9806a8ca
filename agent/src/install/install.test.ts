import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentManifest } from "#protocol";
import { buildAgent, makeTestRuntime, sha256File } from "../../test/agent-build.ts";
import { fakeHearthServer } from "../../test/fake-hearth-server.ts";
import { PLATFORM } from "../version.ts";
import { defaultLauncher, defaultProgramDir, InstallRecord } from "./layout.ts";

// The one-line install, end to end, as a user runs it: `curl -fsSL <server>/install.sh?k=KEY | sh` in a shell
// whose PATH has only the tools the script needs (no node anywhere), against a loopback Hearth server that serves
// a real build (scripts/build-agent.mjs) and a real Node runtime tarball made from the Node running this test.
// Pairing: the server approves at once (the device flow itself is tested in pair.test.ts and by the worker).
// The service: this branch has no service manager, and containers have no systemd user manager, so the script's
// honest answer is exit 4 ("installed and paired, start it by hand"), which is asserted.

const TOOLS = ["sh", "curl", "tar", "gzip", "sha256sum", "uname", "mktemp", "rm", "mkdir", "mv", "cp", "chmod", "cat", "cut", "sed", "grep", "date", "ldd", "ls"];
const HEARTH_BIN = fileURLToPath(new URL("../../bin/hearth.mjs", import.meta.url));
// Install keys are exactly 32 url-safe characters (protocol's InstallKey).
const KEY = "k3y-0123456789abcdefghijklmnopqr";
const KEY2 = "k3y-0123456789abcdefghijklmnop-2";
const KEY3 = "k3y-0123456789abcdefghijklmnop-3";

let root: string;
let tools: string;
let server: Awaited<ReturnType<typeof fakeHearthServer>>;
let build1: string;
let build2: string;
let runtimes: string;

/**
 * Runs a program to completion in its own session (setsid), so it has no terminal: /dev/tty cannot be opened and
 * nothing waits for an answer, even when the tests run from one.
 */
function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, detached: true, stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Runs a shell command line in the bare environment: only PATH=tools and what `env` adds (HOME, …). */
const bare = (line: string, env: Record<string, string>) => run(join(tools, "sh"), ["-c", line], { PATH: tools, ...env });

/** Runs the repo's `hearth` (a checkout, not an installed copy). */
const hearth = (args: string[], env: Record<string, string>) => run(process.execPath, [HEARTH_BIN, ...args], { ...process.env, ...env });

const hasScript = execFileSync("sh", ["-c", "command -v script || true"], { encoding: "utf8" }).trim() !== "";

/**
 * Runs the repo's `hearth` on a terminal of its own (util-linux `script` makes a pty), answering each "[y/N]" prompt
 * when it appears, as a person would.
 */
function onTerminal(args: string[], env: Record<string, string>, answers: readonly string[]): Promise<{ code: number; output: string }> {
  const line = [process.execPath, ...args].map((word) => `'${word}'`).join(" ");
  return new Promise((resolve) => {
    const child = spawn("script", ["-qec", line, "/dev/null"], { env: { ...process.env, ...env }, detached: true, stdio: ["pipe", "pipe", "pipe"], timeout: 30_000 });
    let output = "";
    let answered = 0;
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const asked = output.split("[y/N]").length - 1;
      while (answered < asked && answered < answers.length) child.stdin.write(`${answers[answered++]}\n`);
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Every file under a folder, relative to it, sorted. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** The bytes of every file under a folder, to compare before and after. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(filesUnder(dir).map((file) => [file, sha256File(join(dir, file))]));
}

const manifestOf = (build: string) => AgentManifest.parse(JSON.parse(readFileSync(join(build, "manifest.json"), "utf8")));

beforeAll(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "hearth-install-")));
  tools = join(root, "tools");
  mkdirSync(tools);
  for (const tool of TOOLS) {
    const found = execFileSync("sh", ["-c", `command -v ${tool} || true`], { encoding: "utf8" }).trim();
    if (found) symlinkSync(found, join(tools, tool));
  }
  runtimes = join(root, "runtimes");
  const first = makeTestRuntime(runtimes, process.versions.node);
  // A "new" runtime for the update: the same binary under another version, in a tarball with another checksum.
  const second = makeTestRuntime(runtimes, "22.99.0", "newer");
  build1 = join(root, "build-0.1.0");
  build2 = join(root, "build-0.2.0");
  await buildAgent(["--out", build1, "--runtime", first.runtimeJson, "--version", "0.1.0"]);
  await buildAgent(["--out", build2, "--runtime", second.runtimeJson, "--version", "0.2.0"]);
  server = await fakeHearthServer({ build: build1, runtimes });
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

// Each step runs real processes and moves a ~120 MB runtime around: seconds each, more on a loaded machine.
describe("install.sh, hearth update and hearth uninstall", { timeout: 90_000 }, () => {
  it("runs where there is no node at all", async () => {
    const probe = await bare("command -v node", { HOME: root });
    expect(probe.code).not.toBe(0);
    expect(probe.stdout).toBe("");
  });

  it("installs the runtime and the agent in the contract's layout, pairs with the install key, and says the service did not start (exit 4)", async () => {
    const home = join(root, "home1");
    mkdirSync(home);
    const run = await bare(`curl -fsSL '${server.url}/install.sh?k=${KEY}' | sh`, { HOME: home });
    expect(run.stderr).not.toMatch(/refused|hearth install:/);
    expect(run.code).toBe(4);
    expect(run.stdout).toContain("Installed and paired, but the background service could not be started");
    expect(run.stdout).toContain(`Start the agent by hand with: ${home}/.local/bin/hearth start`);
    expect(run.stdout).toContain(`Note: ${home}/.local/bin is not on your PATH`);

    const dir = join(home, ".local/share/hearth");
    expect(defaultProgramDir({ HOME: home }, "linux")).toBe(dir);
    expect(defaultLauncher({ HOME: home }, "linux")).toBe(join(home, ".local/bin/hearth"));
    expect(filesUnder(dir)).toEqual(["app/hearth.cjs", "install.json", "runtime/node"]);
    expect(sha256File(join(dir, "app/hearth.cjs"))).toBe(manifestOf(build1).app.sha256);
    expect(statSync(join(dir, "runtime/node")).mode & 0o111).not.toBe(0);
    const record = InstallRecord.parse(JSON.parse(readFileSync(join(dir, "install.json"), "utf8")));
    expect(record).toMatchObject({ schema: 1, server: server.url, version: "0.1.0", node: process.versions.node, platform: PLATFORM, launcher: join(home, ".local/bin/hearth") });
    expect(readFileSync(join(home, ".local/bin/hearth"), "utf8")).toBe(`#!/bin/sh\nexec '${dir}/runtime/node' '${dir}/app/hearth.cjs' "$@"\n`);

    // Paired through the key, as the web page that made the line waits to see.
    expect(server.starts).toEqual([{ name: expect.any(String), platform: PLATFORM, agent_version: "0.1.0", install_key: KEY }]);
    expect(JSON.parse(readFileSync(join(home, ".config/hearth/credentials.json"), "utf8"))).toMatchObject({ server: server.url, device_id: "device-7" });

    const version = await bare(`'${home}/.local/bin/hearth' --version`, { HOME: home });
    expect(version).toMatchObject({ code: 0, stdout: "0.1.0\n" });
    const status = await bare(`'${home}/.local/bin/hearth' status`, { HOME: home });
    expect(status.stdout).toMatch(/Paired:\s+yes, with me@example.com/);
    // An installed copy tells the user to type `hearth`; and the server offers nothing newer yet.
    expect(status.stdout).toContain("Start it with `hearth start`");
    expect(status.stdout).not.toContain("update available");
  });

  it("updates in place when run again, keeping the settings and the pairing", async () => {
    const home = join(root, "home1");
    const settings = snapshot(join(home, ".config/hearth"));
    const run = await bare(`curl -fsSL '${server.url}/install.sh' | sh`, { HOME: home });
    expect(run.code).toBe(4);
    expect(run.stdout).toContain(`✓ Node ${process.versions.node} already installed`);
    expect(run.stdout).toContain(`✓ Already paired with ${server.url}`);
    expect(server.starts).toHaveLength(1);
    expect(snapshot(join(home, ".config/hearth"))).toEqual(settings);
    expect(filesUnder(join(home, ".local/share/hearth"))).toEqual(["app/hearth.cjs", "app/hearth.cjs.previous", "install.json", "runtime/node"]);
  });

  it("pairs again when the line carries an install key (the page that made it waits for this pairing)", async () => {
    const home = join(root, "home1");
    const run = await bare(`curl -fsSL '${server.url}/install.sh?k=${KEY2}' | sh`, { HOME: home });
    expect(run.code).toBe(4);
    expect(run.stdout).toContain("This computer is paired with me@example.com");
    expect(server.starts.map((start) => start.install_key)).toEqual([KEY, KEY2]);
    expect(JSON.parse(readFileSync(join(home, ".config/hearth/credentials.json"), "utf8"))).toMatchObject({ server: server.url, device_id: "device-7" });
  });

  it("keeps the install key out of every command line, and pairs plainly when the line is run again after its key was used", async () => {
    const home = mkdtempSync(join(root, "home-rerun-"));
    // The line comes in through the environment, so the only process that could show the key is `hearth pair`.
    const line = { HOME: home, HEARTH_LINE: `${server.url}/install.sh?k=${KEY3}` };
    const first = await bare(`curl -fsSL "$HEARTH_LINE" | sh`, line);
    expect(first.code, first.stderr).toBe(4);
    expect(server.starts.at(-1)?.install_key).toBe(KEY3);
    // (The other tests type their line with the key into `sh -c`, which a user's interactive shell does not show.)
    expect(server.keysInArgv).not.toContain(KEY3);

    // The same line again (to repair, or by mistake): the server refuses the used key, and the pairing goes on.
    const again = await bare(`curl -fsSL "$HEARTH_LINE" | sh`, line);
    expect(again.code, again.stderr).toBe(4);
    expect(server.refusedKeys).toEqual([KEY3]);
    expect(again.stdout).toContain("This install line's key has expired or was already used, so the pairing goes on without it");
    expect(again.stdout).toContain(`${server.url}/pair?code=WXYZ-2345`);
    expect(again.stdout).toContain("Paired with me@example.com.");
    expect(server.starts.at(-1)?.install_key).toBeUndefined();
    expect(server.keysInArgv).not.toContain(KEY3);
  });

  it.each([
    ["the agent", () => manifestOf(build1).app.path, "the agent"],
    ["the runtime", () => `/runtime/test-node/-/test-node-${process.versions.node}.tgz`, "the Node runtime"],
  ])("refuses a tampered download of %s and installs nothing", async (_what, path, named) => {
    const home = mkdtempSync(join(root, "home-tampered-"));
    const pairings = server.starts.length;
    server.tamper.set(path(), Buffer.from("#!/bin/sh\necho pwned\n"));
    try {
      const run = await bare(`curl -fsSL '${server.url}/install.sh?k=${KEY}' | sh`, { HOME: home, HEARTH_INSTALL_DIR: join(home, "prog"), HEARTH_BIN_DIR: join(home, "bin") });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`refused: checksum mismatch for ${named}`);
      expect(run.stderr).toContain("Nothing was installed");
      expect(filesUnder(home)).toEqual([]);
      expect(server.starts).toHaveLength(pairings);
    } finally {
      server.tamper.clear();
    }
  });

  it("hearth update refuses a tampered agent, then installs the newer one and its runtime, keeping HEARTH_HOME byte for byte", async () => {
    const home = join(root, "home1");
    const dir = join(home, ".local/share/hearth");
    const launcher = `'${home}/.local/bin/hearth'`;
    const settings = snapshot(join(home, ".config/hearth"));
    server.serve(build2);
    const newer = manifestOf(build2);

    const status = await bare(`${launcher} status`, { HOME: home });
    expect(status.stdout).toContain("update available: 0.2.0 (run `hearth update`)");
    const check = await bare(`${launcher} update --check`, { HOME: home });
    expect(check).toMatchObject({ code: 0 });
    expect(check.stdout).toContain("Update available: 0.2.0");
    expect(sha256File(join(dir, "app/hearth.cjs"))).toBe(manifestOf(build1).app.sha256);

    const runtimeBefore = statSync(join(dir, "runtime/node")).ino;
    server.tamper.set(newer.app.path, Buffer.from("module.exports = 'pwned';\n"));
    const refused = await bare(`${launcher} update`, { HOME: home });
    server.tamper.clear();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refused: checksum mismatch for the agent");
    expect(sha256File(join(dir, "app/hearth.cjs"))).toBe(manifestOf(build1).app.sha256);
    expect(statSync(join(dir, "runtime/node")).ino).toBe(runtimeBefore);
    expect(InstallRecord.parse(JSON.parse(readFileSync(join(dir, "install.json"), "utf8"))).version).toBe("0.1.0");
    expect(filesUnder(dir)).toEqual(["app/hearth.cjs", "app/hearth.cjs.previous", "install.json", "runtime/node"]);

    // The install wrote a systemd unit, but no user manager runs here: the update is in place, and the exit code and
    // message say that the service was not restarted (4, as the installer's own "installed, but not started").
    const update = await bare(`${launcher} update`, { HOME: home });
    expect(update.stderr).toContain("The update is installed, but the background service could not be restarted");
    expect(update.code).toBe(4);
    expect(update.stdout).toContain(`✓ Updated 0.1.0 → 0.2.0 and Node ${process.versions.node} → 22.99.0`);
    expect(sha256File(join(dir, "app/hearth.cjs"))).toBe(newer.app.sha256);
    expect(sha256File(join(dir, "app/hearth.cjs.previous"))).toBe(manifestOf(build1).app.sha256);
    expect(statSync(join(dir, "runtime/node")).ino).not.toBe(runtimeBefore);
    expect(InstallRecord.parse(JSON.parse(readFileSync(join(dir, "install.json"), "utf8")))).toMatchObject({ version: "0.2.0", node: "22.99.0" });
    expect(filesUnder(dir)).toEqual(["app/hearth.cjs", "app/hearth.cjs.previous", "install.json", "runtime/node"]);
    expect(await bare(`${launcher} --version`, { HOME: home })).toMatchObject({ code: 0, stdout: "0.2.0\n" });
    expect(snapshot(join(home, ".config/hearth"))).toEqual(settings);

    const again = await bare(`${launcher} update`, { HOME: home });
    expect(again.stdout).toContain("The Hearth agent 0.2.0 is up to date");
  });

  it("hearth uninstall removes the device on the server, the program and the launcher, and keeps only the settings", async () => {
    const home = join(root, "home1");
    const run = await bare(`'${home}/.local/bin/hearth' uninstall --yes`, { HOME: home });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(server.revoked).toEqual(["Bearer installed-agent-token"]);
    expect(run.stdout).toContain(`Removed this computer from your devices on ${server.url}.`);
    expect(run.stdout).toContain(`Removed: ${home}/.local/share/hearth`);
    expect(run.stdout).toContain(`Kept:    ${home}/.config/hearth`);
    // Nothing but the settings folder is left in this user's home.
    expect(filesUnder(home).every((file) => file.startsWith(".config/hearth/"))).toBe(true);
    expect(filesUnder(home)).toContain(".config/hearth/credentials.json");
    expect(existsSync(join(home, ".local/share/hearth"))).toBe(false);
    expect(existsSync(join(home, ".local/bin/hearth"))).toBe(false);
  });

  it("hearth uninstall removes only the installer's own files when HEARTH_INSTALL_DIR is a shared folder (~/.local)", async () => {
    const home = mkdtempSync(join(root, "home-shared-"));
    const shared = join(home, ".local");
    mkdirSync(join(shared, "bin"), { recursive: true });
    mkdirSync(join(shared, "share"), { recursive: true });
    writeFileSync(join(shared, "bin", "other"), "#!/bin/sh\necho mine\n");
    writeFileSync(join(shared, "share", "x"), "mine\n");
    const install = await bare(`curl -fsSL '${server.url}/install.sh' | sh`, { HOME: home, HEARTH_INSTALL_DIR: shared });
    expect(install.code, install.stderr).toBe(4);
    expect(existsSync(join(shared, "runtime/node"))).toBe(true);

    const run = await bare(`'${home}/.local/bin/hearth' uninstall --yes --keep-data`, { HOME: home });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    // The user's own files survive; everything the installer wrote is gone.
    expect(filesUnder(home).filter((file) => !file.startsWith(".config/hearth/"))).toEqual([".local/bin/other", ".local/share/x"]);
    expect(readFileSync(join(shared, "bin", "other"), "utf8")).toBe("#!/bin/sh\necho mine\n");
    expect(existsSync(join(shared, "runtime"))).toBe(false);
    expect(existsSync(join(shared, "app"))).toBe(false);
    // The folders that still hold the user's files are said to be kept, not "Removed".
    expect(run.stdout).toContain(`Kept:    ${shared}/bin (it also holds other`);
    expect(run.stdout).toContain(`Kept:    ${shared} (it also holds bin, share`);
    expect(run.stdout).not.toContain(`Removed: ${shared}\n`);
    expect(run.stdout).not.toContain(`Removed: ${shared}/bin\n`);
    expect(run.stdout).toContain(`Removed: ${shared}/runtime`);
  });

  it("hearth uninstall --remove-data deletes Hearth's files in HEARTH_HOME by name, and keeps a file of the user's own", async () => {
    const home = join(root, "repo-settings-mixed");
    mkdirSync(join(home, "logs"), { recursive: true });
    const ours = ["config.json", "credentials.json", "local-token", "state.db", "state.db-wal", "state.db-shm", "audit.jsonl", "status.json", "logs/agent.log", "logs/agent.log.1", "logs/agent.stderr.log"];
    for (const file of ours) writeFileSync(join(home, file), file === "credentials.json" ? JSON.stringify({ server: "http://127.0.0.1:9", device_id: "d", token: "t", user_email: "me@example.com" }) : "x\n");
    writeFileSync(join(home, "notes.txt"), "the user's own\n");
    const run = await hearth(["uninstall", "--yes", "--remove-data"], { HEARTH_HOME: home });
    expect(run.code, run.stderr).toBe(0);
    expect(filesUnder(home)).toEqual(["notes.txt"]);
    expect(existsSync(join(home, "logs"))).toBe(false);
    expect(run.stdout).toContain(`Kept:    ${home} (it also holds notes.txt`);
    expect(run.stdout).toContain(`Removed: ${join(home, "credentials.json")}`);
    expect(run.stdout).not.toContain(`Removed: ${home}\n`);
  });

  it("from a repo checkout, hearth uninstall confirms first, then removes the device and, when told, the settings", async () => {
    const home = join(root, "repo-settings");
    mkdirSync(home);
    writeFileSync(join(home, "credentials.json"), JSON.stringify({ server: server.url, device_id: "device-7", token: "installed-agent-token", user_email: "me@example.com" }));
    // No terminal to confirm on (as under a test runner): nothing happens without --yes.
    const unconfirmed = await hearth(["uninstall"], { HEARTH_HOME: home });
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain("uninstall --yes");
    expect(existsSync(join(home, "credentials.json"))).toBe(true);

    server.revoked.length = 0;
    const run = await hearth(["uninstall", "--yes", "--remove-data"], { HEARTH_HOME: home });
    expect(run.code).toBe(0);
    expect(server.revoked).toEqual(["Bearer installed-agent-token"]);
    expect(run.stdout).toContain(`Removed: ${home}`);
    expect(run.stdout).toContain("this repo checkout itself is yours to delete");
    expect(existsSync(home)).toBe(false);
  });

  it("hearth uninstall goes on when the server cannot be reached, and says so", async () => {
    const home = join(root, "repo-settings-offline");
    mkdirSync(home);
    writeFileSync(join(home, "credentials.json"), JSON.stringify({ server: "http://127.0.0.1:9", device_id: "d", token: "t", user_email: "me@example.com" }));
    const run = await hearth(["uninstall", "--yes", "--keep-data"], { HEARTH_HOME: home });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Could not reach http://127.0.0.1:9");
    expect(run.stdout).toContain("remove this computer there yourself, in Settings → Devices");
    expect(run.stdout).toContain(`Kept:    ${home}`);
    expect(existsSync(join(home, "credentials.json"))).toBe(true);
  });

  it.runIf(hasScript)("hearth uninstall asks on the terminal, and keeps the settings unless the answer is yes", async () => {
    for (const [answers, kept] of [
      [["y", "n"], true],
      [["yes", "y"], false],
      [["n"], true],
    ] as const) {
      const home = mkdtempSync(join(root, "tty-settings-"));
      writeFileSync(join(home, "config.json"), "{}\n");
      const talk = await onTerminal([HEARTH_BIN, "uninstall"], { HEARTH_HOME: home }, answers);
      expect(talk.code, talk.output).toBe(0);
      expect(talk.output).toContain("Remove the Hearth agent's background service? [y/N]");
      if (answers[0] === "n") expect(talk.output).toContain("Nothing was removed.");
      else expect(talk.output).toContain(`Also delete settings, credentials and history in ${home}? [y/N]`);
      expect(existsSync(join(home, "config.json"))).toBe(kept);
    }
  });

  it("from a repo checkout, hearth update says to use git pull", async () => {
    const run = await hearth(["update"], { HEARTH_HOME: join(root, "repo-home") });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("update it with `git pull`");
  });
});
