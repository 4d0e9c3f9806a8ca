import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { expect, test } from "@playwright/test";
import type { Page } from "@playwright/test";
import { PORTS } from "../playwright.config.ts";
import { registerNewUser } from "./register.ts";

// The one-line install, end to end, as a new user on Linux would do it: the line copied from Settings → Devices →
// Add a computer runs with `sh` in a clean environment (a fresh HOME and a PATH with no node, npm, git or hearth),
// against a real `wrangler dev` serving this build's agent. Only the npm registry, where the pinned Node runtime
// comes from, is a fake: a loopback server with the real tarball (fetched once with `npm pack`).

const ROOT = join(import.meta.dirname, "..");
const PORT = PORTS.app + 5;
const SERVER = `http://localhost:${PORT}`;
const PLATFORM = `${process.platform}-${process.arch}`;

/** The tools a minimal Linux has, and nothing else: the install may use only these. */
const TOOLS = ["sh", "curl", "tar", "gzip", "sha256sum", "mkdir", "rm", "mv", "cp", "chmod", "cat", "uname", "mktemp", "dirname", "basename", "sed", "grep", "id", "head", "tail", "tr", "ln", "env", "sleep", "ls", "date", "readlink", "touch", "wc", "cut", "awk", "printf", "test", "[", "systemctl", "journalctl"];

type Manifest = { version: string; runtime: { platforms: Record<string, { path: string }> } };
type Device = { id: string; name: string; status: string; agent_version: string; update_available?: boolean };
type Command = { id: string; status: string };

test.use({ baseURL: SERVER });

let work: string;
let assets: string;
let registry: Server;
let server: ChildProcess | null = null;
let serverLog = "";

/** A command in the clean environment; resolves with its exit code and output. */
function clean(home: string, sysbin: string, script: string, extraPath = ""): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("/bin/sh", ["-c", script], { env: { HOME: home, PATH: `${sysbin}${extraPath}`, LANG: "C.UTF-8" }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => resolve({ code, output }));
    Object.assign(live, { [script]: () => output });
  });
}
const live: Record<string, () => string> = {};

