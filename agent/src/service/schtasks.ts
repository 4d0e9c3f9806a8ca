import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname } from "node:path";
import { definitionFile, specOf } from "./context.ts";
import type { ServiceContext } from "./context.ts";
import { TASK_NAME, taskXml } from "./definitions.ts";
import { firstLine, runTool } from "./run-tool.ts";
import type { Manager } from "./types.ts";

const schtasks = (ctx: ServiceContext, ...args: string[]) => runTool("schtasks", args, ctx.managerTimeoutMs, ctx.env);

/** The user whose logon starts the task, as Task Scheduler names it (DOMAIN\user). */
function taskUser(ctx: ServiceContext): string {
  const name = ctx.env.USERNAME || userInfo().username;
  return ctx.env.USERDOMAIN ? `${ctx.env.USERDOMAIN}\\${name}` : name;
}

/** Reads one field of `schtasks /Query /FO LIST /V` ("Status:", "Last Result:"). English Windows only; else null. */
function field(text: string, name: string): string | null {
  return new RegExp(`^${name}:\\s*(.+)$`, "m").exec(text)?.[1]?.trim() ?? null;
}

/** The Task Scheduler task "Hearth Agent". */
export const schtasksManager: Manager = {
  name: "schtasks",
  file: (ctx) => definitionFile(ctx, "schtasks"),

  // Idempotent: /F replaces an existing task; a running one is ended and started again on the new definition.
  install: async (ctx, hearth) => {
    const file = definitionFile(ctx, "schtasks");
    mkdirSync(dirname(file), { recursive: true });
    // The XML says UTF-16, and schtasks reads it as such: UTF-16LE with its byte order mark.
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(taskXml({ ...specOf(ctx), user: taskUser(ctx) }), "utf16le")]));
    const created = await schtasks(ctx, "/Create", "/TN", TASK_NAME, "/XML", file, "/F");
    if (!created.ok) {
      return { ok: false, file, message: `Task Scheduler did not take the task (${created.missing ? "schtasks is not here" : firstLine(created)}). The definition is in ${file}; start the agent with \`${hearth} start\` meanwhile.` };
    }
    await schtasks(ctx, "/End", "/TN", TASK_NAME);
    const run = await schtasks(ctx, "/Run", "/TN", TASK_NAME);
    if (!run.ok) return { ok: false, file, message: `The task "${TASK_NAME}" is registered but did not start: ${firstLine(run)}. It will start at your next logon, or start the agent with \`${hearth} start\`.` };
    return { ok: true, file, message: `Installed and started the scheduled task "${TASK_NAME}". It starts when you log in and restarts after a failure.` };
  },

  uninstall: async (ctx, hearth) => {
    const file = definitionFile(ctx, "schtasks");
    await schtasks(ctx, "/End", "/TN", TASK_NAME);
    const deleted = await schtasks(ctx, "/Delete", "/TN", TASK_NAME, "/F");
    rmSync(file, { force: true });
    if (!deleted.ok && !/cannot find|does not exist/i.test(firstLine(deleted))) {
      return { ok: false, file, message: `Could not delete the task "${TASK_NAME}": ${firstLine(deleted)}. Check with \`${hearth} service status\`.` };
    }
    return { ok: true, file, message: deleted.ok ? `Stopped and removed the scheduled task "${TASK_NAME}".` : "The service was not installed; nothing to remove." };
  },

  restart: async (ctx, hearth) => {
    const file = definitionFile(ctx, "schtasks");
    await schtasks(ctx, "/End", "/TN", TASK_NAME);
    const run = await schtasks(ctx, "/Run", "/TN", TASK_NAME);
    if (!run.ok) return { ok: false, file, message: `Could not start the task "${TASK_NAME}": ${firstLine(run)}. Install it with \`${hearth} service install\`.` };
    return { ok: true, file, message: `Restarted the scheduled task "${TASK_NAME}".` };
  },

  status: async (ctx) => {
    const file = definitionFile(ctx, "schtasks");
    const query = await schtasks(ctx, "/Query", "/TN", TASK_NAME, "/FO", "LIST", "/V");
    if (query.missing) return { manager: "schtasks", installed: existsSync(file), running: null, detail: "schtasks is not available here", file, lastExit: null };
    if (!query.ok) return { manager: "schtasks", installed: false, running: false, detail: "not registered with Task Scheduler", file, lastExit: null };
    const state = field(query.stdout, "Status");
    const last = field(query.stdout, "Last Result");
    return {
      manager: "schtasks",
      installed: true,
      running: state === null ? null : state === "Running",
      detail: state ?? "registered (its state could not be read)",
      file,
      lastExit: last !== null && /^-?\d+$/.test(last) ? Number(last) : null,
    };
  },
};
