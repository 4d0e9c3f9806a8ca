import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { loadCredentials } from "../home/credentials.ts";
import { resolveHomeDir, homePaths } from "../home/paths.ts";
import { isYes, terminalAsker } from "../install/ask.ts";
import type { Asker } from "../install/ask.ts";
import { installedLayout } from "../install/layout.ts";
import { defaultServiceControl } from "../install/service-control.ts";
import type { ServiceControl } from "../install/service-control.ts";
import { isInside, isTooBroad, removeData, removeFromUserPath, removeProgram, revokeDevice } from "../install/uninstall.ts";
import type { RemovalReport } from "../install/uninstall.ts";
import { hearthCommand } from "../invocation.ts";
import { CliError, parseOptions, UsageError } from "./args.ts";
import type { CliCommand, CliContext } from "./args.ts";

const usage = `Usage: hearth uninstall [--yes] [--keep-data | --remove-data]

Removes the Hearth agent from this computer: stops and removes its background service, removes this
computer from your devices on the server, and deletes the program and the \`hearth\` launcher. Your
settings, credentials and history are kept unless you say otherwise (it asks; the default is to keep them).
From a repo checkout it removes only the service (and, if you say so, the settings).

Options:
  --yes          Do not ask for confirmation
  --keep-data    Keep the settings folder (the default when there is no terminal to ask)
  --remove-data  Also delete Hearth's files in the settings folder: settings, credentials, permissions and
                 history (the folder too, unless it holds files of your own)
  -h, --help     Show this help`;

/** Time allowed to tell the server this computer is leaving. */
const REVOKE_TIMEOUT_MS = 10_000;

/** `hearth uninstall`, with the service control and the question asker it uses (the CLI's by default). */
export function makeUninstallCommand(service: ServiceControl = defaultServiceControl, asker: () => Asker = terminalAsker): CliCommand {
  return {
    usage,
    run: async (argv, context) => {
      const terminal = asker();
      try {
        return await uninstall(argv, context, service, terminal);
      } finally {
        terminal.close();
      }
    },
  };
}

async function uninstall(argv: string[], { out, env }: CliContext, service: ServiceControl, terminal: Asker): Promise<number> {
  const ask = (question: string) => terminal.ask(question);
  const { values } = parseOptions(argv, { yes: { type: "boolean" }, "keep-data": { type: "boolean" }, "remove-data": { type: "boolean" } });
  if (values["keep-data"] && values["remove-data"]) throw new UsageError("--keep-data and --remove-data cannot both be given");
  const hearth = hearthCommand(env);
  const layout = installedLayout();
  const paths = homePaths(resolveHomeDir(env));
  if (!values.yes) {
    const what = layout ? `the Hearth agent from ${layout.dir}` : "the Hearth agent's background service";
    const answer = await ask(`Remove ${what}? [y/N] `);
    if (answer === null) throw new CliError(`hearth uninstall: there is no terminal to confirm on. Run \`${hearth} uninstall --yes\` to go ahead.`);
    if (!isYes(answer)) {
      out.log("Nothing was removed.");
      return 0;
    }
  }
  const removed: string[] = [];
  const kept: string[] = [];
  const afterExit: string[] = [];
  const notes: string[] = [];
  const add = (report: RemovalReport) => {
    removed.push(...report.removed);
    kept.push(...report.kept);
    afterExit.push(...report.afterExit, ...report.afterExitFolders);
  };

  // The service first, so no agent reconnects while the rest goes.
  try {
    notes.push(await service.uninstall(env));
  } catch (error) {
    notes.push(`Could not remove the background service: ${error instanceof Error ? error.message : String(error)}`);
  }
  let credentials = null;
  try {
    credentials = loadCredentials(paths.credentials, hearth);
  } catch (error) {
    notes.push(`${error instanceof Error ? error.message : String(error)} (so this computer could not be removed from the server: do it in Settings → Devices)`);
  }
  if (credentials) notes.push(await revokeDevice(credentials.server, credentials.token, REVOKE_TIMEOUT_MS));

  if (layout) {
    if (process.platform === "win32") notes.push(await removeFromUserPath(dirname(layout.record.launcher)));
    add(removeProgram(layout));
  }

  let deleteData = values["remove-data"] === true;
  if (!deleteData && !values["keep-data"] && existsSync(paths.dir)) {
    deleteData = isYes(await ask(`Also delete settings, credentials and history in ${paths.dir}? [y/N] `));
  }
  if (existsSync(paths.dir)) {
    if (deleteData && isTooBroad(paths.dir)) {
      notes.push(`Did not delete ${paths.dir}: HEARTH_HOME points at a folder that holds more than Hearth's settings. Delete Hearth's files there yourself.`);
      kept.push(paths.dir);
    } else if (deleteData) {
      add(removeData(paths));
    } else {
      kept.push(`${paths.dir} (settings, credentials, permissions and history; delete it yourself, or run \`hearth uninstall --remove-data\` next time)`);
    }
  }

  for (const note of notes) out.log(note);
  // A removed folder stands for the files removed in it.
  const folders = removed.filter((path) => removed.some((other) => isInside(other, path)));
  for (const path of removed.filter((path) => !folders.some((folder) => isInside(path, folder)))) out.log(`Removed: ${path}`);
  for (const path of afterExit) out.log(`Removed when this process exits: ${path}`);
  for (const path of kept) out.log(`Kept:    ${path}`);
  out.log(layout ? "The Hearth agent is uninstalled." : "The background service is removed; this repo checkout itself is yours to delete.");
  return 0;
}

export const uninstallCommand: CliCommand = makeUninstallCommand();
