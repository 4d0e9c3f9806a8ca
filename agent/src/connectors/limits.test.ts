import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkAgentLimits } from "#protocol";
import type { Failure } from "#protocol";
import { AgentConfig } from "../home/config.ts";
import { tempDir } from "../../test/temp.ts";
import { createConnectors } from "./registry.ts";
import { Sandbox } from "./sandbox.ts";
import { ActionError } from "./types.ts";

// The server refuses paths with the limits the agent advertises (protocol's checkAgentLimits). That is only sound
// if it reads every path exactly as the agent's sandbox does: `~`, relative paths, `..`, `.`, repeated slashes.

async function setup() {
  const home = await tempDir();
  await mkdir(join(home, "Documents", "taxes"), { recursive: true });
  await mkdir(join(home, "elsewhere"));
  // A root reached through a link: its real form counts as inside too.
  await symlink(join(home, "elsewhere"), join(home, "Linked"));
  const config = { ...AgentConfig.parse({}), filesystem: { roots: ["~/Documents", "~/Linked", "~/Missing"], max_read_bytes: 1000 } };
  const set = createConnectors(config, { configPath: join(home, ".config", "hearth", "config.json"), agentVersion: "test", home });
  return { home, limits: await set.limits(), sandbox: new Sandbox(config.filesystem.roots, home) };
}

async function sandboxVerdict(sandbox: Sandbox, path: string): Promise<Failure | null> {
  try {
    await sandbox.resolve(path);
    return null;
  } catch (error) {
    if (error instanceof ActionError) return { code: error.code, message: error.message };
    throw error;
  }
}

describe("the advertised folders", () => {
  it("read every path as the agent's sandbox does (property)", async () => {
    const { home, limits, sandbox } = await setup();
    const segment = fc.constantFrom("..", ".", "", "Documents", "taxes", "Linked", "Missing", "elsewhere", "x", "~", "~x", "etc");
    const start = fc.constantFrom("", "/", "~/", "~", `${home}/`, "/tmp/", "./", "../");
    await fc.assert(
      fc.asyncProperty(start, fc.array(segment, { maxLength: 6 }), async (head, parts) => {
        const path = `${head}${parts.join("/")}` || ".";
        const server = checkAgentLimits({ target: "filesystem", action: "list", parameters: { path } }, limits);
        expect(server, path).toEqual(await sandboxVerdict(sandbox, path));
      }),
      { numRuns: 400 },
    );
  });

  it("advertise the shell allowlist and the apps, refused in the agent's words", async () => {
    const home = await tempDir();
    const config = { ...AgentConfig.parse({ shell: { allow: ["git"] }, apps: { editor: { command: "true" } } }), filesystem: { roots: ["~"], max_read_bytes: 1000 } };
    const limits = await createConnectors(config, { configPath: "/c.json", agentVersion: "test", home }).limits();
    expect(checkAgentLimits({ target: "shell", action: "run", parameters: { program: "rm" } }, limits)).toEqual({
      code: "denied_locally",
      message: "rm is not in this computer's shell allowlist (git). Add it to shell.allow in /c.json to allow it.",
    });
    expect(checkAgentLimits({ target: "shell", action: "run", parameters: { program: "git", cwd: "/etc" } }, limits)?.code).toBe("outside_roots");
    expect(checkAgentLimits({ target: "shell", action: "run", parameters: { program: "git" } }, limits)).toBeNull();
    expect(checkAgentLimits({ target: "apps", action: "launch", parameters: { name: "editor" } }, limits)).toBeNull();
    expect(checkAgentLimits({ target: "apps", action: "launch", parameters: { name: "game" } }, limits)?.message).toContain('No application is called "game". Known: editor.');
  });
});
