import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach } from "vitest";
import WebSocket from "ws";
import { readStatus } from "../src/home/status-file.ts";
import { agentHome } from "./agent-home.ts";
import { FakeRelay } from "./fake-relay.ts";
import { spawnHearth } from "./hearth-process.ts";

const relays: FakeRelay[] = [];
const children: ReturnType<typeof spawnHearth>[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  for (const { child } of children.splice(0)) child.kill("SIGKILL");
  for (const relay of relays.splice(0)) await relay.close();
});

/**
 * A real `hearth start` process paired with a fake relay, in a temporary home, once it has said hello and opened
 * its local endpoint. `config` is merged into config.json; `env` adds to the process's environment.
 */
export async function runningAgent(options: { config?: Record<string, unknown>; env?: Record<string, string> } = {}) {
  const relay = await FakeRelay.start();
  relays.push(relay);
  const fixture = await agentHome(relay.url, relay.token, options.config);
  const env = { HEARTH_HOME: fixture.paths.dir, HOME: fixture.home, XDG_DATA_HOME: join(fixture.home, ".local", "share"), ...options.env };
  const agent = spawnHearth(["start", "--json"], env);
  children.push(agent);
  await relay.waitFor((frame) => frame.type === "hello", 20_000);
  let port: number | null = null;
  await relay.until(() => (port = readStatus(fixture.paths.status)?.local_port ?? null) !== null, 20_000);
  const token = (await readFile(fixture.paths.localToken, "utf8")).trim();
  return { relay, agent, env, port: port ?? 0, token, ...fixture };
}

/** A raw WebSocket client of the local endpoint: `next()` waits for the next JSON frame. */
export async function localClient(port: number, headers: Record<string, string> = {}) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}`, { headers });
  sockets.push(socket);
  const inbox: unknown[] = [];
  const wakers: (() => void)[] = [];
  socket.on("message", (data) => {
    inbox.push(JSON.parse(data.toString()));
    wakers.splice(0).forEach((wake) => wake());
  });
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  const next = async (timeoutMs = 10_000): Promise<unknown> => {
    const deadline = Date.now() + timeoutMs;
    while (inbox.length === 0) {
      if (Date.now() > deadline) throw new Error("no frame from the local endpoint in time");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        wakers.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return inbox.shift();
  };
  return { socket, next, send: (frame: unknown) => socket.send(JSON.stringify(frame)) };
}
