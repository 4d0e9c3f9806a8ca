import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { describeMigrations, isDevNoise, migrationNames } from "./output.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const START = join(ROOT, "scripts", "start.mjs");

/** A port nothing listens on right now. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** @type {(() => void)[]} */
const cleanups = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/**
 * Runs `npm start`'s script as a newcomer would (node_modules/.bin on PATH), collecting stdout and stderr as one.
 * @param {string[]} args
 */
function start(args) {
  const child = spawn(process.execPath, [START, ...args], {
    cwd: ROOT,
    env: { ...process.env, PATH: `${join(ROOT, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`, NO_COLOR: "1" },
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk.toString()));
  child.stderr.on("data", (chunk) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  // Its whole group (wrangler and workerd too), so no server outlives the test.
  cleanups.push(() => {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGKILL");
  });
  /** @param {(text: string) => boolean} condition */
  const until = async (condition, timeoutMs = 240_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition(output)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`start.mjs never got there; it printed:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { child, exited, until, output: () => output };
}

/** A temporary folder for the local state. */
function tempState() {
  const dir = mkdtempSync(join(tmpdir(), "hearth-start-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("npm start's output", () => {
  it("is a short, calm summary that ends with the address", { timeout: 300_000 }, async () => {
    const port = await freePort();
    const url = `http://localhost:${port}`;
    // --skip-build serves web/build when it is there (and builds it when it is not).
    const server = start(["--skip-build", "--fresh", "--port", String(port), "--persist-to", join(tempState(), "state")]);
    await server.until((text) => text.includes(`✓ Hearth is running at ${url}`));
    expect((await fetch(`${url}/api/health`)).status).toBe(200);

    const before = server.output().split(`✓ Hearth is running at ${url}`)[0] ?? "";
    const lines = before.split("\n").filter((line) => line.trim() !== "");
    expect(lines.length, before).toBeLessThan(10);
    expect(before).toMatch(/✓ Database \(.*\): \d+ migrations applied \(0000_init … \d{4}_\w+\)/);
    // None of wrangler's banner, binding list, per-migration tables or cron warning.
    for (const noise of ["wrangler 4", "│", "Binding", "WARNING", "Scheduled Workers", "Executing on local database"]) expect(before).not.toContain(noise);

    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  });

  it("shows the tool's full output when a step fails", { timeout: 120_000 }, async () => {
    const notAFolder = join(tempState(), "state");
    writeFileSync(notAFolder, "a file where the state folder should be");
    const server = start(["--skip-build", "--port", String(await freePort()), "--persist-to", notAFolder]);
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain("✗ Applying database migrations (local D1) failed (exit 1). Above is its full output.");
    expect(server.output()).toContain("ENOTDIR"); // wrangler's own words
  });
});

describe("the summary's parts", () => {
  it("names the migrations wrangler applied, once each", () => {
    const table = (...names) => ["┌──┐", "│ name │", ...names.flatMap((name) => ["├──┤", `│ ${name}.sql      │`]), "└──┘"].join("\n");
    const output = `Migrations to be applied:\n${table("0000_init", "0001_machine_link")}\n🚣 8 commands executed successfully.\n${table("0000_init", "0001_machine_link")}`;
    expect(migrationNames(output)).toEqual(["0000_init", "0001_machine_link"]);
    expect(migrationNames("✅ No migrations to apply!")).toEqual([]);
    expect(describeMigrations(["0000_init", "0001_machine_link"])).toBe("2 migrations applied (0000_init, 0001_machine_link)");
    expect(describeMigrations(["a", "b", "c", "d"])).toBe("4 migrations applied (a … d)");
    expect(describeMigrations([])).toBe("up to date (no new migrations)");
  });

  it("hides wrangler's known-harmless lines and keeps errors, 5xx requests and the worker's own logs", () => {
    const noise = [
      " ⛅️ wrangler 4.164.0 (update available 4.170.0)",
      "env.DB (hearth)                               D1 Database               local",
      "\u001b[33m▲ \u001b[43;33m[\u001b[43;30mWARNING\u001b[43;33m]\u001b[0m \u001b[1mScheduled Workers are not automatically triggered during local development.\u001b[0m",
      '    curl "http://localhost:8787/cdn-cgi/local/scheduled"',
      "[wrangler:info] Ready on http://localhost:8787",
      "[wrangler:info] GET /api/auth/me 401 Unauthorized (49ms)",
      "",
    ];
    const kept = [
      "\u001b[31m✘ \u001b[41;31m[\u001b[41;97mERROR\u001b[41;31m]\u001b[0m \u001b[1mAddress already in use (localhost:8787).\u001b[0m",
      "[wrangler:info] GET /api/chats 500 Internal Server Error (12ms)",
      "relay: a notification failed Error: D1_ERROR",
      "▲ [WARNING] Something new that nobody has looked at yet",
    ];
    expect(noise.filter((line) => !isDevNoise(line))).toEqual([]);
    expect(kept.filter((line) => isDevNoise(line))).toEqual([]);
  });
});
