import { existsSync } from "node:fs";
import { mkdir, readFile, rename, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentFrame, Json } from "#protocol";
import { hearth } from "../../test/hearth-process.ts";
import { localClient, runningAgent } from "../../test/running-agent.ts";
import { tempDir } from "../../test/temp.ts";
import { probeOsSandbox } from "./os-sandbox.ts";
import { Sandbox } from "./sandbox.ts";
import { createShellConnector } from "./shell.ts";
import { isPattern, parseCommandPattern } from "./shell-patterns.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A real `hearth start` whose shell allows `allow`, granted locally, with a secret and a marker place outside its folder. */
async function agentWithShell(allow: string[]) {
  const agent = await runningAgent({ config: { shell: { allow } } });
  for (const program of new Set(allow.map((entry) => entry.split(" ")[0] ?? ""))) {
    expect((await hearth(["permissions", "grant", "shell", "run", "--scope", program], agent.env)).code).toBe(0);
  }
  const secret = join(agent.home, "secret.txt");
  await writeFile(secret, "the-secret-outside-the-roots\n");
  const client = await localClient(agent.port);
  client.send({ v: 1, type: "local_auth", id: "auth", token: agent.token });
  await client.next();
  let n = 0;
  /** Runs a command through the local endpoint and returns its outcome. */
  const local = async (program: string, args: string[]) => {
    const id = `c${++n}`;
    client.send({ v: 1, type: "command", id, target: "shell", action: "run", parameters: { program, args } });
    return client.next(20_000);
  };
  /** Runs a command as the server sends it (the API, chat `/run`), approved there, and returns its result frame. */
  const fromServer = async (program: string, args: Json[]) => {
    const id = `s${++n}`;
    agent.relay.send(agent.relay.command(id, n, "shell", "run", { program, args }));
    return agent.relay.waitFor((frame: AgentFrame) => frame.type === "result" && frame.command_id === id, 20_000);
  };
  return { ...agent, secret, local, fromServer };
}

/** The probe's attacks, each with what it would leave behind if it ran. */
function attacks(home: string, secret: string) {
  const marker = (name: string) => join(home, name);
  return [
    { program: "git", args: ["-c", `alias.x=!touch ${marker("pwned-alias")}`, "x"], leaves: marker("pwned-alias") },
    { program: "git", args: ["ls-remote", `--upload-pack=touch ${marker("pwned-upload-pack")}`, "."], leaves: marker("pwned-upload-pack") },
    { program: "git", args: ["diff", "--no-index", secret, "/dev/null"], leaves: null },
    { program: "ls", args: ["/etc"], leaves: null },
    { program: "ls", args: [home], leaves: null },
  ];
}

describe.runIf(probeOsSandbox().ok)("the shell through a real agent", { timeout: 90_000 }, () => {
  for (const allow of [
    ["git", "ls"], // the README's old example
    ["git *", "ls *"], // the widest patterns there are
  ]) {
    it(`refuses the probe's attacks from the local endpoint and the server, with shell.allow ${JSON.stringify(allow)}`, async () => {
      const agent = await agentWithShell(allow);
      for (const attack of attacks(agent.home, agent.secret)) {
        const label = `${attack.program} ${attack.args.join(" ")}`;
        const local = await agent.local(attack.program, attack.args);
        expect(local, label).toMatchObject({ type: "result", outcome: { status: "failed", error: { code: expect.stringMatching(/^(denied_locally|outside_roots)$/) } } });
        expect(JSON.stringify(local), label).not.toContain("the-secret");
        const remote = await agent.fromServer(attack.program, attack.args);
        expect(remote, label).toMatchObject({ outcome: { status: "failed" } });
        expect(JSON.stringify(remote), label).not.toContain("the-secret");
        if (attack.leaves) expect(existsSync(attack.leaves), label).toBe(false);
      }
      const etc = await agent.local("ls", ["/etc"]);
      expect(etc).toMatchObject({ outcome: { error: { message: expect.stringContaining("outside the folders this agent may use") } } });
    });
  }

  it("runs what a pattern allows, and says what changed for a program named alone", async () => {
    const agent = await agentWithShell(["git", "ls -la *"]);
    expect(await agent.local("ls", ["-la"])).toMatchObject({ outcome: { status: "done", data: { exit_code: 0 } } });
    expect(await agent.local("git", ["status"])).toMatchObject({
      outcome: { status: "failed", error: { code: "denied_locally", message: expect.stringContaining('A program named alone ("git") allows only git with no arguments') } },
    });
    const status = await hearth(["status"], agent.env);
    expect(status.stdout).toContain("on for git, ls -la *, in a bubblewrap sandbox");
    expect(status.stdout).toContain('"git" alone now allows only git with no arguments');
  });
});

