// What `hearth update` and `hearth uninstall` need from the background service (agent/src/service/, issue 16's
// other half). Injected, so these commands do not depend on how a service manager is driven; the default below is
// the one place that wires the real one.

/** Restarts or removes the agent's background service. Each resolves to a line for the user, or throws with why. */
export type ServiceControl = {
  restart(): Promise<string>;
  uninstall(): Promise<string>;
};

/**
 * The service control the CLI uses. Until agent/src/service/ is wired here (restartService/uninstallService from
 * its index.ts), it only says so: an update then asks the user to restart the agent themselves.
 */
export const defaultServiceControl: ServiceControl = {
  restart: async () => "No service manager is wired into this build: if the agent is running, restart it (stop it and run `hearth start`).",
  uninstall: async () => "No service manager is wired into this build: no background service to remove.",
};
