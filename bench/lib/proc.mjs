// Starting and stopping the servers the benchmarks use, and reading their memory.
// Every child is spawned in its own process group (detached), so one kill(-pid) ends it and everything under it.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BIN = `${ROOT}node_modules/.bin`;

/** Children still running; killed on exit, on error and on Ctrl+C. */
const live = new Set();

export function killGroup(child, signal = "SIGTERM") {
  if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Ends a spawned group: SIGTERM, then SIGKILL after a grace period. */
export async function stopGroup(child, graceMs = 4000) {
  if (!child?.pid) return;
  // Remember each descendant with its start time, so a pid the kernel has since reused is never touched.
  const known = descendants(child.pid).map((pid) => ({ pid, started: startTime(pid) }));
  const stillOurs = ({ pid, started }) => started !== null && startTime(pid) === started;
  killGroup(child, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && known.some(stillOurs)) await sleep(100);
  killGroup(child, "SIGKILL");
  // A descendant that left the group (or outlived its leader): end it by its own pid.
  for (const p of known) {
    if (!stillOurs(p)) continue;
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  live.delete(child);
}

/** The process's start time (field 22 of /proc/<pid>/stat), or null when it is gone. */
function startTime(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return null;
  }
}

export async function stopAll() {
  await Promise.all([...live].map((child) => stopGroup(child)));
}

let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const child of live) killGroup(child, "SIGKILL");
  });
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, async () => {
      await stopAll();
      process.exit(130);
    });
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A free TCP port on 127.0.0.1, starting from `from`. */
export async function freePort(from = 8801) {
  for (let port = from; port < from + 200; port++) if (await portIsFree(port)) return port;
  throw new Error(`no free port from ${from}`);
}

/** Spawns `command` in its own process group, with Node 22 first on PATH; output goes to a ring buffer. */
export function spawnGroup(command, args, { cwd = ROOT, env = {}, label = command } = {}) {
  hookExit();
  const child = spawn(command, args, {
    cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PATH: `${BIN}:${process.env.PATH}`, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", ...env },
  });
  live.add(child);
  child.output = [];
  child.errors = []; // lines that look like errors, kept apart so request logs cannot push them out
  const keep = (chunk) => {
    child.output.push(String(chunk));
    if (child.output.length > 400) child.output.splice(0, child.output.length - 400);
    for (const line of String(chunk).split("\n")) {
      if (/ERROR|✘|Error|Uncaught|exception/.test(line) && child.errors.length < 500) child.errors.push({ at: new Date().toISOString(), line: line.replace(/\x1b\[[0-9;]*m/g, "").trim() });
    }
    if (process.env.BENCH_VERBOSE) process.stderr.write(`[${label}] ${chunk}`);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  child.on("exit", () => live.delete(child));
  return child;
}

/** What `wrangler dev` (or workerd under it) prints when another process holds its port. */
const PORT_TAKEN = "Address already in use";

/**
 * Resolves once `url` answers 2xx from the server `child` started: the listening socket on the url's port must
 * belong to `child` or a process under it. Any other server answering there is someone else's (another bench's
 * Hearth took the port between our check and our bind), and a bench that talked to it would measure, or fail on,
 * the wrong thing; a child that says "Address already in use" fails at once.
 */
export async function waitHealthy(child, url, timeoutMs, label) {
  const deadline = Date.now() + timeoutMs;
  const port = Number(new URL(url).port);
  const failed = () => {
    const output = child.output.join("");
    if (output.includes(PORT_TAKEN)) throw new Error(`${label} could not take its port ${port} (${PORT_TAKEN}):\n${output.slice(-3000)}`);
    if (child.exitCode !== null) throw new Error(`${label} exited (${child.exitCode}):\n${output.slice(-3000)}`);
  };
  while (Date.now() < deadline) {
    failed();
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok && ownsPort(child, port)) return;
    } catch {
      // not yet
    }
    await sleep(200);
  }
  const other = ownsPort(child, port) ? "" : ` (port ${port} is ${portListeners(port).size > 0 ? "held by another process" : "not listened on"})`;
  throw new Error(`${label} did not answer ${url} within ${timeoutMs / 1000} s${other}:\n${child.output.join("").slice(-3000)}`);
}

