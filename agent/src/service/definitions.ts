import { win32 } from "node:path";

/**
 * The three service definitions (systemd user unit, launchd plist, Task Scheduler XML), as pure functions of what
 * the service runs. Each escapes paths for its own format: a program folder under "Application Support", a user
 * name with a quote or an `&` in the home path must not break (or change) the definition.
 */

/** What a service runs: `[execPath, entry, "start", "--service"]`, with HEARTH_HOME set to the settings folder. */
export type ServiceSpec = {
  /** The Node binary (process.execPath). */
  execPath: string;
  /** The agent's entry script (realpath of process.argv[1]). */
  entry: string;
  /**
   * The settings folder, resolved when the service is installed (resolveHomeDir): always written, because a service
   * manager does not have the user's shell environment (a custom XDG_CONFIG_HOME, say) to find it again.
   */
  home: string;
  /** `<HEARTH_HOME>/logs/agent.log`, named in the definition so a reader of it knows where the agent logs. */
  logFile: string;
};

/** The name every manager knows the agent by. */
export const SYSTEMD_UNIT = "hearth.service";
export const LAUNCHD_LABEL = "dev.hearth.agent";
export const TASK_NAME = "Hearth Agent";

/** The arguments after the entry script: the agent in service mode (log file, per-platform pair-again exit). */
export const SERVICE_ARGS = ["start", "--service"] as const;

/** A path a definition cannot carry: a control character (newline, NUL …) would end or corrupt a line of it. */
export class UnsafePathError extends Error {}

function assertPrintable(label: string, value: string): void {
  // eslint-disable-next-line no-control-regex -- the control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new UnsafePathError(`The ${label} path ${JSON.stringify(value)} holds a control character (a newline?), which a service definition cannot carry. Move it to a plain path.`);
}

/**
 * One word of a systemd command line or assignment, double-quoted: `\` and `"` escaped (systemd unquotes C-style),
 * `%` doubled (specifiers like %h), and in ExecStart's arguments `$` doubled (systemd expands $VAR there; not in the
 * executable's own name, nor in Environment=).
 */
export function systemdQuote(value: string, context: "executable" | "argument" | "environment"): string {
  let escaped = value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("%", "%%");
  if (context === "argument") escaped = escaped.replaceAll("$", "$$$$");
  return `"${escaped}"`;
}

/**
 * systemd refuses an executable whose name holds `"`, `'` or `\` ("contains special characters"), however it is
 * quoted. Such a Node is started through /bin/sh, which gets the path as an argument ($0), never as code.
 */
