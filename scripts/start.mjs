// `npm start`: build the web app, apply the D1 migrations to a local database, and run the whole app with
// `wrangler dev`. No account, key or network is needed.
//
// It prints a short summary: what was built, which migrations were applied, and the address. The tools' own output
// is kept back and shown in full when a step fails; `--verbose` shows all of it as it comes.
//
// Options (for tests and tinkering):
//   --port N          listen on N (default 8787, or $PORT)
//   --persist-to DIR  keep the local D1 and Durable Object state in DIR (default .wrangler/state)
//   --fresh           start from empty state
//   --skip-build      serve the web build that is already there
//   --var KEY:VALUE   override a [vars] entry of wrangler.toml (repeatable)
//   --assets DIR      serve DIR instead of web/build (a test's own copy, with its own agent builds)
//   --verbose         show the full output of vite and wrangler
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { describeMigrations, isDevNoise, migrationNames } from "./start/output.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "8787" },
    "persist-to": { type: "string", default: ".wrangler/state" },
    fresh: { type: "boolean", default: false },
    "skip-build": { type: "boolean", default: false },
    var: { type: "string", multiple: true, default: [] },
    assets: { type: "string" },
    verbose: { type: "boolean", default: false },
  },
});
const verbose = values.verbose;
const port = Number(values.port);
const persistTo = values["persist-to"];
const url = `http://localhost:${port}`;

// Quiet, offline-friendly wrangler: no Request.cf lookups, no metrics.
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

/**
 * Runs one step to completion. Quietly, its output is kept and shown only if it fails; with --verbose it streams.
 * @param {string} label what the step does, for the failure message
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string }} [options]
 * @returns {string} the step's output (empty with --verbose)
 */
function step(label, command, args, options = {}) {
  // Quietly, one line says what is happening, since the step itself prints nothing until it is done.
  console.log(verbose ? `\n▸ ${label}` : `… ${label}`);
  const result = spawnSync(command, args, { cwd: root, env, stdio: verbose ? "inherit" : "pipe", encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (result.status !== 0) {
    if (!verbose) process.stderr.write(`${output}\n`);
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    console.error(`\n✗ ${label} failed (${why}). ${verbose ? "See the output above." : "Above is its full output."}`);
    process.exit(result.status || 1);
  }
  return output;
}

console.log(`Starting Hearth on this computer (no account or network needed)${verbose ? "" : "; --verbose shows every tool's output"}.`);
if (values.fresh) rmSync(resolve(root, persistTo), { recursive: true, force: true });
if (!values["skip-build"] || !existsSync(`${root}/web/build/index.html`)) {
  step("Building the web app", "vite", ["build", "--logLevel", "warn"], { cwd: `${root}/web` });
  console.log("✓ Web app built (web/build)");
} else {
  console.log("✓ Web app: using the existing build (web/build)");
}
// The agent's bundle and install scripts (served at /install.sh and /agent/…) go into web/build/agent, which vite
// build just emptied; with --skip-build they are built only when missing.
if (!values["skip-build"] || !existsSync(`${root}/web/build/agent/manifest.json`)) {
  step("Building the agent (one-file bundle and install scripts)", process.execPath, ["scripts/build-agent.mjs"]);
  console.log("✓ Agent built (web/build/agent)");
}
const migrated = step("Applying database migrations (local D1)", "wrangler", ["d1", "migrations", "apply", "hearth", "--local", "--persist-to", persistTo]);
if (!verbose) console.log(`✓ Database (${persistTo}): ${describeMigrations(migrationNames(migrated))}`);

console.log(`… starting the server on ${url}`);
const vars = values.var.flatMap((pair) => ["--var", pair]);
// What a deployment sets for itself: the app's address (links in webhook payloads) and the secret that signs
// webhook action links, kept with the local state so links survive a restart. A --var or .dev.vars wins.
const devVars = existsSync(`${root}/.dev.vars`) ? readFileSync(`${root}/.dev.vars`, "utf8") : "";
const isSet = (name) => values.var.some((pair) => pair.startsWith(`${name}:`)) || new RegExp(`^\\s*${name}\\s*=`, "m").test(devVars);
if (!isSet("PUBLIC_URL")) vars.push("--var", `PUBLIC_URL:${url}`);
if (!isSet("ACTION_LINK_SECRET")) {
  const file = resolve(root, persistTo, "action-link-secret");
  if (!existsSync(file)) {
    mkdirSync(resolve(root, persistTo), { recursive: true });
    writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
  }
  vars.push("--var", `ACTION_LINK_SECRET:${readFileSync(file, "utf8").trim()}`);
}
const assets = values.assets ? ["--assets", values.assets] : [];
const dev = spawn("wrangler", ["dev", "--port", String(port), "--persist-to", persistTo, "--show-interactive-dev-session=false", ...assets, ...vars], {
  cwd: root,
  env,
  stdio: ["ignore", verbose ? "inherit" : "pipe", verbose ? "inherit" : "pipe"],
});

// Quietly, wrangler's lines pass through a filter of known-harmless ones; everything else (errors, the worker's own
// logs) is shown. What was filtered before the server is up is kept, to show in full if it never comes up.
let ready = false;
const held = [];
for (const [stream, sink] of [[dev.stdout, process.stdout], [dev.stderr, process.stderr]]) {
  if (!stream) continue;
  createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => {
    if (!ready) held.push(line);
    if (!isDevNoise(line)) sink.write(`${line}\n`);
  });
}

// Ctrl+C is how one stops it, so that is a clean exit (wrangler's 130 or 143 would make npm print an error).
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopping = true;
    dev.kill(signal);
  });
}
dev.on("exit", (code, signal) => {
  if (stopping) process.exit(0);
  if (!ready && code !== 0 && !verbose) {
    console.error(`\n✗ The server stopped before it was ready (${code === null ? signal : `exit ${code}`}). wrangler's full output:\n`);
    console.error(held.join("\n"));
  }
  process.exit(code ?? (signal ? 0 : 1));
});

// Say where to go once the API answers, not merely when the process has started.
const SLOW_START_MS = 120_000;
const deadline = Date.now() + SLOW_START_MS;
while (!ready) {
  try {
    const response = await fetch(`${url}/api/health`);
    if (response.ok) {
      ready = true;
      held.length = 0;
      console.log(`\n✓ Hearth is running at ${url}  (Ctrl+C to stop)\n`);
      break;
    }
  } catch {
    // not listening yet
  }
  if (Date.now() > deadline) {
    console.error(`\n▲ Hearth has not answered on ${url} after ${SLOW_START_MS / 1000} s. It is still starting; run with --verbose to see what wrangler is doing.`);
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
}
