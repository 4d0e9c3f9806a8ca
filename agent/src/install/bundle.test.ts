import { spawn } from "node:child_process";
import { copyFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { agentHome } from "../../test/agent-home.ts";
import { buildAgent } from "../../test/agent-build.ts";
import { FakeRelay } from "../../test/fake-relay.ts";
import { tempDir } from "../../test/temp.ts";
import { PLATFORM } from "../version.ts";

// The one-file bundle is what installed computers run. `--version`/`status` alone would not show that the
// WebSocket stack (ws, partysocket), node:sqlite and the local endpoint survived bundling: here a lone hearth.cjs,
// with no node_modules and no repo anywhere near it, connects to a relay and says hello.
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe("the bundle", () => {
  it("runs the agent itself: a lone hearth.cjs connects to the relay and says hello with its baked-in version", { timeout: 60_000 }, async () => {
    const build = await tempDir("hearth-bundle-build-");
    await buildAgent(["--out", build, "--version", "3.2.1"]);
    const lone = await tempDir("hearth-bundle-lone-");
    copyFileSync(join(build, "3.2.1", "hearth.cjs"), join(lone, "hearth.cjs"));

    const relay = await FakeRelay.start();
    cleanups.push(() => relay.close());
    const fixture = await agentHome(relay.url, relay.token);
    const env = { PATH: "/usr/bin:/bin", HOME: fixture.home, HEARTH_HOME: fixture.paths.dir };
    const child = spawn(realpathSync(process.execPath), [join(lone, "hearth.cjs"), "start", "--json"], { cwd: lone, env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    cleanups.push(() => void child.kill("SIGKILL"));

    const hello = await relay.waitFor((frame) => frame.type === "hello", 20_000);
    expect(hello).toMatchObject({ type: "hello", device_id: "device-1", agent_version: "3.2.1", platform: PLATFORM });
    expect(stderr).toBe("");
  });
});
