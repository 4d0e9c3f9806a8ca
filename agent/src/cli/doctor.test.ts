import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { agentHome } from "../../test/agent-home.ts";
import { FakeHearthServer } from "../../test/fake-doctor-server.ts";
import { hearth } from "../../test/hearth-process.ts";
import { writeStatus } from "../home/status-file.ts";
import { VERSION } from "../version.ts";

const Report = z.object({
  ok: z.boolean(),
  checks: z.array(z.object({ id: z.string(), title: z.string(), status: z.enum(["ok", "warn", "fail"]), detail: z.string(), fix: z.string().optional() })),
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A free loopback port (bound and released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

/** A paired settings folder (private, as `hearth pair` leaves it) whose local endpoint port is `port`. */
async function paired(server: string, port: number, token = "secret-token") {
  const fixture = await agentHome(server, token, { local_endpoint: { port } });
  chmodSync(fixture.paths.dir, 0o700);
  const doctor = async (...args: string[]) => {
    const started = Date.now();
    const run = await hearth(["doctor", "--json", ...args], { HOME: fixture.home, HEARTH_HOME: fixture.paths.dir, XDG_CONFIG_HOME: "", npm_command: "exec" });
    const report = Report.parse(JSON.parse(run.stdout));
    const byId = Object.fromEntries(report.checks.map((found) => [found.id, found]));
    return { code: run.code, report, byId, ms: Date.now() - started };
  };
  return { ...fixture, doctor };
}

async function fakeServer() {
  const server = await FakeHearthServer.start();
  cleanups.push(() => server.close());
  return server;
}

describe("hearth doctor", { timeout: 40_000 }, () => {
  it("passes every check against a healthy server (exit 0); the service is only ! here, with how to install it", async () => {
    const server = await fakeServer();
    server.offered = VERSION;
    const { doctor } = await paired(server.url, await freePort());
    const { code, report, byId } = await doctor();
    expect(report.checks.map((found) => found.id)).toEqual(["config", "paired", "server", "token", "clock", "update", "folders", "sandbox", "service", "port", "permissions"]);
    const notOk = report.checks.filter((found) => found.status !== "ok").map((found) => found.id);
    // No systemd user manager (or nothing installed) in a test: the service is worth knowing about, not broken.
    expect(notOk).toEqual(["service"]);
    expect(byId.service).toMatchObject({ status: "warn", fix: expect.stringContaining("npx hearth service install") });
    expect(byId.server?.detail).toMatch(/answered in \d+ ms/);
    expect(byId.token?.detail).toBe('this computer is "laptop" for me@example.com');
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
  });

  it("says to pair again when the server refuses the token (401), and offers a newer agent", async () => {
    const server = await fakeServer();
    server.offered = "99.0.0";
    const { doctor } = await paired(server.url, await freePort(), "a-revoked-token");
    const { code, byId } = await doctor();
    expect(byId.token).toMatchObject({ status: "fail", fix: `This computer was removed or its token revoked: run \`npx hearth pair --server ${server.url}\` again.` });
    expect(byId.update).toMatchObject({ status: "warn", detail: `${VERSION}; the server offers 99.0.0`, fix: "Run `npx hearth update`." });
    expect(code).toBe(1);
  });

  it("fails the clock when it is more than a minute off the server's, from server_time or the Date header alone", async () => {
    const server = await fakeServer();
    server.skewMs = 5 * 60_000;
    const { doctor } = await paired(server.url, await freePort());
    const fromDevice = await doctor();
    expect(fromDevice.byId.clock).toMatchObject({ status: "fail", detail: expect.stringMatching(/^300 s behind the server \(from the server's time\)$/), fix: expect.stringContaining("timedatectl") });
    expect(fromDevice.code).toBe(1);

    server.knowsDevices = false; // an older server: only its Date header tells the time
    const fromDate = await doctor();
    expect(fromDate.byId.clock).toMatchObject({ status: "fail", detail: expect.stringMatching(/^(299|300|301) s behind the server \(from the server's Date header\)$/) });

    server.skewMs = 20_000; // off, but not enough to break anything
    server.knowsDevices = true;
    const close = await doctor();
    expect(close.byId.clock).toMatchObject({ status: "ok", detail: expect.stringMatching(/^20 s behind/) });
  });

  it("reports a server that does not answer within --timeout, and does not hang", async () => {
    // Accepts connections and never says a word.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
      silent.close();
    });
    const address = silent.address();
    if (typeof address !== "object" || address === null) throw new Error("no port");
    const { doctor } = await paired(`http://127.0.0.1:${address.port}`, await freePort());
    const { code, byId, ms } = await doctor("--timeout", "1s");
    expect(byId.server).toMatchObject({ status: "fail", detail: expect.stringContaining("no answer within 1 s") });
    expect(byId.token).toMatchObject({ status: "warn", detail: "skipped: the server cannot be reached" });
    expect(code).toBe(1);
    expect(ms).toBeLessThan(10_000);
  });

  it("fails the port when another program holds it, and passes when it is this folder's running agent", async () => {
    const server = await fakeServer();
    server.offered = VERSION;
    const port = await freePort();
    // Another process holds the port.
    const holder: ChildProcess = spawn(process.execPath, ["-e", `require("node:net").createServer().listen(${port}, "127.0.0.1", () => console.log("ready"))`]);
    cleanups.push(() => void holder.kill("SIGKILL"));
    await new Promise<void>((resolve) => holder.stdout?.once("data", () => resolve()));
    const { doctor, paths, root } = await paired(server.url, port);
    const taken = await doctor();
    expect(taken.byId.port).toMatchObject({ status: "fail", detail: `127.0.0.1:${port} is taken by another program`, fix: expect.stringContaining("local_endpoint.port") });
    expect(taken.code).toBe(1);

    // status.json says that process is this folder's agent, serving that port.
    writeStatus(paths.status, { pid: holder.pid ?? 0, state: "connected", server: server.url, outbox: 0, local_port: port, started_at: Date.now(), updated_at: Date.now() });
    const owned = await doctor();
    expect(owned.byId.port).toMatchObject({ status: "ok", detail: `127.0.0.1:${port} is the running agent's (pid ${holder.pid})` });

    // And a folder that went missing, with loose permissions on the settings folder.
    writeFileSync(paths.config, JSON.stringify({ filesystem: { roots: [root, join(root, "gone")] }, local_endpoint: { port } }));
    chmodSync(paths.dir, 0o755);
    const broken = await doctor();
    expect(broken.byId.folders).toMatchObject({ status: "fail", detail: `${join(root, "gone")} does not exist` });
    expect(broken.byId.permissions).toMatchObject({ status: "fail", fix: `Run \`chmod 700 '${paths.dir}'\`.` });
  });

  it("without a pairing fails `Paired` and skips the server's checks", async () => {
    const { doctor, paths } = await paired("http://127.0.0.1:9", await freePort());
    writeFileSync(paths.credentials, "");
    const { byId, code } = await doctor();
    expect(byId.paired).toMatchObject({ status: "fail", fix: "Run `npx hearth pair --server <url>` again." });
    expect(code).toBe(1);
  });
});
