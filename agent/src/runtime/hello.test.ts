import { describe, expect, it } from "vitest";
import type { AgentFrame } from "#protocol";
import { localClient, runningAgent } from "../../test/running-agent.ts";

const isHello = (frame: AgentFrame): frame is Extract<AgentFrame, { type: "hello" }> => frame.type === "hello";

describe("hello", { timeout: 60_000 }, () => {
  it("advertises the agent's folders and limits, and the agent refuses with the server's words", async () => {
    const { relay, root, home, port, token } = await runningAgent({ config: { apps: { editor: { command: "true" } } } });
    const hello = await relay.waitFor(isHello);
    expect(hello.limits).toMatchObject({ folders: { home, roots: [root], shown: ["~/Documents"] }, shell_programs: null, apps: ["editor"], off: { shell: expect.stringContaining("shell.allow") } });

    const client = await localClient(port);
    client.send({ v: 1, type: "local_auth", id: "a", token });
    await client.next();
    client.send({ v: 1, type: "command", id: "c", target: "filesystem", action: "read", parameters: { path: "~/.ssh/id_ed25519" } });
    expect(await client.next()).toMatchObject({
      type: "result",
      outcome: { status: "failed", error: { code: "outside_roots", message: "~/.ssh/id_ed25519 is outside the folders this agent may use (~/Documents). To allow it, add its folder to filesystem.roots in config.json." } },
    });
  });
});
