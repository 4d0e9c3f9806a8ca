// `npm start`: build the web app, apply the D1 migrations to a local database, and run the whole app with
// `wrangler dev`. No account, key or network is needed.
//
// Options (for tests and tinkering):
//   --port N          listen on N (default 8787, or $PORT)
//   --persist-to DIR  keep the local D1 and Durable Object state in DIR (default .wrangler/state)
//   --fresh           start from empty state
//   --skip-build      serve the web build that is already there
//   --var KEY:VALUE   override a [vars] entry of wrangler.toml (repeatable)
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "8787" },
    "persist-to": { type: "string", default: ".wrangler/state" },
    fresh: { type: "boolean", default: false },
    "skip-build": { type: "boolean", default: false },
    var: { type: "string", multiple: true, default: [] },
  },
});
const port = Number(values.port);
const persistTo = values["persist-to"];
const url = `http://localhost:${port}`;

// Quiet, offline-friendly wrangler: no Request.cf lookups, no metrics.
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

function step(label, command, args, options = {}) {
  console.log(`\n▸ ${label}`);
  const result = spawnSync(command, args, { cwd: root, env, stdio: "inherit", ...options });
  if (result.status !== 0) {
    console.error(`\n✗ ${label} failed (exit ${result.status ?? result.signal}). See the output above.`);
    process.exit(result.status ?? 1);
  }
}

if (values.fresh) rmSync(resolve(root, persistTo), { recursive: true, force: true });
if (!values["skip-build"] || !existsSync(`${root}/web/build/index.html`)) {
  step("Building the web app", "vite", ["build", "--logLevel", "warn"], { cwd: `${root}/web` });
}
step("Applying database migrations (local D1)", "wrangler", ["d1", "migrations", "apply", "hearth", "--local", "--persist-to", persistTo]);

console.log(`\n▸ Starting Hearth on ${url}`);
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
const dev = spawn("wrangler", ["dev", "--port", String(port), "--persist-to", persistTo, "--show-interactive-dev-session=false", ...vars], {
  cwd: root,
  env,
  stdio: ["ignore", "inherit", "inherit"],
});

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 0 : 1)));

// Say where to go once the API answers, not merely when the process has started.
const deadline = Date.now() + 60_000;
while (Date.now() < deadline) {
  try {
    const response = await fetch(`${url}/api/health`);
    if (response.ok) {
      console.log(`\n✓ Hearth is running at ${url}  (Ctrl+C to stop)\n`);
      break;
    }
  } catch {
    // not listening yet
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
}
