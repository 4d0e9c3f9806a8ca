import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { tempDir } from "../../test/temp.ts";
import { launchdPlist, systemdUnit, taskXml, UnsafePathError, windowsQuote } from "./definitions.ts";
import type { ServiceSpec } from "./definitions.ts";

/** A folder name with everything each format must escape: space, both quotes, %, $, &, <, >, a backslash. */
const AWKWARD = `Hearth & "co" <it's> 100% $HOME \\x`;

const hasSystemdAnalyze = spawnSync("systemd-analyze", ["--version"]).status === 0;

/** `systemd-analyze verify --user` on a unit file: its exit code and stderr (where even a typo is reported). */
async function verifyUnit(unitText: string) {
  const dir = await tempDir();
  // systemd-analyze wants a private runtime folder (mode 700), as a real session has.
  const runtime = join(dir, "runtime");
  mkdirSync(runtime, { mode: 0o700 });
  chmodSync(runtime, 0o700);
  const file = join(dir, "hearth.service");
  writeFileSync(file, unitText);
  const result = spawnSync("systemd-analyze", ["verify", "--user", file], { encoding: "utf8", env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
  return { status: result.status, stderr: result.stderr };
}

/** A real Node and a real entry script inside an awkward folder (verify checks that the program exists). */
async function awkwardSpec(nodeInAwkwardFolder: boolean): Promise<ServiceSpec> {
  const dir = join(await tempDir(), AWKWARD);
  mkdirSync(join(dir, "app"), { recursive: true });
  mkdirSync(join(dir, "runtime"));
  symlinkSync(process.execPath, join(dir, "runtime", "node"));
  writeFileSync(join(dir, "app", "hearth.cjs"), "");
  return {
    execPath: nodeInAwkwardFolder ? join(dir, "runtime", "node") : process.execPath,
    entry: join(dir, "app", "hearth.cjs"),
    home: join(dir, "settings"),
    logFile: join(dir, "settings", "logs", "agent.log"),
  };
}

/** A plist's <dict> as a plain object (keys and values alternate), enough for what the agent writes. */
function plistValue(node: Record<string, unknown>): unknown {
  const [tag] = Object.keys(node).filter((key) => key !== ":@");
  if (tag === undefined) throw new Error("empty node");
  const children = node[tag];
  if (!Array.isArray(children)) throw new Error(`unexpected ${tag}`);
  const text = () => children.map((child: Record<string, unknown>) => String(child["#text"] ?? "")).join("");
  if (tag === "string") return text();
  if (tag === "integer") return Number(text());
  if (tag === "true" || tag === "false") return tag === "true";
  // Between elements there is only indentation, kept as text nodes (trimValues is off so values keep their spaces).
  const elements = children.filter((child: Record<string, unknown>) => !("#text" in child));
  if (tag === "array") return elements.map((child: Record<string, unknown>) => plistValue(child));
  if (tag === "dict") {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < elements.length; i += 2) out[String(plistValue(elements[i]))] = plistValue(elements[i + 1]);
    return out;
  }
  if (tag === "key") return text();
  throw new Error(`unexpected plist tag ${tag}`);
}

function parsePlist(xml: string): Record<string, unknown> {
  expect(XMLValidator.validate(xml)).toBe(true);
  const nodes: Record<string, unknown>[] = new XMLParser({ preserveOrder: true, ignoreAttributes: false, parseTagValue: false, trimValues: false, processEntities: true }).parse(xml);
  const plist = nodes.find((node) => "plist" in node);
  const inner = plist?.plist;
  if (!Array.isArray(inner)) throw new Error("no <plist>");
  const dict = inner.find((node: Record<string, unknown>) => "dict" in node);
  const value = plistValue(dict);
  if (typeof value !== "object" || value === null) throw new Error("plist root is not a dict");
  return Object.fromEntries(Object.entries(value));
}

describe("the systemd user unit", () => {
  it("restarts on failure but not after exit 3, starts with the session, and runs `start --service`", async () => {
    const unit = systemdUnit({ execPath: "/opt/node", entry: "/opt/hearth.cjs", home: "/h", logFile: "/h/logs/agent.log" });
    expect(unit).toContain('ExecStart="/opt/node" "/opt/hearth.cjs" "start" "--service"');
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^RestartPreventExitStatus=3$/m);
    expect(unit).toMatch(/^WantedBy=default\.target$/m);
    // The settings folder is always named: the service manager does not have the shell's XDG_CONFIG_HOME.
    expect(unit).toMatch(/^Environment="HEARTH_HOME=\/h"$/m);
  });

  it("escapes quotes, backslashes, % and $ in paths, and HEARTH_HOME goes in Environment=", () => {
    const unit = systemdUnit({ execPath: "/opt/my node/node", entry: '/a b/"q"/100%/$HOME/\\x/hearth.cjs', home: '/h "1"/50%/$x', logFile: "/h/agent.log" });
    // Quotes and backslashes C-escaped, % doubled everywhere, $ doubled in arguments only (Environment= never expands it).
    expect(unit).toContain('ExecStart="/opt/my node/node" "/a b/\\"q\\"/100%%/$$HOME/\\\\x/hearth.cjs" "start" "--service"');
    expect(unit).toContain('Environment="HEARTH_HOME=/h \\"1\\"/50%%/$x"');
  });

  it("starts a Node whose path systemd refuses as a program name (a quote, a backslash) through /bin/sh, as its $0", () => {
    const unit = systemdUnit({ execPath: "/home/o'brien/node", entry: "/e.cjs", home: "/h", logFile: "/h/agent.log" });
    expect(unit).toContain(`ExecStart=/bin/sh -c "exec \\"$$0\\" \\"$$@\\"" "/home/o'brien/node" "/e.cjs" "start" "--service"`);
  });

  it("refuses a path with a newline, which would end the line and add settings of its own", () => {
    expect(() => systemdUnit({ execPath: "/opt/node", entry: "/opt/x\nExecStartPre=/bin/evil", home: "/h", logFile: "/h/agent.log" })).toThrow(UnsafePathError);
  });

  it.skipIf(!hasSystemdAnalyze)("passes `systemd-analyze verify --user` with nothing on stderr, even from awkward folders", async () => {
    for (const nodeInAwkwardFolder of [false, true]) {
      const verified = await verifyUnit(systemdUnit(await awkwardSpec(nodeInAwkwardFolder)));
      expect(verified, `node in the awkward folder: ${nodeInAwkwardFolder}`).toEqual({ status: 0, stderr: "" });
    }
  });

  it.skipIf(!hasSystemdAnalyze)("the verification can fail: a misspelt key is reported on stderr", async () => {
    const broken = systemdUnit({ execPath: process.execPath, entry: "/opt/hearth.cjs", home: "/h", logFile: "/h/agent.log" }).replace("RestartPreventExitStatus=3", "RestartPreventExitStatos=3");
    const verified = await verifyUnit(broken);
    expect(verified.stderr).toContain("Unknown key 'RestartPreventExitStatos'");
  });
});

