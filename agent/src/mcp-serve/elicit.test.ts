import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "#protocol";
import type { AgentFrame } from "#protocol";
import { runningAgent } from "../../test/running-agent.ts";
import { canElicitForm, wantsCancel } from "./elicit.ts";

const BIN = fileURLToPath(new URL("../../bin/hearth.mjs", import.meta.url));
const isAsk = (frame: AgentFrame): frame is Extract<AgentFrame, { type: "permission_request" }> => frame.type === "permission_request";
const isAudit = (frame: AgentFrame): frame is Extract<AgentFrame, { type: "audit" }> => frame.type === "audit";

const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

/** What the test's user does with the form: cancel the call, keep it waiting, or leave the form open. */
type Choice = "cancel" | "keep" | "leave open";

/** The SDK's own client, declaring elicitation, spawning the real `hearth mcp serve`; `forms` records each form it was shown. */
async function elicitingClient(env: Record<string, string>, choose: () => Choice) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, "mcp", "serve"], env, stderr: "pipe" });
  const client = new Client({ name: "eliciting-client", version: "1.0.0" }, { capabilities: { elicitation: { form: {} } } });
  const forms: { message: string; fields: string[]; withdrawn: boolean }[] = [];
  client.setRequestHandler(ElicitRequestSchema, async (request, extra): Promise<ElicitResult> => {
    const schema = "requestedSchema" in request.params ? request.params.requestedSchema : undefined;
    const form = { message: request.params.message, fields: Object.keys(schema?.properties ?? {}), withdrawn: false };
    forms.push(form);
    const choice = choose();
    if (choice === "cancel") return { action: "accept", content: { cancel: true } };
    if (choice === "keep") return { action: "accept", content: { cancel: false } };
    await new Promise((resolve) => extra.signal.addEventListener("abort", resolve, { once: true }));
    form.withdrawn = true;
    return { action: "cancel" };
  });
  await client.connect(transport);
  clients.push(client);
  return { client, forms };
}

/** The text of a tool result's first block. */
function textOf(result: Awaited<ReturnType<Client["callTool"]>>): string {
  const first = Array.isArray(result.content) ? result.content[0] : undefined;
  return typeof first === "object" && first !== null && "text" in first && typeof first.text === "string" ? first.text : "";
}

