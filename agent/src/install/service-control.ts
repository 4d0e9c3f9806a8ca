import { restartService, serviceContext, serviceStatus, uninstallService } from "../service/index.ts";
import type { ServiceResult } from "../service/index.ts";

// What `hearth update` and `hearth uninstall` need from the background service (agent/src/service/). Injected, so
// their tests can stand in for a service manager; the default below drives the real one.

/** Restarts or removes the agent's background service. Each resolves to a line for the user, or throws with why. */
export type ServiceControl = {
  restart(env: NodeJS.ProcessEnv): Promise<string>;
  uninstall(env: NodeJS.ProcessEnv): Promise<string>;
};

/** A manager's answer as a line for the user, or an error when it did not do what was asked. */
function said(result: ServiceResult): string {
  if (!result.ok) throw new Error(result.message);
  return result.message;
}

/** The service control the CLI uses: systemd, launchd or Task Scheduler, as this platform has. */
export const defaultServiceControl: ServiceControl = {
  restart: async (env) => {
    const context = serviceContext(env);
    // Not everyone runs the agent as a service: then there is nothing to restart, and the update still worked.
    if (!(await serviceStatus(context)).installed) return "No background service is installed: if the agent is running, stop it and start it again.";
    return said(await restartService(context));
  },
  uninstall: async (env) => said(await uninstallService(serviceContext(env))),
};
