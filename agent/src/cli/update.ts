import { DownloadError, fetchManifest } from "../install/download.ts";
import { installedLayout } from "../install/layout.ts";
import { defaultServiceControl } from "../install/service-control.ts";
import type { ServiceControl } from "../install/service-control.ts";
import { applyUpdate, isNewer, UPDATE_TIMEOUTS } from "../install/update.ts";
import { normalizeServer } from "../pair/pair.ts";
import { VERSION } from "../version.ts";
import { CliError, parseOptions, UsageError } from "./args.ts";
import type { CliCommand } from "./args.ts";

const usage = `Usage: hearth update [--check] [--server <url>]

Updates this installed agent to the version your Hearth server offers: downloads it, checks its SHA-256,
replaces the program in place (the old one is kept as app/hearth.cjs.previous), and restarts the background
service. Settings, credentials and history are not touched. A repo checkout updates with \`git pull\` instead.

Options:
  --check         Only say whether an update is available
  --server <url>  Ask this server (default: the one this agent was installed from)
  -h, --help      Show this help

Exit codes: 0 updated (or already up to date), 1 not updated (the message says why), 4 updated but the
background service could not be restarted.`;

/** `hearth update`, with the service control it restarts through (the default is the CLI's). */
export function makeUpdateCommand(service: ServiceControl = defaultServiceControl): CliCommand {
  return {
    usage,
    run: async (argv, { out, env }) => {
      const { values } = parseOptions(argv, { check: { type: "boolean" }, server: { type: "string" } });
      const layout = installedLayout();
      if (!layout) throw new CliError("This agent runs from a repo checkout, not an installed copy: update it with `git pull` (then `npm ci`). `hearth update` updates agents installed with the install line.");
      let server = layout.record.server;
      if (values.server) {
        try {
          server = normalizeServer(values.server);
        } catch (error) {
          throw new UsageError(error instanceof Error ? error.message : String(error));
        }
      }
      let manifest;
      try {
        manifest = await fetchManifest(server, UPDATE_TIMEOUTS.manifestMs);
      } catch (error) {
        if (error instanceof DownloadError) throw new CliError(`hearth update: ${error.message}`);
        throw error;
      }
      if (!isNewer(manifest)) {
        out.log(`The Hearth agent ${VERSION} is up to date (${server} offers ${manifest.version}).`);
        return 0;
      }
      if (values.check) {
        out.log(`Update available: ${manifest.version} (this is ${VERSION}). Run \`hearth update\` to install it.`);
        return 0;
      }
      out.log(`Updating the Hearth agent from ${VERSION} to ${manifest.version} (from ${server})`);
      let outcome;
      try {
        outcome = await applyUpdate(layout, manifest, server, out.log);
      } catch (error) {
        if (error instanceof DownloadError) throw new CliError(`hearth update: ${error.message}`);
        throw error;
      }
      const runtime = outcome.runtime ? ` and Node ${outcome.runtime.from} → ${outcome.runtime.to}` : "";
      out.log(`✓ Updated ${outcome.from} → ${outcome.to}${runtime} in ${layout.dir} (the previous agent is kept as app/hearth.cjs.previous).`);
      try {
        out.log(await service.restart(env));
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new CliError(`The update is installed, but the background service could not be restarted: ${why}\nRestart it with \`hearth service install\`, or run \`hearth start\`.`, 4);
      }
      return 0;
    },
  };
}

export const updateCommand: CliCommand = makeUpdateCommand();
