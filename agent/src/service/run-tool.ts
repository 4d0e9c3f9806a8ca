import { execFile } from "node:child_process";

/** How a manager command (systemctl, launchctl, schtasks) ended. `missing`: the program is not on this computer. */
export type ToolResult = { ok: boolean; code: number | null; stdout: string; stderr: string; missing: boolean };

/**
 * Runs a service manager's command with execFile, never through a shell: paths with spaces or quotes reach it as
 * the one argument they are. A timeout ends it, so a stuck manager cannot hang `hearth service` or `hearth doctor`.
 */
export function runTool(file: string, args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(file, [...args], { timeout: timeoutMs, env, windowsHide: true, encoding: "utf8" }, (error, stdout, stderr) => {
      if (!error) return resolve({ ok: true, code: 0, stdout, stderr, missing: false });
      const missing = "code" in error && error.code === "ENOENT";
      const code = typeof error.code === "number" ? error.code : null;
      const said = stderr || (error.killed ? `${file} did not answer within ${Math.round(timeoutMs / 1000)} s` : error.message);
      resolve({ ok: false, code, stdout, stderr: said, missing });
    });
  });
}

/** The first line a failed tool said, for a one-line message. */
export function firstLine(result: ToolResult): string {
  return (result.stderr || result.stdout).trim().split(/\r?\n/)[0] ?? "";
}
