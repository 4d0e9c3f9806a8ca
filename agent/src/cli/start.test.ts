import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { AgentFrame } from "#protocol";
import { agentHome } from "../../test/agent-home.ts";
import { FakeRelay } from "../../test/fake-relay.ts";
import { spawnHearth } from "../../test/hearth-process.ts";
import { AgentStatus } from "../home/status-file.ts";
import { EXIT_PAIR_AGAIN, pairAgainExitCode } from "./start.ts";

const relays: FakeRelay[] = [];
const children: ReturnType<typeof spawnHearth>[] = [];
afterEach(async () => {
  for (const { child } of children.splice(0)) child.kill("SIGKILL");
  for (const relay of relays.splice(0)) await relay.close();
});

async function setup(relayToken?: string) {
  const relay = await FakeRelay.start(relayToken);
  relays.push(relay);
  const fixture = await agentHome(relay.url);
  // Run the README's way, `npx hearth start`, so hints say `npx hearth`.
  const env = { HEARTH_HOME: fixture.paths.dir, HOME: fixture.home, XDG_DATA_HOME: join(fixture.home, ".local", "share"), npm_command: "exec" };
  const start = (extra: Record<string, string> = {}, args: string[] = ["--json"]) => {
    const running = spawnHearth(["start", ...args], { ...env, ...extra });
    children.push(running);
    return running;
  };
  return { relay, start, ...fixture };
}

const LogLine = z.object({ time: z.string(), level: z.enum(["info", "warn", "error"]), event: z.string(), msg: z.string() });
const isResult = (frame: AgentFrame): frame is Extract<AgentFrame, { type: "result" }> => frame.type === "result";

describe("hearth start", { timeout: 30_000 }, () => {
  it("reports a write cut off by a crash as interrupted after restart, and never performs it", async () => {
    const { relay, start, root, paths } = await setup();
    relay.owed = [relay.command("w1", 1, "filesystem", "write", { path: "Documents/once.txt", content: "x" })];
    const first = start({ HEARTH_DEBUG_ACTION_DELAY_MS: "5000" });
    // Once the agent says the write is running (it is marked so on disk first), kill it mid-command, as a crash would.
    await relay.until(() => first.output().stdout.includes('"event":"command.started"'), 15_000);
    first.child.kill("SIGKILL");
    await first.exited;
    expect(existsSync(join(root, "once.txt"))).toBe(false);

    const second = start();
    const result = await relay.waitFor(isResult, 15_000);
    expect(result).toMatchObject({ command_id: "w1", outcome: { status: "failed", error: { code: "interrupted", message: expect.stringContaining("may or may not have happened") } } });
    await relay.until(() => second.output().stdout.includes("agent.started"));
    expect(existsSync(join(root, "once.txt"))).toBe(false);
    expect(relay.frames.filter(isResult).every((frame) => frame.outcome.status === "failed")).toBe(true);

    // Ctrl-C stops it cleanly; every log line was a JSON object, none held the token.
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
    const lines = second.output().stdout.trim().split("\n").map((line) => LogLine.parse(JSON.parse(line)));
    expect(lines.map((line) => line.event), second.output().stdout).toContain("command.interrupted");
    expect(first.output().stdout + second.output().stdout + second.output().stderr).not.toContain(relay.token);
    expect(existsSync(paths.status)).toBe(false);
  });

  it("exits with code 3 and says to pair again when the server refuses the token", async () => {
    const { start } = await setup("a-different-token");
    const agent = start();
    expect(await agent.exited).toBe(EXIT_PAIR_AGAIN);
    const refusal = agent.output().stdout.trim().split("\n").map((line) => LogLine.parse(JSON.parse(line))).find((line) => line.event === "agent.refused");
    expect(refusal).toMatchObject({ level: "error", msg: expect.stringContaining("Run `npx hearth pair --server http://127.0.0.1:") });
  });
});

/** The JSON lines of a log file (or of stdout). */
const logLines = (text: string) => text.trim().split("\n").map((line) => LogLine.parse(JSON.parse(line)));

describe("hearth start --service", { timeout: 30_000 }, () => {
  it("logs JSON lines to stdout and to <settings>/logs/agent.log, private, and stops cleanly on SIGTERM", async () => {
    const { relay, start, paths } = await setup();
    const agent = start({}, ["--service"]);
    await relay.until(() => agent.output().stdout.includes('"event":"agent.started"'), 15_000);
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
    const file = join(paths.dir, "logs", "agent.log");
    const written = logLines(readFileSync(file, "utf8"));
    expect(written.map((line) => line.event)).toEqual(expect.arrayContaining(["local.listening", "agent.started", "agent.stopping", "agent.stopped"]));
    // The file holds what stdout (the journal) got, line for line.
    expect(written).toEqual(logLines(agent.output().stdout));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(paths.dir, "logs")).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, "utf8")).not.toContain(relay.token);
  });

  it("exits 3 on Linux (0 elsewhere) when the server refuses the token, with the reason in the log file and in status.json", async () => {
    const { start, paths } = await setup("a-different-token");
    const agent = start({}, ["--service"]);
    expect(await agent.exited).toBe(process.platform === "linux" ? 3 : 0);
    const refusal = logLines(readFileSync(join(paths.dir, "logs", "agent.log"), "utf8")).find((line) => line.event === "agent.refused");
    expect(refusal?.msg).toContain("pair --server http://127.0.0.1:");
    const status = AgentStatus.parse(JSON.parse(readFileSync(paths.status, "utf8")));
    expect(status).toMatchObject({ state: "stopped", reason: refusal?.msg });
  });

  it("as a service not yet paired, stops the way pair-again does (restarting cannot pair it) and says so in the log", async () => {
    const { start, paths } = await setup();
    // A settings folder with no credentials in it.
    const again = start({ HEARTH_HOME: join(paths.dir, "elsewhere") }, ["--service"]);
    expect(await again.exited).toBe(pairAgainExitCode(process.platform, true));
    const said = logLines(readFileSync(join(paths.dir, "elsewhere", "logs", "agent.log"), "utf8"));
    expect(said).toEqual([expect.objectContaining({ event: "agent.not_paired", msg: expect.stringContaining("pair --server") })]);
  });

  it("pair-again exits 3 for systemd (RestartPreventExitStatus=3) and 0 under launchd and Task Scheduler", () => {
    expect(pairAgainExitCode("linux", true)).toBe(3);
    expect(pairAgainExitCode("darwin", true)).toBe(0);
    expect(pairAgainExitCode("win32", true)).toBe(0);
    // Run by hand, it is always 3, whatever the platform.
    expect(pairAgainExitCode("darwin", false)).toBe(3);
    expect(pairAgainExitCode("win32", false)).toBe(3);
  });
});