/** The socket inodes listening on `port` (any address), from /proc/net/tcp and tcp6. */
function portListeners(port) {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const inodes = new Set();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address ends in the port; state 0A is LISTEN; field 9 is the socket's inode.
      if (fields.length > 9 && fields[1].endsWith(hex) && fields[3] === "0A") inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** Whether `child` or a process under it holds a socket listening on `port`. */
export function ownsPort(child, port) {
  const inodes = portListeners(port);
  if (inodes.size === 0 || !child.pid) return false;
  for (const pid of [child.pid, ...descendants(child.pid)]) {
    let fds;
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const socket = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (socket && inodes.has(socket[1])) return true;
      } catch {
        // closed meanwhile
      }
    }
  }
  return false;
}

/** Whether nothing listens on `port` of 127.0.0.1 now. */
export function portIsFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * Runs `start` up to three times: wrangler picks some internal ports itself, and another `wrangler dev` on the
 * machine can take one between its check and its bind ("Address already in use").
 */
async function withRetries(label, start) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(attempt);
    } catch (error) {
      if (attempt >= 3) throw error;
      process.stderr.write(`  · ${label} did not start (attempt ${attempt}): ${String(error.message).split("\n")[0]}; trying again\n`);
      await sleep(1000);
    }
  }
}

/** Starts Hearth from empty state with `scripts/start.mjs`; resolves once /api/health answers. */
export function startHearth({ port, vars = [] } = {}) {
  return withRetries("Hearth", async (attempt) => startHearthOnce({ port: attempt === 1 ? port : undefined, vars }));
}

/**
 * Where local state goes: `.wrangler/bench-<port>` on disk (like `npm start`), or with BENCH_PERSIST=tmpfs a
 * folder in /dev/shm (a diagnostic: it shows how much of a figure is the disk's fsync).
 */
export function persistDir(kind, port) {
  return process.env.BENCH_PERSIST === "tmpfs" ? `/dev/shm/hearth-bench-${kind}-${port}` : `${ROOT}.wrangler/bench-${kind === "hearth" ? "" : `${kind}-`}${port}`;
}

/**
 * What a snapshot holds: everything `scripts/start.mjs`, the worker's bundle and the agent read
 * (bench/lib/proc.test.mjs checks it against the import graph, so a new top-level folder cannot be left out).
 */
export const SNAPSHOT_PARTS = ["package.json", "wrangler.toml", "tsconfig.json", "scripts", "worker", "relay", "core", "protocol", "agent", "migrations", "web/build"];
let snapshot = null;

/**
 * A copy of the app's code taken once, when the first Hearth server of this run starts (node_modules is linked).
 * `wrangler dev` rebuilds and restarts the worker whenever a source file changes; run in place, an edit made
 * during a run restarts the server under the benchmark ("Your worker restarted mid-request"). BENCH_SNAPSHOT=0
 * runs the working tree in place instead.
 */
function codeRoot() {
  if (process.env.BENCH_CODE_ROOT) return `${process.env.BENCH_CODE_ROOT.replace(/\/$/, "")}/`; // an experimental copy, for A/B runs
  if (process.env.BENCH_SNAPSHOT === "0") return ROOT;
  if (snapshot) return snapshot;
  if (!existsSync(`${ROOT}web/build/index.html`)) throw new Error("web/build/index.html is missing: build the web app once with `cd web && vite build` (or `npm run build`).");
  const dir = mkdtempSync(`${tmpdir()}/hearth-bench-code-`);
  for (const part of SNAPSHOT_PARTS) cpSync(`${ROOT}${part}`, `${dir}/${part}`, { recursive: true, filter: (src) => !src.includes("node_modules") });
  symlinkSync(`${ROOT}node_modules`, `${dir}/node_modules`, "dir");
  snapshot = `${dir}/`;
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return snapshot;
}