/** Waits until the running clean command's output matches. */
async function waitForOutput(script: string, pattern: RegExp, timeout = 60_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const match = pattern.exec(live[script]?.() ?? "");
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`never printed ${pattern}:\n${live[script]?.() ?? ""}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every file under dir, as paths relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((path) => statSync(join(dir, path)).isFile());
}

/** ExecStart and Environment of a systemd unit, split the way systemd splits them (double-quoted words). */
function unitCommand(unit: string): { argv: string[]; env: Record<string, string> } {
  const words = (line: string) => [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] ?? m[2] ?? "").replace(/\\(.)/g, "$1"));
  const exec = /^ExecStart=(.+)$/m.exec(unit)?.[1];
  if (!exec) throw new Error(`no ExecStart in the unit:\n${unit}`);
  const env: Record<string, string> = {};
  for (const match of unit.matchAll(/^Environment=(.+)$/gm)) {
    for (const pair of words(match[1] ?? "")) {
      const at = pair.indexOf("=");
      env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return { argv: words(exec), env };
}

/** Same-origin API calls from the signed-in page. */
function api(page: Page) {
  const headers = { origin: SERVER };
  return {
    get: async <T>(path: string): Promise<T> => (await page.request.get(`${SERVER}${path}`)).json(),
    post: async (path: string, data: unknown) => page.request.post(`${SERVER}${path}`, { data, headers }),
  };
}

test.beforeAll(async () => {
  test.setTimeout(240_000);
  work = mkdtempSync(join(tmpdir(), "hearth-install-e2e-"));
  // The server's own copy of the build, so that a newer agent can be built into it while it runs.
  assets = join(work, "assets");
  cpSync(join(ROOT, "web", "build"), assets, { recursive: true });
  const manifest: Manifest = JSON.parse(readFileSync(join(assets, "agent", "manifest.json"), "utf8"));
  const runtimePath = manifest.runtime.platforms[PLATFORM]?.path;
  if (!runtimePath) throw new Error(`the manifest has no runtime for ${PLATFORM}`);

  // The real runtime tarball, byte for byte what the registry serves (npm keeps it in its cache after the first run).
  const cache = join(ROOT, "node_modules", ".cache", "hearth-e2e-runtime");
  mkdirSync(cache, { recursive: true });
  const tarball = join(cache, runtimePath.split("/").at(-1) ?? "runtime.tgz");
  if (!existsSync(tarball)) {
    const [name, file] = [runtimePath.split("/")[0], runtimePath.split("/").at(-1) ?? ""];
    const version = file.slice(`${name}-`.length, -".tgz".length);
    const packed = spawnSync("npm", ["pack", `${name}@${version}`, "--pack-destination", cache, "--silent"], { encoding: "utf8" });
    if (packed.status !== 0) throw new Error(`npm pack ${name}@${version} failed:\n${packed.stderr}`);
  }
  const body = readFileSync(tarball);
  registry = createServer((request, response) => {
    if (request.url === `/${runtimePath}`) {
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length });
      response.end(body);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => registry.listen(0, "127.0.0.1", resolve));
  const address = registry.address();
  if (address === null || typeof address === "string") throw new Error("the fake registry has no port");

  server = spawn(process.execPath, [join(ROOT, "scripts", "start.mjs"), "--skip-build", "--fresh", "--port", String(PORT), "--persist-to", join(ROOT, ".wrangler", `e2e-${PORT}`), "--assets", assets, "--var", `AGENT_RUNTIME_BASE:http://127.0.0.1:${address.port}`], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  server.stdout?.on("data", (chunk: Buffer) => (serverLog += chunk.toString()));
  server.stderr?.on("data", (chunk: Buffer) => (serverLog += chunk.toString()));
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the server stopped:\n${serverLog}`);
    try {
      if ((await fetch(`${SERVER}/api/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server never came up:\n${serverLog}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
});

test.afterAll(async () => {
  server?.kill("SIGTERM");
  await new Promise<void>((resolve) => (registry ? registry.close(() => resolve()) : resolve()));
  if (work) rmSync(work, { recursive: true, force: true, maxRetries: 5 });
});