describe("hearth mcp serve: elicitation while a call waits for approval in Hearth", () => {
  it("lets the client's user cancel a waiting call for real, keep it waiting, or leave the form open until Hearth answers", { timeout: 60_000 }, async () => {
    const { relay, agent, env, root, paths } = await runningAgent();
    let choice: Choice = "cancel";
    const { client, forms } = await elicitingClient(env, () => choice);

    // Cancelled in the client: the call ends at once, and the approval that comes later in Hearth runs nothing.
    const cancelled = await client.callTool({ name: "filesystem__write", arguments: { path: join(root, "cancelled.txt"), content: "no" } });
    expect(cancelled.isError).toBe(true);
    expect(textOf(cancelled)).toBe("Cancelled here; nothing ran.");
    expect(forms[0]?.message).toMatch(/^filesystem\.write on .*cancelled\.txt waits for your approval in Hearth\. Approval happens only there; you can cancel the call here\.$/);
    expect(forms[0]?.fields).toEqual(["cancel"]);
    const first = await relay.waitFor(isAsk, 20_000);
    relay.send({ v: PROTOCOL_VERSION, type: "permission_update", id: "u-1", ref: first.id, decision: "allow_once" });
    await relay.until(() => agent.output().stdout.includes("permission.stale"), 10_000);
    expect(existsSync(join(root, "cancelled.txt"))).toBe(false);

    // "Keep waiting" in the client, then allowed in Hearth: it runs.
    choice = "keep";
    const kept = client.callTool({ name: "filesystem__write", arguments: { path: join(root, "kept.txt"), content: "yes" } });
    await relay.until(() => relay.frames.filter(isAsk).length === 2 && forms.length === 2, 20_000);
    relay.send({ v: PROTOCOL_VERSION, type: "permission_update", id: "u-2", ref: relay.frames.filter(isAsk)[1]?.id ?? "", decision: "allow_once" });
    expect((await kept).isError).toBeFalsy();
    expect(await readFile(join(root, "kept.txt"), "utf8")).toBe("yes");

    // The form still open when Hearth answers: the call ends with that answer, and the form is withdrawn.
    choice = "leave open";
    const open = client.callTool({ name: "filesystem__write", arguments: { path: join(root, "open.txt"), content: "ok" } });
    await relay.until(() => relay.frames.filter(isAsk).length === 3 && forms.length === 3, 20_000);
    relay.send({ v: PROTOCOL_VERSION, type: "permission_update", id: "u-3", ref: relay.frames.filter(isAsk)[2]?.id ?? "", decision: "allow_once" });
    expect((await open).isError).toBeFalsy();
    expect(await readFile(join(root, "open.txt"), "utf8")).toBe("ok");
    await relay.until(() => forms[2]?.withdrawn === true, 10_000);

    // The client itself gives up on the call (MCP's own cancel) while it waits: the agent takes the question back too.
    const giveUp = new AbortController();
    const abandoned = client.callTool({ name: "filesystem__write", arguments: { path: join(root, "abandoned.txt"), content: "no" } }, undefined, { signal: giveUp.signal });
    await relay.until(() => relay.frames.filter(isAsk).length === 4 && forms.length === 4, 20_000);
    giveUp.abort();
    await expect(abandoned).rejects.toThrow();
    // The client stops waiting at once; the agent hears of it a moment later, and its audit line says when it has.
    const audited = () => relay.frames.filter(isAudit).flatMap((frame) => frame.entries);
    await relay.until(() => audited().length >= 4, 10_000);
    const staleBefore = agent.output().stdout.split("permission.stale").length;
    relay.send({ v: PROTOCOL_VERSION, type: "permission_update", id: "u-4", ref: relay.frames.filter(isAsk)[3]?.id ?? "", decision: "allow_once" });
    await relay.until(() => agent.output().stdout.split("permission.stale").length > staleBefore, 10_000);
    expect(existsSync(join(root, "abandoned.txt"))).toBe(false);

    // Both audit logs: the cancelled calls as such, the others as approved.
    await relay.until(() => relay.frames.filter(isAudit).flatMap((frame) => frame.entries).length >= 4, 10_000);
    const entries = relay.frames.filter(isAudit).flatMap((frame) => frame.entries);
    expect(entries.map((entry) => [entry.client, entry.action, entry.decision, entry.outcome])).toEqual([
      ["eliciting-client (MCP)", "write", "ask:cancelled", "failed:permission_denied"],
      ["eliciting-client (MCP)", "write", "ask:allow_once", "done"],
      ["eliciting-client (MCP)", "write", "ask:allow_once", "done"],
      ["eliciting-client (MCP)", "write", "ask:cancelled", "failed:permission_denied"],
    ]);
    const lines = (await readFile(paths.audit, "utf8")).trim().split("\n").map((line) => JSON.parse(line));
    expect(lines.map((line) => line.decision)).toEqual(["ask:cancelled", "ask:allow_once", "ask:allow_once", "ask:cancelled"]);
  });
});

describe("the cancel form", () => {
  it("is offered to clients that declared form elicitation (an empty capability means form), not to others", () => {
    expect(canElicitForm({ elicitation: {} })).toBe(true);
    expect(canElicitForm({ elicitation: { form: {} } })).toBe(true);
    expect(canElicitForm({ elicitation: { form: {}, url: {} } })).toBe(true);
    expect(canElicitForm({ elicitation: { url: {} } })).toBe(false);
    expect(canElicitForm({})).toBe(false);
    expect(canElicitForm(undefined)).toBe(false);
  });

  it("cancels on decline, on dismissal and on accept unless the user chose to keep waiting", () => {
    expect(wantsCancel({ action: "decline" })).toBe(true);
    expect(wantsCancel({ action: "cancel" })).toBe(true);
    expect(wantsCancel({ action: "accept", content: { cancel: true } })).toBe(true);
    expect(wantsCancel({ action: "accept" })).toBe(true);
    expect(wantsCancel({ action: "accept", content: { cancel: false } })).toBe(false);
  });
});