async function startHearthOnce({ port, vars }) {
  port ??= await freePort(8801);
  const persist = persistDir("hearth", port);
  rmSync(persist, { recursive: true, force: true });
  const root = codeRoot();
  const args = [`${root}scripts/start.mjs`, "--skip-build", "--fresh", "--port", String(port), "--persist-to", persist, ...vars.flatMap((v) => ["--var", v])];
  const started = Date.now();
  const child = spawnGroup(process.execPath, args, { cwd: root, label: `hearth:${port}` });
  const origin = `http://localhost:${port}`;
  try {
    await waitHealthy(child, `${origin}/api/health`, 90_000, `Hearth on port ${port}`);
  } catch (error) {
    await stopGroup(child);
    throw error;
  }
  return {
    child,
    port,
    origin,
    startMs: Date.now() - started,
    stop: async () => {
      await stopGroup(child);
      rmSync(persist, { recursive: true, force: true });
    },
  };
}

/** Starts the platform-floor worker (bench/floor) with its own `wrangler dev`. */
export function startFloor({ port } = {}) {
  return withRetries("the floor worker", async (attempt) => startFloorOnce({ port: attempt === 1 ? port : undefined }));
}

async function startFloorOnce({ port }) {
  port ??= await freePort(8851);
  const persist = persistDir("floor", port);
  rmSync(persist, { recursive: true, force: true });
  const child = spawnGroup(`${BIN}/wrangler`, ["dev", "--config", `${ROOT}bench/floor/wrangler.toml`, "--port", String(port), "--persist-to", persist, "--show-interactive-dev-session=false"], {
    cwd: `${ROOT}bench/floor`,
    label: `floor:${port}`,
  });
  const origin = `http://localhost:${port}`;
  try {
    await waitHealthy(child, `${origin}/health`, 90_000, `the floor worker on port ${port}`);
  } catch (error) {
    await stopGroup(child);
    throw error;
  }
  return {
    child,
    port,
    origin,
    stop: async () => {
      await stopGroup(child);
      rmSync(persist, { recursive: true, force: true });
    },
  };
}

// ── memory ──────────────────────────────────────────────────────────────────────────────────────

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const ppid = Number(text.slice(close + 2).split(" ")[1]);
    return { pid, comm, ppid };
  } catch {
    return null;
  }
}

/** Every process under `root` (not `root` itself), from /proc. */
export function descendants(root) {
  const all = readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map((name) => stat(Number(name))).filter(Boolean);
  const byParent = new Map();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const out = [];
  const walk = (pid) => {
    for (const child of byParent.get(pid) ?? []) {
      out.push(child.pid);
      walk(child.pid);
    }
  };
  walk(root);
  return out;
}

/** Resident memory in bytes of `pid`, from /proc/<pid>/status (VmRSS). */
export function rssOf(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The workerd processes under a spawned server, with their RSS; plus the sum. */
export function workerdMemory(child) {
  const procs = descendants(child.pid)
    .map(stat)
    .filter((p) => p && p.comm.startsWith("workerd"))
    .map((p) => ({ pid: p.pid, rss: rssOf(p.pid) }));
  return { procs, total: procs.reduce((sum, p) => sum + p.rss, 0) };
}

/** CPU seconds (user + system) used so far by the workerd processes under a spawned server (or by `pid` and its tree). */
export function cpuSeconds(child, { onlyWorkerd = true } = {}) {
  const pids = [child.pid, ...descendants(child.pid)];
  let total = 0;
  for (const pid of pids) {
    const s = stat(pid);
    if (!s || (onlyWorkerd && !s.comm.startsWith("workerd"))) continue;
    try {
      const text = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
      total += (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
    } catch {
      // exited
    }
  }
  return total;
}

/** The load average, for the record: these machines are shared, and load from others moves every figure. */
export function loadAverage() {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "n/a";
  }
}
