// Type-checks the web app with svelte-check.
//
// The web app imports the worker's route types (`AppType`) for its typed client, so the worker's files are in
// its program too. Those files name Workers runtime globals (Env, D1Database, …) whose declarations clash with
// the DOM's, so svelte-check reports them as unknown there. They are type-checked for real by `tsc -p worker`,
// so here only diagnostics in web/ count.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const web = fileURLToPath(new URL("../web/", import.meta.url));
const result = spawnSync("svelte-check", ["--tsconfig", "./tsconfig.json", "--output", "machine"], {
  cwd: web,
  encoding: "utf8",
  shell: process.platform === "win32",
});
if (result.error) throw result.error;

const problems = [];
let outside = 0;
let completed = false;
for (const line of result.stdout.split("\n")) {
  if (/^\d+ COMPLETED /.test(line)) completed = true;
  const match = /^\d+ (ERROR|WARNING) "([^"]+)" (\d+:\d+) "(.*)"$/.exec(line);
  if (!match) continue;
  const [, level, file, where, message] = match;
  if (file.startsWith("../")) {
    outside += 1;
    continue;
  }
  problems.push(`${level} web/${file}:${where} ${message}`);
}

if (!completed) {
  console.error(result.stdout, result.stderr);
  console.error("svelte-check did not complete.");
  process.exit(1);
}
for (const problem of problems) console.error(problem);
console.log(`svelte-check: ${problems.length} problem(s) in web/ (${outside} in worker files, checked by tsc -p worker instead)`);
process.exit(problems.length > 0 || result.status === null ? 1 : 0);
