import { describe, expect, it } from "vitest";
import type { AgentFrame } from "#protocol";
import { hearth } from "../../test/hearth-process.ts";
import { localClient, runningAgent } from "../../test/running-agent.ts";

const isActivity = (frame: AgentFrame): frame is Extract<AgentFrame, { type: "activity" }> => frame.type === "activity";

describe("activity the server refuses", { timeout: 60_000 }, () => {
  it("is kept on the computer with its reason, and `hearth status` shows it", async () => {
    const { relay, port, token, env } = await runningAgent();
    relay.autoAck = false;
    const client = await localClient(port);
    client.send({ v: 1, type: "local_auth", id: "a", token });
    expect(await client.next()).toMatchObject({ type: "local_welcome" });
    const event = { event_id: "drift-1", activity_type: "financial", timestamp: "2026-11-25T10:00:00Z", application: "bank", details: { amount: -12.5, currency: "EUR" } };
    client.send({ v: 1, type: "activity", id: "act", events: [event] });
    expect(await client.next()).toMatchObject({ type: "ack", ref: "act" });
    const frame = await relay.waitFor(isActivity, 10_000);

    // A newer server refuses what this agent's check let through (a schema drift): the ack says which and why.
    relay.ack(frame.id, [{ index: 0, reason: "details.currency: EUR is not accepted by this server" }]);
    // Wait on the condition: `hearth status` (a separate process, as the user runs it) lists the event.
    let status = "";
    for (let tries = 0; tries < 50 && !status.includes("drift-1"); tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      status = (await hearth(["status"], env)).stdout;
    }
    expect(status).toContain("Refused activity:");
    expect(status).toMatch(/drift-1: the server refused it — details\.currency: EUR is not accepted by this server/);
  });
});
