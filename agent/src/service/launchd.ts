import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { definitionFile, specOf } from "./context.ts";
import type { ServiceContext } from "./context.ts";
import { LAUNCHD_LABEL, launchdPlist } from "./definitions.ts";
import { firstLine, runTool } from "./run-tool.ts";
import type { Manager } from "./types.ts";

const launchctl = (ctx: ServiceContext, ...args: string[]) => runTool("launchctl", args, ctx.managerTimeoutMs, ctx.env);

/**
 * `bootout` returns before launchd has finished removing the job; a `bootstrap` in that window fails ("Bootstrap
 * failed: 5: Input/output error"). So a re-install waits until `launchctl print` no longer finds the job, and still
 * tries the bootstrap once more after a pause.
 */
export const LAUNCHD_TIMING = { goneWithinMs: 10_000, pollMs: 200, bootstrapRetryMs: 2_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (up to LAUNCHD_TIMING.goneWithinMs) until launchd no longer knows the job. */
async function waitUntilGone(ctx: ServiceContext): Promise<void> {
  const deadline = Date.now() + LAUNCHD_TIMING.goneWithinMs;
  while (Date.now() < deadline) {
    if (!(await launchctl(ctx, "print", target(ctx))).ok) return;
    await sleep(LAUNCHD_TIMING.pollMs);
  }
}
const domain = (ctx: ServiceContext) => `gui/${ctx.uid}`;
const target = (ctx: ServiceContext) => `${domain(ctx)}/${LAUNCHD_LABEL}`;

/** The launchd agent `dev.hearth.agent` in the user's GUI session. */
export const launchdManager: Manager = {
  name: "launchd",
  file: (ctx) => definitionFile(ctx, "launchd"),

  // Idempotent: launchd reads a plist only when it is bootstrapped, so an installed agent is booted out first.
  install: async (ctx, hearth) => {
    const file = definitionFile(ctx, "launchd");
    const spec = specOf(ctx);
    mkdirSync(dirname(file), { recursive: true });
    // launchd opens StandardErrorPath itself and does not make its folder.
    mkdirSync(dirname(spec.logFile), { recursive: true, mode: 0o700 });
    writeFileSync(file, launchdPlist(spec), { mode: 0o644 });
    const booted = await launchctl(ctx, "bootout", target(ctx));
    if (booted.ok) await waitUntilGone(ctx);
    let boot = await launchctl(ctx, "bootstrap", domain(ctx), file);
    if (!boot.ok && !boot.missing) {
      await sleep(LAUNCHD_TIMING.bootstrapRetryMs);
      boot = await launchctl(ctx, "bootstrap", domain(ctx), file);
    }
    if (!boot.ok) {
      return { ok: false, file, message: `launchd did not load the agent (${boot.missing ? "launchctl is not here" : firstLine(boot)}). The plist is written to ${file}; load it with \`launchctl bootstrap ${domain(ctx)} '${file}'\` from a logged-in session, or start the agent with \`${hearth} start\`.` };
    }
    const kick = await launchctl(ctx, "kickstart", "-k", target(ctx));
    if (!kick.ok) return { ok: false, file, message: `launchd loaded the agent but could not start it: ${firstLine(kick)}. Check with \`${hearth} service status\`.` };
    return { ok: true, file, message: `Installed and started the launchd agent ${LAUNCHD_LABEL} (${file}). It starts when you log in and restarts after a failure.` };
  },

  uninstall: async (ctx) => {
    const file = definitionFile(ctx, "launchd");
    const existed = existsSync(file);
    await launchctl(ctx, "bootout", target(ctx));
    rmSync(file, { force: true });
    return { ok: true, file, message: existed ? `Stopped and removed the launchd agent (${file}).` : "The service was not installed; nothing to remove." };
  },

  restart: async (ctx, hearth) => {
    const file = definitionFile(ctx, "launchd");
    if (!existsSync(file)) return { ok: false, file, message: `The service is not installed. Install it with \`${hearth} service install\`.` };
    const kick = await launchctl(ctx, "kickstart", "-k", target(ctx));
    if (!kick.ok) return { ok: false, file, message: `\`launchctl kickstart -k ${target(ctx)}\` failed: ${firstLine(kick)}. Reinstall with \`${hearth} service install\`.` };
    return { ok: true, file, message: `Restarted ${LAUNCHD_LABEL}.` };
  },

  status: async (ctx) => {
    const file = definitionFile(ctx, "launchd");
    const written = existsSync(file);
    const printed = await launchctl(ctx, "print", target(ctx));
    if (printed.missing) return { manager: "launchd", installed: written, running: null, detail: "launchctl is not available here", file, lastExit: null };
    if (!printed.ok) return { manager: "launchd", installed: false, running: false, detail: written ? `the plist is written but not loaded: run \`launchctl bootstrap ${domain(ctx)} '${file}'\`` : "not loaded", file, lastExit: null };
    const state = /^\s*state = (.+)$/m.exec(printed.stdout)?.[1]?.trim() ?? "unknown";
    const pid = /^\s*pid = (\d+)$/m.exec(printed.stdout)?.[1];
    const lastExit = /^\s*last exit code = (-?\d+)/m.exec(printed.stdout)?.[1];
    return { manager: "launchd", installed: written, running: state === "running", detail: `${state}${pid ? `, pid ${pid}` : ""}`, file, lastExit: lastExit === undefined ? null : Number(lastExit) };
  },
};
