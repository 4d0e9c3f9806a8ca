import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { definitionFile, specOf } from "./context.ts";
import type { ServiceContext } from "./context.ts";
import { SYSTEMD_UNIT, systemdUnit } from "./definitions.ts";
import { firstLine, runTool } from "./run-tool.ts";
import type { ToolResult } from "./run-tool.ts";
import type { Manager, ServiceStatus } from "./types.ts";

const systemctl = (ctx: ServiceContext, ...args: string[]) => runTool("systemctl", ["--user", ...args], ctx.managerTimeoutMs, ctx.env);

/** Why systemctl could not be used, in words that say what still works. */
function unreachable(file: string, result: ToolResult, hearth: string, wrote: boolean): string {
  const said = result.missing ? "systemctl is not installed" : firstLine(result);
  const where = wrote ? `the unit is written to ${file}` : `the unit file is ${file}`;
  return `systemd's user manager is not running here (a container?): ${where}; start the agent with \`${hearth} start\`. (systemctl said: ${said})`;
}

/** The systemd user unit `hearth.service`. */
export const systemdManager: Manager = {
  name: "systemd",
  file: (ctx) => definitionFile(ctx, "systemd"),

  // Idempotent: the unit is rewritten every time, then reloaded, enabled, and restarted (a running agent picks up a
  // new program or settings path).
  install: async (ctx, hearth) => {
    const file = definitionFile(ctx, "systemd");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, systemdUnit(specOf(ctx)), { mode: 0o644 });
    const reload = await systemctl(ctx, "daemon-reload");
    if (!reload.ok) return { ok: false, file, message: unreachable(file, reload, hearth, true) };
    for (const step of [["enable", SYSTEMD_UNIT], ["restart", SYSTEMD_UNIT]]) {
      const result = await systemctl(ctx, ...step);
      if (!result.ok) {
        return { ok: false, file, message: `\`systemctl --user ${step.join(" ")}\` failed: ${firstLine(result)}. The unit is written to ${file}; see \`journalctl --user -u hearth\`, or start the agent with \`${hearth} start\`.` };
      }
    }
    // Without lingering, a user unit stops at logout; that is the desktop's normal life, so it is only mentioned.
    return { ok: true, file, message: `Installed and started the systemd user service ${SYSTEMD_UNIT} (${file}). It starts when you log in and restarts after a failure.` };
  },

  uninstall: async (ctx, hearth) => {
    const file = definitionFile(ctx, "systemd");
    const stop = await systemctl(ctx, "disable", "--now", SYSTEMD_UNIT);
    const existed = existsSync(file);
    rmSync(file, { force: true });
    const reload = await systemctl(ctx, "daemon-reload");
    if (!reload.ok) {
      // Without a user manager nothing can be running under it: removing the file is all there is to do.
      return { ok: true, file, message: `${existed ? `Removed ${file}` : "No unit was installed"}; systemd's user manager is not running here, so there was nothing to stop.` };
    }
    if (!stop.ok && existed && !/not loaded|does not exist|No such file/i.test(firstLine(stop))) {
      return { ok: false, file, message: `Removed ${file}, but \`systemctl --user disable --now ${SYSTEMD_UNIT}\` failed: ${firstLine(stop)}. Check with \`${hearth} service status\`.` };
    }
    return { ok: true, file, message: existed ? `Stopped and removed the service (${file}).` : "The service was not installed; nothing to remove." };
  },

  restart: async (ctx, hearth) => {
    const file = definitionFile(ctx, "systemd");
    if (!existsSync(file)) return { ok: false, file, message: `The service is not installed. Install it with \`${hearth} service install\`.` };
    const result = await systemctl(ctx, "restart", SYSTEMD_UNIT);
    if (!result.ok) return { ok: false, file, message: result.missing || /bus|connect/i.test(firstLine(result)) ? unreachable(file, result, hearth, false) : `\`systemctl --user restart ${SYSTEMD_UNIT}\` failed: ${firstLine(result)}.` };
    return { ok: true, file, message: `Restarted ${SYSTEMD_UNIT}.` };
  },

  status: async (ctx, hearth) => {
    const file = definitionFile(ctx, "systemd");
    const written = existsSync(file);
    const shown = await systemctl(ctx, "show", SYSTEMD_UNIT, "--property=LoadState,ActiveState,SubState,MainPID,ExecMainStatus,ExecMainExitTimestampMonotonic,UnitFileState");
    if (!shown.ok) {
      return { manager: "systemd", installed: written, running: null, detail: unreachable(file, shown, hearth, false), file, lastExit: null };
    }
    const props = Object.fromEntries(shown.stdout.split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
    const exited = props.ExecMainExitTimestampMonotonic !== undefined && props.ExecMainExitTimestampMonotonic !== "0";
    const status: ServiceStatus = {
      manager: "systemd",
      installed: written && props.LoadState === "loaded",
      running: props.ActiveState === "active",
      detail: `${props.ActiveState ?? "unknown"} (${props.SubState ?? "?"})${props.MainPID && props.MainPID !== "0" ? `, pid ${props.MainPID}` : ""}; ${props.UnitFileState || "not enabled"}`,
      file,
      lastExit: exited && props.ExecMainStatus !== undefined ? Number(props.ExecMainStatus) : null,
    };
    return status;
  },
};
