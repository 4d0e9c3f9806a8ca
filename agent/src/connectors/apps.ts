import { z } from "zod";
import { Name } from "#protocol";
import { launchDetached } from "./launch.ts";
import { ActionError, defineAction } from "./types.ts";
import type { Connector } from "./types.ts";

export type AppEntries = Record<string, { command: string; args: readonly string[] }>;

/** The apps connector: starts applications the user listed in config.json, by name, with the arguments listed there. */
export function createAppsConnector(apps: AppEntries, configPath: string): Connector {
  const names = Object.keys(apps);
  return {
    target: "apps",
    description: names.length > 0 ? `Start applications: ${names.join(", ")}.` : "Start applications listed in config.json (none yet).",
    actions: {
      launch: defineAction({
        description: "Start one of the configured applications by name.",
        readOnly: false,
        parameters: z.object({ name: Name.describe(names.length > 0 ? `One of: ${names.join(", ")}.` : "An application name from config.json.") }),
        scopes: (params) => [params.name],
        run: async (params) => {
          const app = Object.hasOwn(apps, params.name) ? apps[params.name] : undefined;
          if (!app) {
            const known = names.length > 0 ? `Known: ${names.join(", ")}.` : "None are configured.";
            throw new ActionError("invalid_parameters", `No application is called "${params.name}". ${known} Add it under "apps" in ${configPath}.`);
          }
          try {
            const { pid } = await launchDetached(app.command, app.args);
            return { name: params.name, pid };
          } catch (error) {
            throw new ActionError("execution_failed", `Could not start ${params.name} (${app.command}): ${error instanceof Error ? error.message : String(error)}. Check its "command" in ${configPath}.`);
          }
        },
      }),
    },
  };
}
