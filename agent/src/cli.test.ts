import { statSync } from "node:fs";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { fakePairingServer } from "../test/fake-pairing.ts";
import { hearth } from "../test/hearth-process.ts";
import { tempDir } from "../test/temp.ts";
import { main } from "./cli.ts";

/** Runs the CLI in this process (fast); the real executable is exercised by the tests that spawn `hearth`. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(args, { log: (line) => stdout.push(line), error: (line) => stderr.push(line) }, { ...process.env, ...env });
  return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
}

/** A fresh HEARTH_HOME (and HOME, so nothing touches the real one), run the README's way: `npx hearth`. */
async function isolated() {
  const home = await tempDir();
  const hearthHome = join(home, "hearth");
  return { home, hearthHome, env: { HEARTH_HOME: hearthHome, HOME: home, npm_command: "exec" } };
}

const servers: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

// Each case starts real `hearth` processes (about half a second of CPU each), so they get more time than unit tests.
describe("hearth CLI", { timeout: 30_000 }, () => {
  it("prints its help and version", async () => {
    const help = await hearth(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^hearth \d+\.\d+\.\d+/);
    for (const command of ["pair", "start", "status", "permissions"]) expect(help.stdout).toContain(command);
    expect((await hearth(["--version"])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("gives every command and sub-command its own help", async () => {
    const { env } = await isolated();
    const cases: [string[], string][] = [
      [["status", "--help"], "Usage: hearth status"],
      [["pair", "--help"], "Usage: hearth pair --server <url>"],
      [["start", "-h"], "HEARTH_DEBUG_ACTION_DELAY_MS"],
      [["permissions", "--help"], "Usage: hearth permissions <list|grant|deny|revoke>"],
      [["permissions", "grant", "--help"], "--expires <duration>"],
      [["permissions", "deny", "--help"], "Usage: hearth permissions deny"],
      [["permissions", "revoke", "--help"], "Usage: hearth permissions revoke <id>"],
      [["permissions", "list", "--help"], "Usage: hearth permissions list"],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args, env)));
    results.forEach((result, i) => {
      expect(result.code, cases[i]?.[0].join(" ")).toBe(0);
      expect(result.stdout).toContain(cases[i]?.[1]);
    });
  });

  it("refuses an unknown command or option with a hint and exit code 2", async () => {
    const { env } = await isolated();
    const [unknown, badOption, noServer, badSub, badDuration] = await Promise.all([
      hearth(["fly"], env),
      hearth(["status", "--loud"], env),
      cli(["pair"], env),
      cli(["permissions", "allow"], env),
      cli(["permissions", "grant", "shell", "run", "--expires", "soon"], env),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "fly"');
    expect(unknown.stderr).toContain("hearth --help");
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain("hearth status --help");
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toContain("--server is required");
    expect(badSub.code).toBe(2);
    expect(badDuration.code).toBe(2);
    expect(badDuration.stderr).toContain("hearth permissions grant --help");
  });

  it("says plainly that it is not paired yet, and how to fix it", async () => {
    const { env } = await isolated();
    const [status, start] = await Promise.all([hearth(["status"], env), cli(["start"], env)]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/not paired/i);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain("Not paired yet — run `npx hearth pair --server");
    expect(status.stdout).toContain("Run `npx hearth pair --server https://…` to connect this computer.");
    expect(status.stdout).toContain("Start it with `npx hearth start`.");
  });

  it("pairs against the server's device flow and stores the credentials with mode 0600", async () => {
    const { env, hearthHome } = await isolated();
    const server = await fakePairingServer(["authorization_pending", "authorization_pending", "approve"]);
    servers.push(server);
    const pair = await hearth(["pair", "--server", server.url, "--name", "Test laptop"], env);
    expect(pair.stderr).toBe("");
    expect(pair.code).toBe(0);
    expect(pair.stdout).toContain("ABCD-EFGH");
    expect(pair.stdout).toContain(`${server.url}/pair?code=ABCD-EFGH`);
    expect(pair.stdout).toContain("Paired with me@example.com. Now run `npx hearth start` to connect this computer");
    expect(server.devices[0]).toMatchObject({ name: "Test laptop", agent_version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    const file = join(hearthHome, "credentials.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored: unknown = JSON.parse(await readFile(file, "utf8"));
    expect(stored).toMatchObject({ server: server.url, device_id: "device-42", token: "the-agent-token", user_email: "me@example.com" });
    const status = await cli(["status"], env);
    expect(status.stdout).toContain("yes, with me@example.com");
    expect(status.stdout).toContain("device-42");
    expect(status.stdout).not.toContain("the-agent-token");
  });

  it("takes the install key from HEARTH_INSTALL_KEY (as the install scripts pass it), and --install-key too", async () => {
    const { env } = await isolated();
    const server = await fakePairingServer(["approve"]);
    servers.push(server);
    const viaEnv = await cli(["pair", "--server", server.url], { ...env, HEARTH_INSTALL_KEY: "k3y-0123456789abcdefghijklmnopqr" });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    const viaFlag = await cli(["pair", "--server", server.url, "--install-key", "k3y-0123456789abcdefghijklmnop-2"], env);
    expect(viaFlag.code, viaFlag.stderr).toBe(0);
    // Not a key at all (as a hand-edited line could carry): said in one line, and a plain pairing.
    const malformed = await cli(["pair", "--server", server.url], { ...env, HEARTH_INSTALL_KEY: "not a key" });
    expect(malformed.code, malformed.stderr).toBe(0);
    expect(malformed.stdout).toContain("The install key given is not one");
    expect(server.installKeys).toEqual(["k3y-0123456789abcdefghijklmnopqr", "k3y-0123456789abcdefghijklmnop-2", undefined]);
  });

  it("pairs again over a damaged credentials.json, replacing it", async () => {
    const { env, hearthHome } = await isolated();
    await mkdir(hearthHome, { recursive: true });
    await writeFile(join(hearthHome, "credentials.json"), "{ half a file");
    const server = await fakePairingServer(["approve"]);
    servers.push(server);
    const pair = await cli(["pair", "--server", server.url], env);
    expect(pair.code, pair.stderr).toBe(0);
    expect(pair.stdout).toContain("credentials.json is damaged; pairing again replaces it.");
    expect(JSON.parse(await readFile(join(hearthHome, "credentials.json"), "utf8"))).toMatchObject({ device_id: "device-42" });
  });

  it("stops pairing with a clear message when the code expires", async () => {
    const { env } = await isolated();
    const server = await fakePairingServer(["authorization_pending", "expired_token"]);
    servers.push(server);
    const pair = await cli(["pair", "--server", server.url], env);
    expect(pair.code).toBe(1);
    expect(pair.stderr).toContain("expired before it was approved. To get a new one, run `npx hearth pair` again.");
  });

  it("gives hints the user can type: `hearth` when that is on PATH, else `npx hearth`", async () => {
    const { env, home } = await isolated();
    // `npm link` (or a global install) puts a `hearth` link to the agent's bin on PATH.
    const bin = join(home, "bin");
    await mkdir(bin);
    await symlink(fileURLToPath(new URL("../bin/hearth.mjs", import.meta.url)), join(bin, "hearth"));
    const linked = await hearth(["status"], { ...env, npm_command: "", PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` });
    expect(linked.stdout).toContain("Run `hearth pair --server https://…`");
    expect(linked.stdout).toContain("Start it with `hearth start`.");
    // Started some other way with no `hearth` on PATH: the README's way from the repo.
    const plain = await hearth(["status"], { ...env, npm_command: "", PATH: process.env.PATH ?? "" });
    expect(plain.stdout).toContain("Start it with `npx hearth start`.");
    expect((await hearth(["fly"], { ...env, npm_command: "", PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` })).stderr).toContain('Run "hearth --help"');
  });

  it("grants, lists and revokes local permission rules", async () => {
    const { env } = await isolated();
    const grant = await cli(["permissions", "grant", "filesystem", "write", "--scope", "~/Documents/**", "--expires", "1h"], env);
    expect(grant.code).toBe(0);
    const id = /rule (p_[0-9a-f]+)/.exec(grant.stdout)?.[1] ?? "";
    expect(id).not.toBe("");
    const list = await cli(["permissions", "list"], env);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+allow\\s+filesystem\\s+write\\s+~/Documents/\\*\\*\\s+in 60 min`));
    expect(list.stdout).toMatch(/default-shell\s+deny\s+shell/);
    const [unknownTarget, builtIn] = await Promise.all([cli(["permissions", "deny", "teleport", "go"], env), cli(["permissions", "revoke", "default-shell"], env)]);
    expect(unknownTarget.code).toBe(2);
    expect(builtIn.code).toBe(1);
    expect(builtIn.stderr).toContain("built in");
    expect((await cli(["permissions", "revoke", id], env)).stdout).toContain(`Removed rule ${id}`);
    expect((await cli(["permissions", "list"], env)).stdout).not.toContain(id);
  });

  it("names the field at fault in a bad config.json", async () => {
    const { env, hearthHome } = await isolated();
    const { mkdir } = await import("node:fs/promises");
    await mkdir(hearthHome, { recursive: true });
    await writeFile(join(hearthHome, "config.json"), JSON.stringify({ shell: { allow: "git", timout_ms: 5 } }));
    const status = await cli(["status"], env);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain("shell.allow");
    expect(status.stderr).toContain("timout_ms");
  });
});