test("one line installs, pairs and sets up the agent; update keeps its state; uninstall leaves only what was kept", async ({ page }) => {
  test.setTimeout(300_000);
  const home = join(work, "home");
  mkdirSync(join(home, "Documents"), { recursive: true });
  writeFileSync(join(home, "Documents", "notes.txt"), "hello from the clean machine\n");
  // The clean machine's PATH: a folder with only the basic tools, so no node, npm, git or hearth is found.
  const sysbin = join(work, "sysbin");
  mkdirSync(sysbin);
  for (const tool of TOOLS) {
    const found = ["/usr/bin", "/bin"].map((dir) => join(dir, tool)).find((path) => existsSync(path));
    if (found) symlinkSync(found, join(sysbin, tool));
  }
  expect((await clean(home, sysbin, "command -v node || command -v npm || command -v git || command -v hearth || echo none")).output.trim()).toBe("none");

  // The user copies the line from Settings → Devices → Add a computer.
  await registerNewUser(page, "install");
  await page.goto(`${SERVER}/settings/devices`);
  await page.getByRole("button", { name: "Add a computer" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("tab", { name: "Linux" }).click();
  const line = (await dialog.getByText(/curl -fsSL .*install\.sh/).textContent())?.trim() ?? "";
  expect(line).toMatch(new RegExp(`^curl -fsSL ${SERVER}/install\\.sh\\?k=[A-Za-z0-9_-]+ \\| sh$`));

  // It runs in the clean environment: downloads and checks the runtime and the agent, then starts pairing.
  const install = clean(home, sysbin, line);
  const [code] = await waitForOutput(line, /[A-Z0-9]{4}-[A-Z0-9]{4}/, 120_000);
  // The page that showed the line shows that code: one click approves it.
  await expect(dialog.getByText(code)).toBeVisible({ timeout: 15_000 });
  await dialog.getByRole("button", { name: "Approve" }).click();
  await expect(dialog.getByText(/is connected/)).toBeVisible({ timeout: 30_000 });
  const installed = await install;
  // No systemd user manager runs in this container: the unit is written and checked, the script says how to start
  // the agent by hand, and says so with its exit code rather than claiming a running service.
  expect(installed.output).toMatch(/Paired with/);
  expect(installed.code, installed.output).toBe(4);
  expect(installed.output).toMatch(/hearth start/);

  const program = join(home, ".local", "share", "hearth");
  const launcher = join(home, ".local", "bin", "hearth");
  const settings = join(home, ".config", "hearth");
  expect(existsSync(join(program, "runtime", "node"))).toBe(true);
  expect(existsSync(join(program, "app", "hearth.cjs"))).toBe(true);
  expect(existsSync(launcher)).toBe(true);
  expect(existsSync(join(settings, "credentials.json"))).toBe(true);
  expect(installed.output).toContain(settings);

  // The systemd user unit: written where systemd looks, and valid by systemd's own check where it is installed.
  const unitFile = join(home, ".config", "systemd", "user", "hearth.service");
  const unit = readFileSync(unitFile, "utf8");
  expect(unit).toMatch(/^RestartPreventExitStatus=3$/m);
  expect(unit).toMatch(/^Restart=on-failure$/m);
  if (existsSync("/usr/bin/systemd-analyze")) {
    const runtimeDir = mkdtempSync(join(work, "xdg-"));
    const verified = spawnSync("/usr/bin/systemd-analyze", ["verify", "--user", unitFile], { env: { HOME: home, XDG_RUNTIME_DIR: runtimeDir, PATH: "/usr/bin:/bin" }, encoding: "utf8" });
    expect(`${verified.stdout}${verified.stderr}`).toBe("");
    expect(verified.status).toBe(0);
  }

  // The agent, started exactly as the unit starts it, with nothing of ours in its environment.
  const { argv, env: unitEnv } = unitCommand(unit);
  const startAgent = () => {
    const [program0, ...args] = argv;
    const child = spawn(program0 ?? "", args, { env: { HOME: home, PATH: sysbin, ...unitEnv }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, exited, output: () => output };
  };
  const client = api(page);
  const device = async () => (await client.get<{ devices: Device[] }>("/api/devices")).devices[0];
  let agent = startAgent();
  await expect.poll(async () => (await device())?.status, { timeout: 30_000, message: agent.output() }).toBe("online");
  const { version } = await client.get<Manifest>("/agent/manifest.json");
  expect((await device())?.agent_version).toBe(version);

  // One command round-trips.
  expect((await client.post("/api/permissions", { target: "filesystem", action: "*", effect: "allow" })).status()).toBe(201);
  const deviceId = (await device())?.id;
  const dispatch = async (action: string, parameters: Record<string, string>) =>
    ((await (await client.post("/api/commands", { device_id: deviceId, command: { target: "filesystem", action, parameters } })).json()) as { command: Command }).command;
  const status = async (id: string) => (await client.get<{ command: Command & { result?: { content?: string } } }>(`/api/commands/${id}`)).command;
  const read = await dispatch("read", { path: join(home, "Documents", "notes.txt") });
  await expect.poll(async () => (await status(read.id)).status, { timeout: 20_000 }).toBe("done");
  expect(JSON.stringify((await status(read.id)).result)).toContain("hello from the clean machine");

  // The agent stops; a write is queued for it while it is away.
  agent.child.kill("SIGTERM");
  expect(await agent.exited).toBe(0);
  const target = join(home, "Documents", "after-update.txt");
  const write = await dispatch("write", { path: target, content: "written once" });
  expect(write.status).toBe("queued");

  // The server gets a newer agent build; the device page says an update is available.
  const [major, minor, patch] = version.split(/[.-]/).map(Number);
  const newer = `${major}.${minor}.${(patch ?? 0) + 1}`;
  const built = spawnSync(process.execPath, [join(ROOT, "scripts", "build-agent.mjs"), "--version", newer, "--out", join(assets, "agent")], { cwd: ROOT, encoding: "utf8" });
  expect(built.status, `${built.stdout}${built.stderr}`).toBe(0);
  // wrangler dev reloads the worker when its assets change (under load that takes a while), and an isolate trusts
  // the manifest it read for up to a minute (MANIFEST_CACHE_MS).
  await expect.poll(async () => (await client.get<Manifest>("/agent/manifest.json")).version, { timeout: 90_000 }).toBe(newer);
  await expect.poll(async () => (await device())?.update_available, { timeout: 60_000 }).toBe(true);
  await page.goto(`${SERVER}/settings/devices`);
  await expect(page.getByText(`Update available: v${newer}`)).toBeVisible();
  const bin = `:${join(home, ".local", "bin")}`;
  expect((await clean(home, sysbin, "hearth status", bin)).output).toMatch(new RegExp(`update available: ${newer.replace(/\./g, "\\.")}`, "i"));

  // `hearth update` replaces the program and keeps the settings, the pairing and the queue.
  const kept = (name: string) => createHash("sha256").update(readFileSync(join(settings, name))).digest("hex");
  const before = { credentials: kept("credentials.json"), files: filesUnder(settings).sort() };
  const updated = await clean(home, sysbin, "hearth update", bin);
  expect(updated.output).toContain(newer);
  expect((await clean(home, sysbin, "hearth --version", bin)).output.trim()).toBe(newer);
  expect(kept("credentials.json")).toBe(before.credentials);
  for (const file of before.files) expect(existsSync(join(settings, file)), file).toBe(true);

  // Started again the way the service starts it: the newer agent connects and runs the queued write exactly once.
  agent = startAgent();
  await expect.poll(async () => (await device())?.agent_version, { timeout: 30_000, message: agent.output() }).toBe(newer);
  await expect.poll(async () => (await status(write.id)).status, { timeout: 20_000 }).toBe("done");
  expect(readFileSync(target, "utf8")).toBe("written once");
  const audited = readFileSync(join(settings, "audit.jsonl"), "utf8")
    .split("\n")
    .filter((row) => row.includes(write.id) && /"outcome":"done"/.test(row));
  expect(audited).toHaveLength(1);
  expect((await device())?.update_available).toBe(false);

  // `hearth uninstall`, keeping the settings: the device is revoked (the running agent is told to stop, exit 3), and
  // nothing of the program is left.
  const removed = await clean(home, sysbin, "hearth uninstall --yes --keep-data", bin);
  expect(removed.code, removed.output).toBe(0);
  expect(await agent.exited).toBe(3);
  await expect.poll(async () => (await device())?.status).toBe("revoked");
  const left = filesUnder(home).map((path) => relative(home, join(home, path)));
  const outsideKept = left.filter((path) => !path.startsWith(".config/hearth/") && !path.startsWith("Documents/"));
  expect(outsideKept).toEqual([]);
  expect(existsSync(join(settings, "credentials.json"))).toBe(true);
});

test("a tampered agent is refused and nothing is installed", async () => {
  test.setTimeout(120_000);
  const home = join(work, "tampered-home");
  mkdirSync(home, { recursive: true });
  // The server's copy of the current agent is altered after its checksum was published.
  const manifest: Manifest & { app: { path: string } } = JSON.parse(readFileSync(join(assets, "agent", "manifest.json"), "utf8"));
  const app = join(assets, manifest.app.path.replace(/^\/agent\//, "agent/"));
  const original = readFileSync(app);
  writeFileSync(app, Buffer.concat([original, Buffer.from("\n;require('child_process').execSync('touch /tmp/pwned');\n")]));
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const result = await clean(home, "/usr/bin:/bin", `curl -fsSL ${SERVER}/install.sh | sh`);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/checksum/i);
    expect(filesUnder(home)).toEqual([]);
  } finally {
    writeFileSync(app, original);
  }
});
