import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PLATFORM } from "../src/version.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUILD_SCRIPT = join(ROOT, "scripts/build-agent.mjs");

/** The sha256 of a file, in hex. */
export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/**
 * A Node runtime tarball like npm's node-<platform> packages (`package/bin/node`), made from the Node running the
 * tests, under `<dir>/<name>/-/<name>-<node>.tgz`; and a runtime.json for this platform that pins it. `extra`
 * adds a file, so two runtimes with the same binary have different checksums.
 */
export function makeTestRuntime(dir: string, node: string, extra = ""): { runtimeJson: string; path: string } {
  const staging = join(dir, `staging-${node}`);
  mkdirSync(join(staging, "package", "bin"), { recursive: true });
  copyFileSync(realpathSync(process.execPath), join(staging, "package", "bin", "node"));
  writeFileSync(join(staging, "package", "README.md"), `test runtime ${node} ${extra}\n`);
  const path = `test-node/-/test-node-${node}.tgz`;
  mkdirSync(join(dir, "test-node", "-"), { recursive: true });
  // gzip -1: the binary is ~120 MB and the tests only need a real tarball, not a small one.
  execFileSync("sh", ["-c", `tar -C "$1" -cf - package | gzip -1 > "$2"`, "sh", staging, join(dir, path)]);
  const runtimeJson = join(dir, `runtime-${node}.json`);
  const tgz = join(dir, path);
  const entry = { path, sha256: sha256File(tgz), size: statSync(tgz).size, binary: "package/bin/node" };
  writeFileSync(runtimeJson, JSON.stringify({ node, platforms: { [PLATFORM]: entry } }));
  return { runtimeJson, path };
}

/** Runs scripts/build-agent.mjs as `npm run build` does, with its options. */
export function buildAgent(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BUILD_SCRIPT, ...args], { cwd: ROOT }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
  });
}
