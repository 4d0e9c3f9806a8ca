import { existsSync } from "node:fs";
import { InstallKey } from "#protocol";
import { hostname } from "node:os";
import { loadCredentials, saveCredentials } from "../home/credentials.ts";
import { ensureHomeDir, homePaths, resolveHomeDir } from "../home/paths.ts";
import { runningAgent } from "../home/status-file.ts";
import { normalizeServer, pairDevice, PairError } from "../pair/pair.ts";
import { openStateDb, resetDeviceState } from "../store/db.ts";
import { hearthCommand } from "../invocation.ts";
import { PLATFORM, VERSION } from "../version.ts";
import { CliError, parseOptions, UsageError } from "./args.ts";
import type { CliCommand } from "./args.ts";

export const pairCommand: CliCommand = {
  usage: `Usage: hearth pair --server <url> [--name <device name>] [--install-key <key>]

Connects this computer to your Hearth account. It prints a short code; open the link it shows,
sign in, and approve the code. The agent's token is then saved in credentials.json (mode 0600).

Options:
  --server <url>       Your Hearth server, e.g. https://hearth.example.com
  --name <name>        How this computer appears in Hearth (default: its hostname)
  --install-key <key>  The key of the install line from Settings → Devices. The install script passes it in
                       the environment instead, as HEARTH_INSTALL_KEY (other users can read a command line)
  -h, --help           Show this help`,
  run: async (argv, { out, env }) => {
    const { values } = parseOptions(argv, { server: { type: "string" }, name: { type: "string" }, "install-key": { type: "string" } });
    const hearth = hearthCommand(env);
    if (!values.server) throw new UsageError(`--server is required, e.g. ${hearth} pair --server https://hearth.example.com`);
    const name = (values.name ?? hostname()).trim().slice(0, 80) || "My computer";
    const paths = homePaths(resolveHomeDir(env));
    let server: string;
    try {
      server = normalizeServer(values.server);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    // The install scripts pass the key as HEARTH_INSTALL_KEY: other local users can read a process's arguments
    // (/proc/<pid>/cmdline), not its environment. --install-key still works, for scripts that pass it the old way.
    const rawKey = values["install-key"] || env.HEARTH_INSTALL_KEY || undefined;
    const installKey = rawKey === undefined ? undefined : InstallKey.safeParse(rawKey);
    if (installKey && !installKey.success) out.log("The install key given is not one (32 letters, digits, - or _), so the pairing goes on without it: approve the code below.");
    let existing = null;
    try {
      existing = loadCredentials(paths.credentials, hearth);
    } catch {
      // A damaged credentials.json is exactly what pairing again repairs (the install scripts rely on that).
      out.log(`${paths.credentials} is damaged; pairing again replaces it.`);
    }
    if (existing) out.log(`This computer is paired with ${existing.user_email} on ${existing.server}; pairing again replaces that.`);
    let credentials;
    try {
      credentials = await pairDevice({
        server,
        hearth,
        device: { name, platform: PLATFORM, agent_version: VERSION },
        installKey: installKey?.success ? installKey.data : undefined,
        callbacks: {
          onCodes: (codes) => {
            out.log("");
            out.log("To pair this computer, open this link and approve the code:");
            out.log(`  ${codes.verification_uri_complete}`);
            out.log("");
            out.log(`Or go to ${codes.verification_uri} and enter:`);
            out.log(`  ${codes.user_code}`);
            out.log("");
            out.log(`Waiting for approval (the code expires in ${Math.round(codes.expires_in / 60)} minutes) …`);
          },
          onNotice: (message) => out.log(message),
        },
      });
    } catch (error) {
      if (error instanceof PairError) throw new CliError(error.message);
      throw error;
    }
    ensureHomeDir(paths);
    saveCredentials(paths.credentials, { server, device_id: credentials.device_id, token: credentials.token, user_email: credentials.user_email, paired_at: Date.now() });
    if (existing && existing.device_id !== credentials.device_id && existsSync(paths.stateDb)) {
      const db = openStateDb(paths.stateDb);
      const dropped = resetDeviceState(db);
      db.close();
      if (dropped > 0) out.log(`Dropped ${dropped} result/activity frame(s) the previous pairing had not delivered, so they cannot reach this one.`);
    }
    // Pairing does not start the agent: say how, with the command this user can type. Under the install script
    // (HEARTH_INSTALLER=1) the next step, `hearth service install`, starts it and says so, so no hint then.
    if (env.HEARTH_INSTALLER === "1") out.log(`Paired with ${credentials.user_email}.`);
    else out.log(`Paired with ${credentials.user_email}. Now run \`${hearth} start\` to connect this computer (it keeps running until Ctrl-C).`);
    if (runningAgent(paths.status)) out.log(`An agent is already running with the old pairing: stop it and run \`${hearth} start\` again.`);
    return 0;
  },
};
