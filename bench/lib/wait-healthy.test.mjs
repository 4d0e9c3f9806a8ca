import { createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, portIsFree, spawnGroup, stopGroup, waitHealthy } from "./proc.mjs";

// A bench server that failed to bind its port must not pass for healthy because someone else's server answers
// on that port (another bench's Hearth): the bench would then talk to the wrong server.

const cleanup = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

/** A real server on loopback that answers every request 200, as another bench's Hearth would. */
async function someoneElsesServer() {
  const port = await freePort(30_000 + Math.floor(Math.random() * 10_000));
  const server = createServer((_request, response) => response.end("ok"));
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  return port;
}

/** A child that prints `text` and then stays up (as `wrangler dev` does after a failed bind). */
function child(text) {
  const spawned = spawnGroup(process.execPath, ["-e", `console.error(${JSON.stringify(text)}); setInterval(() => {}, 1000);`], { label: "test-child" });
  cleanup.push(() => stopGroup(spawned, 500));
  return spawned;
}

describe("waitHealthy", () => {
  it("fails when the child says its port is taken, though something answers on it", async () => {
    const port = await someoneElsesServer();
    const failing = child("✘ [ERROR] listen EADDRINUSE: Address already in use 127.0.0.1:" + port);
    await expect(waitHealthy(failing, `http://127.0.0.1:${port}/api/health`, 5_000, "Hearth")).rejects.toThrow(/could not take its port/);
  });

  it("does not take someone else's server for the child's, even with nothing printed", async () => {
    const port = await someoneElsesServer();
    expect(await portIsFree(port)).toBe(false);
    const silent = child("starting …");
    await expect(waitHealthy(silent, `http://127.0.0.1:${port}/`, 1_500, "Hearth")).rejects.toThrow(/held by another process/);
  });

  it("passes once the child's own server answers", async () => {
    const port = await freePort(30_000 + Math.floor(Math.random() * 10_000));
    const server = spawnGroup(process.execPath, ["-e", `require("node:http").createServer((q, s) => s.end("ok")).listen(${port}, "127.0.0.1")`], { label: "test-server" });
    cleanup.push(() => stopGroup(server, 500));
    await expect(waitHealthy(server, `http://127.0.0.1:${port}/`, 5_000, "Hearth")).resolves.toBeUndefined();
  });
});