describe("the shell without an OS sandbox", () => {
  it("stays off, and hearth status says why and how to fix it", async () => {
    const home = await tempDir();
    const hearthHome = join(home, "hearth");
    await mkdir(hearthHome);
    await writeFile(join(hearthHome, "config.json"), JSON.stringify({ shell: { allow: ["git status"] } }));
    // A PATH with node's folder but no bubblewrap on it.
    const status = await hearth(["status"], { HEARTH_HOME: hearthHome, HOME: home, PATH: home });
    expect(status.stdout).toMatch(/Shell:\s+off — the shell needs bubblewrap .* not installed: install it \(Debian, Ubuntu: `sudo apt install bubblewrap`/);
  });
});

/** A connector whose commands run in the real bubblewrap, for proving what the OS sandbox holds when the checks are passed. */
async function confined(allow: string[], options: { network?: boolean; roots?: string[]; hidden?: string[] } = {}) {
  const home = await tempDir();
  const root = join(home, "Documents");
  await mkdir(join(root, "out"), { recursive: true });
  const outside = join(home, "outside");
  await mkdir(outside);
  await writeFile(join(outside, "secret.txt"), "the-secret-outside-the-roots\n");
  const patterns = allow.map(parseCommandPattern).filter(isPattern);
  const connector = createShellConnector(
    { patterns, timeoutMs: 10_000, maxOutputBytes: 65_536, configPath: "config.json", network: options.network ?? false, bwrap: "bwrap", hidden: options.hidden ?? [] },
    new Sandbox(options.roots ?? ["~/Documents"], home),
  );
  /** Checks the command as the agent does, then swaps `out` for a link out of the roots, then runs it: a race won. */
  const swapThenRun = async (program: string, args: string[]) => {
    const prepared = await connector.actions.run?.prepare({ program, args });
    if (!prepared?.ok) throw new Error(`refused: ${JSON.stringify(prepared)}`);
    await rename(join(root, "out"), join(root, "out-real"));
    await symlink(outside, join(root, "out"));
    return prepared.run();
  };
  return { home, root, outside, connector, swapThenRun };
}

describe.runIf(probeOsSandbox().ok)("the OS sandbox", () => {
  it("stops a write outside the roots even when a link is swapped in after the checks", async () => {
    const { outside, swapThenRun } = await confined(["touch *", "cp *"]);
    expect(await swapThenRun("touch", ["out/planted"])).toMatchObject({ exit_code: 1 });
    expect(existsSync(join(outside, "planted"))).toBe(false);
  });

  it("stops a read outside the roots the same way", async () => {
    const { swapThenRun } = await confined(["cat *"]);
    const result = await swapThenRun("cat", ["out/secret.txt"]);
    expect(result).toMatchObject({ exit_code: 1 });
    expect(JSON.stringify(result)).not.toContain("the-secret");
  });

  it("hides the agent's settings folder even inside a root", async () => {
    const home = await tempDir();
    const settings = join(home, ".config", "hearth");
    await mkdir(settings, { recursive: true });
    await writeFile(join(settings, "credentials.json"), '{"token":"the-agent-token"}');
    const patterns = ["cat *"].map(parseCommandPattern).filter(isPattern);
    const connector = createShellConnector({ patterns, timeoutMs: 10_000, maxOutputBytes: 65_536, configPath: join(settings, "config.json"), network: false, bwrap: "bwrap", hidden: [settings] }, new Sandbox(["~"], home));
    const prepared = await connector.actions.run?.prepare({ program: "cat", args: [".config/hearth/credentials.json"] });
    if (!prepared?.ok) throw new Error("refused");
    const result = await prepared.run();
    expect(JSON.stringify(result)).not.toContain("the-agent-token");
    expect(await readFile(join(settings, "credentials.json"), "utf8")).toContain("the-agent-token");
  });

  it("has no network unless shell.network allows it", async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end("hello from the host");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const address = server.address();
    if (typeof address !== "object" || address === null) throw new Error("not listening");
    const url = `http://127.0.0.1:${address.port}/repo.git`;
    for (const network of [false, true]) {
      const { connector } = await confined(["git ls-remote *"], { network });
      const prepared = await connector.actions.run?.prepare({ program: "git", args: ["ls-remote", url] });
      if (!prepared?.ok) throw new Error("refused");
      const result = await prepared.run();
      if (!network) {
        expect(JSON.stringify(result)).toMatch(/Failed to connect|Couldn't connect|Connection refused/i);
        expect(requests).toBe(0);
      }
    }
    expect(requests).toBeGreaterThan(0); // the same command reaches the host once the network is allowed
  });
});