function systemdExec(execPath: string, args: readonly string[]): string {
  const direct = !/["'\\]/.test(execPath);
  const words = direct ? [systemdQuote(execPath, "executable")] : ["/bin/sh", "-c", systemdQuote('exec "$0" "$@"', "argument"), systemdQuote(execPath, "argument")];
  return [...words, ...args.map((word) => systemdQuote(word, "argument"))].join(" ");
}

/** The systemd user unit: restarts on failure except exit code 3 (pair again), started with the user's session. */
export function systemdUnit(spec: ServiceSpec): string {
  for (const [label, value] of pathsOf(spec)) assertPrintable(label, value);
  const lines = [
    "# Written by `hearth service install`; rewritten by every install and update (edits here are lost).",
    `# The agent also logs to ${spec.logFile} (\`hearth service logs\`), besides the journal.`,
    "[Unit]",
    "Description=Hearth agent (lets your Hearth assistant act on this computer, with your permission)",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${systemdExec(spec.execPath, [spec.entry, ...SERVICE_ARGS])}`,
    `Environment=${systemdQuote(`HEARTH_HOME=${spec.home}`, "environment")}`,
    // Exit code 3 means the server refused this computer: restarting cannot help until `hearth pair` runs again.
    "Restart=on-failure",
    "RestartPreventExitStatus=3",
    "RestartSec=5",
    // SIGTERM lets running commands finish (shutdownGrace is 5 s); give it a little more before SIGKILL.
    "TimeoutStopSec=15",
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ];
  return lines.join("\n");
}

/** Text for XML content and attribute values. */
export function xmlEscape(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&apos;");
}

/** The launchd agent: loaded at login, restarted when it exits with a failure (not after a clean exit, code 0). */
export function launchdPlist(spec: ServiceSpec): string {
  for (const [label, value] of pathsOf(spec)) assertPrintable(label, value);
  const string = (value: string) => `<string>${xmlEscape(value)}</string>`;
  const env = ["  <key>EnvironmentVariables</key>", "  <dict>", `    <key>HEARTH_HOME</key>`, `    ${string(spec.home)}`, "  </dict>"];
  // stdout would repeat the log file; stderr keeps what Node prints if it dies before the agent's logger starts.
  const stderr = `${spec.logFile.replace(/\.log$/, "")}.stderr.log`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    "  <key>Label</key>",
    `  ${string(LAUNCHD_LABEL)}`,
    "  <key>ProgramArguments</key>",
    "  <array>",
    ...[spec.execPath, spec.entry, ...SERVICE_ARGS].map((word) => `    ${string(word)}`),
    "  </array>",
    ...env,
    "  <key>RunAtLoad</key>",
    "  <true/>",
    // Pair-again exits 0 under launchd (it cannot exclude one exit code), so "restart unless it succeeded" fits.
    "  <key>KeepAlive</key>",
    "  <dict>",
    "    <key>SuccessfulExit</key>",
    "    <false/>",
    "  </dict>",
    "  <key>ThrottleInterval</key>",
    "  <integer>10</integer>",
    "  <key>ProcessType</key>",
    "  <string>Background</string>",
    "  <key>StandardOutPath</key>",
    "  <string>/dev/null</string>",
    "  <key>StandardErrorPath</key>",
    `  ${string(stderr)}`,
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}

/**
 * One argument for a Windows command line, as CommandLineToArgvW reads it back: quoted, with backslashes doubled
 * only where they precede a quote (or the closing quote).
 */
export function windowsQuote(value: string): string {
  if (value !== "" && !/[\s"]/.test(value)) return value;
  let out = '"';
  let slashes = 0;
  for (const char of value) {
    if (char === "\\") {
      slashes++;
      continue;
    }
    out += char === '"' ? `${"\\".repeat(slashes * 2 + 1)}"` : `${"\\".repeat(slashes)}${char}`;
    slashes = 0;
  }
  return `${out}${"\\".repeat(slashes * 2)}"`;
}

/** What the Task Scheduler task needs beyond the spec: whose logon starts it (DOMAIN\user). */
export type TaskSpec = ServiceSpec & { user: string };

/**
 * The Task Scheduler task: at this user's logon, restarted on failure, no time limit. It runs through
 * `conhost.exe --headless`, so no console window sits on the user's desktop. A task has no environment of its
 * own, so the settings folder travels as `--home` (which `hearth start` reads as it reads HEARTH_HOME).
 */
export function taskXml(spec: TaskSpec): string {
  for (const [label, value] of pathsOf(spec)) assertPrintable(label, value);
  const args = [spec.execPath, spec.entry, ...SERVICE_ARGS, "--home", spec.home];
  const text = (value: string) => xmlEscape(value);
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    "  <RegistrationInfo>",
    `    <Description>Hearth agent: lets your Hearth assistant act on this computer, with your permission. Logs: ${text(spec.logFile)}</Description>`,
    `    <URI>\\${text(TASK_NAME)}</URI>`,
    "  </RegistrationInfo>",
    "  <Triggers>",
    "    <LogonTrigger>",
    "      <Enabled>true</Enabled>",
    `      <UserId>${text(spec.user)}</UserId>`,
    "    </LogonTrigger>",
    "  </Triggers>",
    "  <Principals>",
    '    <Principal id="Author">',
    `      <UserId>${text(spec.user)}</UserId>`,
    "      <LogonType>InteractiveToken</LogonType>",
    "      <RunLevel>LeastPrivilege</RunLevel>",
    "    </Principal>",
    "  </Principals>",
    "  <Settings>",
    "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>",
    "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>",
    "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>",
    "    <AllowHardTerminate>true</AllowHardTerminate>",
    "    <StartWhenAvailable>true</StartWhenAvailable>",
    "    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>",
    "    <IdleSettings>",
    "      <StopOnIdleEnd>false</StopOnIdleEnd>",
    "      <RestartOnIdle>false</RestartOnIdle>",
    "    </IdleSettings>",
    "    <AllowStartOnDemand>true</AllowStartOnDemand>",
    "    <Enabled>true</Enabled>",
    "    <Hidden>false</Hidden>",
    "    <RunOnlyIfIdle>false</RunOnlyIfIdle>",
    "    <WakeToRun>false</WakeToRun>",
    // PT0S: no time limit (the default, 72 hours, would stop the agent after three days).
    "    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>",
    "    <Priority>7</Priority>",
    // One minute is the shortest interval Task Scheduler accepts; 999 the most attempts.
    "    <RestartOnFailure>",
    "      <Interval>PT1M</Interval>",
    "      <Count>999</Count>",
    "    </RestartOnFailure>",
    "  </Settings>",
    '  <Actions Context="Author">',
    "    <Exec>",
    "      <Command>%SystemRoot%\\System32\\conhost.exe</Command>",
    `      <Arguments>${text(["--headless", ...args.map(windowsQuote)].join(" "))}</Arguments>`,
    `      <WorkingDirectory>${text(win32.dirname(spec.entry))}</WorkingDirectory>`,
    "    </Exec>",
    "  </Actions>",
    "</Task>",
    "",
  ].join("\n");
}

function pathsOf(spec: ServiceSpec): [string, string][] {
  return [
    ["Node", spec.execPath],
    ["agent", spec.entry],
    ["settings", spec.home],
    ["log", spec.logFile],
  ];
}