describe("the launchd plist", () => {
  it("parses as XML with the label, the program and its arguments, HEARTH_HOME, RunAtLoad and KeepAlive", async () => {
    const spec = await awkwardSpec(true);
    const plist = parsePlist(launchdPlist(spec));
    expect(plist).toMatchObject({
      Label: "dev.hearth.agent",
      ProgramArguments: [spec.execPath, spec.entry, "start", "--service"],
      EnvironmentVariables: { HEARTH_HOME: spec.home },
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      StandardOutPath: "/dev/null",
    });
    expect(plist.StandardErrorPath).toBe(join(spec.home, "logs", "agent.stderr.log"));
  });
});

/** The parts of a task definition the test reads (fast-xml-parser gives every value as text). */
const TaskShape = z.object({
  Task: z.object({
    Triggers: z.object({ LogonTrigger: z.record(z.string(), z.string()) }),
    Principals: z.object({ Principal: z.record(z.string(), z.string()) }),
    Settings: z.looseObject({ ExecutionTimeLimit: z.string(), DisallowStartIfOnBatteries: z.string(), RestartOnFailure: z.record(z.string(), z.string()) }),
    Actions: z.object({ Exec: z.object({ Command: z.string(), Arguments: z.string(), WorkingDirectory: z.string() }) }),
  }),
});

describe("the Task Scheduler task", () => {
  const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, processEntities: true });
  const user = `PC\\o'brien & co`;

  it("starts at this user's logon, restarts on failure, has no time limit, and runs the agent hidden", async () => {
    const spec = await awkwardSpec(true);
    const xml = taskXml({ ...spec, user });
    expect(XMLValidator.validate(xml)).toBe(true);
    const task = TaskShape.parse(parser.parse(xml)).Task;
    expect(task.Triggers.LogonTrigger).toMatchObject({ Enabled: "true", UserId: user });
    expect(task.Principals.Principal).toMatchObject({ UserId: user, LogonType: "InteractiveToken", RunLevel: "LeastPrivilege" });
    expect(task.Settings.ExecutionTimeLimit).toBe("PT0S");
    expect(task.Settings.RestartOnFailure).toEqual({ Interval: "PT1M", Count: "999" });
    expect(task.Settings.DisallowStartIfOnBatteries).toBe("false");
    expect(task.Actions.Exec.Command).toBe("%SystemRoot%\\System32\\conhost.exe");
    // A task has no environment: HEARTH_HOME travels as --home.
    expect(task.Actions.Exec.Arguments).toBe(["--headless", spec.execPath, spec.entry, "start", "--service", "--home", spec.home].map(windowsQuote).join(" "));
  });

  it("quotes arguments the way Windows reads them back (CommandLineToArgvW)", () => {
    expect(windowsQuote("C:\\Program Files\\node.exe")).toBe('"C:\\Program Files\\node.exe"');
    expect(windowsQuote("C:\\plain\\node.exe")).toBe("C:\\plain\\node.exe");
    // Backslashes before a closing quote are doubled, or they would escape it.
    expect(windowsQuote("C:\\My Dir\\")).toBe('"C:\\My Dir\\\\"');
    expect(windowsQuote('say "hi"')).toBe('"say \\"hi\\""');
    expect(windowsQuote("")).toBe('""');
  });
});
