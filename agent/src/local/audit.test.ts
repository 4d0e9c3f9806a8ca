import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AgentFrame } from "#protocol";
import { readStatus } from "../home/status-file.ts";
import { localClient, runningAgent } from "../../test/running-agent.ts";

type AuditFrame = Extract<AgentFrame, { type: "audit" }>;
const isAudit = (frame: AgentFrame): frame is AuditFrame => frame.type === "audit";

describe("commands from the local endpoint", () => {
  it("reach the server's audit log with the client's name, and stay queued until the server acks them", async () => {
    const { relay, port, token, root, paths } = await runningAgent();
    await writeFile(join(root, "notes.txt"), "hello");
    relay.autoAck = false;

    const client = await localClient(port);
    client.send({ v: 1, type: "local_auth", id: "a", token, client: "my-script" });
    expect(await client.next()).toMatchObject({ type: "local_welcome" });
    client.send({ v: 1, type: "command", id: "c1", target: "filesystem", action: "list", parameters: { path: root } });
    expect(await client.next()).toMatchObject({ type: "result", ref: "c1", outcome: { status: "done" } });
    client.send({ v: 1, type: "command", id: "c2", target: "filesystem", action: "read", parameters: { path: "/etc/passwd" } });
    expect(await client.next()).toMatchObject({ type: "result", ref: "c2", outcome: { status: "failed", error: { code: "outside_roots" } } });

    await relay.until(() => relay.frames.filter(isAudit).length === 2, 10_000);
    const [listed, refused] = relay.frames.filter(isAudit).map((frame) => frame.entries);
    expect(listed).toEqual([{ entry_id: expect.stringMatching(/^local-/), at: expect.any(Number), client: "my-script", target: "filesystem", action: "list", scope: "~/Documents", decision: "allow", outcome: "done" }]);
    expect(refused).toEqual([expect.objectContaining({ client: "my-script", target: "filesystem", action: "read", outcome: "failed:outside_roots" })]);

    // The agent's own audit.jsonl names the client too.
    const lines = (await readFile(paths.audit, "utf8")).trim().split("\n").map((line) => JSON.parse(line));
    expect(lines).toEqual(expect.arrayContaining([expect.objectContaining({ source: "local", client: "my-script", target: "filesystem", action: "list", outcome: "done" })]));

    // Not acked yet: both wait in the durable outbox; the server's ack lets them go.
    await relay.until(() => readStatus(paths.status)?.outbox === 2, 5_000);
    for (const frame of relay.frames.filter(isAudit)) relay.ack(frame.id);
    await relay.until(() => readStatus(paths.status)?.outbox === 0, 5_000);
  });

  it("name an unnamed client \"local client\" on the server", async () => {
    const { relay, port, token, root } = await runningAgent();
    const client = await localClient(port);
    client.send({ v: 1, type: "local_auth", id: "a", token });
    await client.next();
    client.send({ v: 1, type: "command", id: "c1", target: "filesystem", action: "list", parameters: { path: root } });
    await client.next();
    const frame = await relay.waitFor(isAudit, 10_000);
    expect(frame.entries[0]).toMatchObject({ client: "local client", target: "filesystem", action: "list", outcome: "done" });
  });
});
