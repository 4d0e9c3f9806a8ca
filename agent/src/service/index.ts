import { hearthCommand } from "../invocation.ts";
import { managerFor } from "./context.ts";
import type { ServiceContext } from "./context.ts";
import { launchdManager } from "./launchd.ts";
import { schtasksManager } from "./schtasks.ts";
import { systemdManager } from "./systemd.ts";
import type { Manager, ServiceResult, ServiceStatus } from "./types.ts";

// The public face of the agent as a background service: `hearth service`, `hearth doctor`, the installer's
// `hearth service install`, and `hearth update`/`uninstall` use only these.

export { serviceContext, managerFor, logFileOf, definitionFile } from "./context.ts";
export type { ManagerName, ServiceContext } from "./context.ts";
export type { ServiceResult, ServiceStatus } from "./types.ts";
export { launchdPlist, systemdUnit, taskXml, LAUNCHD_LABEL, SYSTEMD_UNIT, TASK_NAME, UnsafePathError } from "./definitions.ts";
export type { ServiceSpec, TaskSpec } from "./definitions.ts";

/** A platform with no service manager Hearth knows: the message says how to run the agent instead. */
export class UnsupportedPlatformError extends Error {}

function managerOf(ctx: ServiceContext): Manager {
  const name = managerFor(ctx.platform);
  if (name === "systemd") return systemdManager;
  if (name === "launchd") return launchdManager;
  if (name === "schtasks") return schtasksManager;
  throw new UnsupportedPlatformError(`Hearth has no background service for ${ctx.platform}. Run the agent with \`${hearthCommand(ctx.env)} start\` (in a terminal, or from your own supervisor).`);
}

/** Writes the service definition, registers it, and (re)starts the agent. Idempotent. */
export function installService(ctx: ServiceContext): Promise<ServiceResult> {
  return managerOf(ctx).install(ctx, hearthCommand(ctx.env));
}

/** Stops the service and removes its definition; never touches settings, credentials or state. */
export function uninstallService(ctx: ServiceContext): Promise<ServiceResult> {
  return managerOf(ctx).uninstall(ctx, hearthCommand(ctx.env));
}

/** Restarts the installed service (after `hearth update` replaced the program). */
export function restartService(ctx: ServiceContext): Promise<ServiceResult> {
  return managerOf(ctx).restart(ctx, hearthCommand(ctx.env));
}

/** Whether the service is installed and running, as its manager says. */
export function serviceStatus(ctx: ServiceContext): Promise<ServiceStatus> {
  return managerOf(ctx).status(ctx, hearthCommand(ctx.env));
}
