import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "#protocol";
import type { AgentFrame } from "#protocol";
import { RUG_PULL } from "../../test/mcp-bridge.ts";
import { runningAgent } from "../../test/running-agent.ts";

type Connectors = Extract<AgentFrame, { type: "connectors" }>;
const isConnectors = (frame: AgentFrame): frame is Connectors => frame.type === "connectors";
const offersGreeter = (frame: AgentFrame): frame is Connectors => isConnectors(frame) && frame.connectors.some((c) => c.target === "greeter");

describe("the connectors frame", { timeout: 60_000 }, () => {
  it("is sent again when the relay could not store it, until it is acked, and then not again", async () => {
    const agent = await runningAgent();
    const { relay, paths, home } = agent;
    const state = join(home, "rug-pull.json");
    await writeFile(state, JSON.stringify({ description: "Greets." }));
    const config = JSON.parse(await readFile(paths.config, "utf8"));
    await writeFile(paths.config, JSON.stringify({ ...config, mcp_servers: { greeter: { command: process.execPath, args: [RUG_PULL, state] } } }));
    const first = await relay.waitFor(offersGreeter, 20_000);

    // The relay's answer when D1 fails: the device row keeps the old actions, so the agent must send the list again.
    relay.send({ v: PROTOCOL_VERSION, type: "error", id: "e1", code: "internal", message: "The relay could not store this agent's connectors just now; send them again.", ref: first.id });
    const again = await relay.waitFor((frame): frame is Connectors => offersGreeter(frame) && frame.id !== first.id, 10_000);
    expect(again.connectors).toEqual(first.connectors);
    expect(again.mcp_servers).toEqual(first.mcp_servers);
    expect(agent.agent.output().stdout).toContain("connectors.refused");

    // Acked: the relay has it, and nothing more is sent while nothing changes.
    relay.ack(again.id);
    const sent = relay.frames.filter(isConnectors).length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(relay.frames.filter(isConnectors).length).toBe(sent);
    expect(relay.frames.filter(isConnectors).at(-1)?.id).toBe(again.id);
  });
});
