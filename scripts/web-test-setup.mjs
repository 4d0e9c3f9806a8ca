import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * vitest's globalSetup for the "web" project. web/tsconfig.json extends `$app/tsconfig`, which `svelte-kit sync`
 * writes, and the transform of every web module reads that tsconfig: a fresh clone needs the sync first.
 * (This file lives outside web/ because it is transformed before the sync has run.)
 */
export default function setup() {
  const kit = fileURLToPath(new URL("../node_modules/@sveltejs/kit/svelte-kit.js", import.meta.url));
  execFileSync(process.execPath, [kit, "sync"], { cwd: fileURLToPath(new URL("../web", import.meta.url)), stdio: "inherit" });
}
