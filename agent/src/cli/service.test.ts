import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { hearth, spawnHearth } from "../../test/hearth-process.ts";
import { tempDir } from "../../test/temp.ts";
import { systemdUnit } from "../service/definitions.ts";

const BIN = realpathSync(fileURLToPath(new URL("../../bin/hearth.mjs", import.meta.url)));

// Installing for real would start a service on the machine running the tests: these run only where no systemd
// user manager answers (containers, CI), which is exactly the case whose honesty they check.
const noUserManager = process.platform === "linux" && spawnSync("systemctl", ["--user", "show-environment"]).status !== 0;

const children: ReturnType<typeof spawnHearth>[] = [];
afterEach(() => {
  for (const { child } of children.splice(0)) child.kill("SIGKILL");
});

async function userFolders() {
  const home = await tempDir();
  const settings = join(home, "my settings");
  // As `npx hearth` runs it, so hints say `npx hearth`.
  const env = { HOME: home, HEARTH_HOME: settings, XDG_CONFIG_HOME: "", npm_command: "exec" };
  return { home, settings, env, unit: join(home, ".config", "systemd", "user", "hearth.service") };
}

describe.runIf(noUserManager)("hearth service without a systemd user manager (this container)", { timeout: 30_000 }, () => {
  it("install writes the unit for this agent, then exits 1 saying honestly that it could not start it", async () => {
    const { env, unit, settings } = await userFolders();
    for (const attempt of [1, 2]) {
      const installed = await hearth(["service", "install"], env);
      expect(installed.code, `attempt ${attempt}`).toBe(1);
      expect(installed.stderr).toContain("systemd's user manager is not running here (a container?)");
      expect(installed.stderr).toContain(`the unit is written to ${unit}; start the agent with \`npx hearth start\`.`);
      // Idempotent: the second install rewrites the same unit.
      expect(readFileSync(unit, "utf8")).toBe(systemdUnit({ execPath: process.execPath, entry: BIN, home: settings, logFile: join(settings, "logs", "agent.log") }));
    }

    const status = await hearth(["service", "status"], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^Manager: +systemd$/m);
    expect(status.stdout).toContain(`File:      ${unit}\n`);
    expect(status.stdout).toMatch(/^Running: +unknown$/m);
    expect(status.stdout).toContain(`Log file:  ${join(settings, "logs", "agent.log")}`);

    const removed = await hearth(["service", "uninstall"], env);
    expect(removed).toMatchObject({ code: 0, stdout: expect.stringContaining(`Removed ${unit}`) });
    expect(existsSync(unit)).toBe(false);
  });
});

describe.runIf(noUserManager)("hearth service install names the settings folder it resolved", { timeout: 30_000 }, () => {
  it("writes HEARTH_HOME=<XDG_CONFIG_HOME>/hearth into the unit when the shell has a custom XDG_CONFIG_HOME", async () => {
    const home = await tempDir();
    const xdg = join(home, "my config");
    // No HEARTH_HOME: the agent would find its settings in $XDG_CONFIG_HOME/hearth, which the user manager lacks.
    const installed = await hearth(["service", "install"], { HOME: home, HEARTH_HOME: "", XDG_CONFIG_HOME: xdg, npm_command: "exec" });
    expect(installed.code).toBe(1);
    const unit = readFileSync(join(xdg, "systemd", "user", "hearth.service"), "utf8");
    expect(unit).toContain(`Environment="HEARTH_HOME=${join(xdg, "hearth")}"`);
    expect(unit).toBe(systemdUnit({ execPath: process.execPath, entry: BIN, home: join(xdg, "hearth"), logFile: join(xdg, "hearth", "logs", "agent.log") }));
  });
});

describe("hearth service logs", { timeout: 30_000 }, () => {
  const line = (n: number) => JSON.stringify({ time: `2026-12-06T09:40:0${n}.000Z`, level: n === 2 ? "warn" : "info", event: "test.line", msg: `line ${n}` });
  const pretty = (n: number) => `2026-12-06 09:40:0${n}Z ${n === 2 ? "WARN " : "INFO "} test.line  line ${n}`;

  it("prints the last N lines readably, and says where the log is when there is none", async () => {
    const { env, settings } = await userFolders();
    const none = await hearth(["service", "logs"], env);
    expect(none).toMatchObject({ code: 0, stdout: expect.stringContaining(`No log yet: ${join(settings, "logs", "agent.log")}`) });
    mkdirSync(join(settings, "logs"), { recursive: true });
    appendFileSync(join(settings, "logs", "agent.log"), [1, 2, 3].map(line).join("\n") + "\n");
    const logs = await hearth(["service", "logs", "-n", "2"], env);
    expect(logs).toMatchObject({ code: 0, stdout: `${pretty(2)}\n${pretty(3)}\n` });
  });

  it("-f follows new lines across a rotation until Ctrl-C", async () => {
    const { env, settings } = await userFolders();
    const file = join(settings, "logs", "agent.log");
    mkdirSync(join(settings, "logs"), { recursive: true });
    appendFileSync(file, `${line(1)}\n`);
    const follow = spawnHearth(["service", "logs", "-f", "-n", "1"], env);
    children.push(follow);
    const until = async (text: string) => {
      const deadline = Date.now() + 10_000;
      while (!follow.output().stdout.includes(text)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${text}; got ${follow.output().stdout}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await until(pretty(1));
    appendFileSync(file, `${line(2)}\n`);
    renameSync(file, `${file}.1`);
    appendFileSync(file, `${line(3)}\n`);
    await until(pretty(3));
    follow.child.kill("SIGINT");
    expect(await follow.exited).toBe(0);
    expect(follow.output().stdout).toBe(`${pretty(1)}\n${pretty(2)}\n${pretty(3)}\n`);
  });

  it("refuses an unknown sub-command with a hint (exit 2)", async () => {
    const { env } = await userFolders();
    const wrong = await hearth(["service", "instal"], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('unknown sub-command "instal"');
  });
});
