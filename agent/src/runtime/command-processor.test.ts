import { existsSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AgentFrame, PROTOCOL_VERSION, toAgent } from "#protocol";
import type { Json } from "#protocol";
import { testExecutor } from "../../test/executor.ts";
import type { InboundCommand } from "../link/frames.ts";
import { silentLogger } from "../log.ts";
import { CommandStore, INTERRUPTED_MESSAGE } from "../store/commands.ts";
import { openStateDb } from "../store/db.ts";
import { Outbox } from "../store/outbox.ts";
import { RefusedActivity } from "../store/refused-activity.ts";
import { CommandProcessor } from "./command-processor.ts";

/** Collects what the processor sends, parsed with the protocol's schema, as the relay would read it. */
class RecordingChannel {
  open = true;
  reconnects = 0;
  reconnect = () => {
    this.reconnects += 1;
  };
  readonly frames: AgentFrame[] = [];
  ready = () => this.open;
  sendText = (text: string) => {
    if (!this.open) return false;
    this.frames.push(AgentFrame.parse(JSON.parse(text)));
    return true;
  };
  results() {
    return this.frames.flatMap((frame) => (frame.type === "result" ? [frame] : []));
  }
  acks() {
    return this.frames.flatMap((frame) => (frame.type === "ack" ? [frame.ref] : []));
  }
}

function command(id: string, seq: number, action: string, parameters: Record<string, Json>, readOnly: boolean, deadlineAt = Date.now() + 60_000): InboundCommand {
  return { v: PROTOCOL_VERSION, type: "command", id, seq, command: { target: "filesystem", action, parameters }, read_only: readOnly, deadline_at: deadlineAt, approval: { permission_id: null, kind: "once", expires_at: null } };
}

/** One "process": a processor over the state.db in `home`. Opening it runs crash recovery, as startAgent does. */
async function boot(fixture: Awaited<ReturnType<typeof testExecutor>>) {
  const db = openStateDb(join(fixture.home, "state.db"));
  const outbox = new Outbox(db);
  const store = new CommandStore(db, outbox);
  const recovery = store.recover();
  const channel = new RecordingChannel();
  const processor = new CommandProcessor({ db, store, outbox, refused: new RefusedActivity(db), executor: fixture.executor, channel, log: silentLogger });
  return { db, outbox, store, recovery, channel, processor };
}

const appendOnce = (id: string, seq: number) => command(id, seq, "write", { path: "Documents/effects.log", content: `${id}\n`, mode: "append" }, false);

describe("the durable command path", () => {
  it("stores a command before acking it, stores the result before sending it, and keeps it until the relay acks", async () => {
    const fixture = await testExecutor();
    const agent = await boot(fixture);
    agent.processor.onCommand(appendOnce("c1", 1));
    expect(agent.channel.acks()).toEqual(["c1"]);
    expect(agent.store.get("c1")?.status).toMatch(/received|running/);
    await agent.processor.idle();
    const [result] = agent.channel.results();
    expect(result).toMatchObject({ command_id: "c1", outcome: { status: "done" } });
    expect(agent.store.get("c1")).toMatchObject({ status: "done", result: { id: result?.id } });
    expect(agent.outbox.size()).toBe(1);
    agent.processor.onAck(result?.id ?? "");
    expect(agent.outbox.size()).toBe(0);
  });

  it("answers a repeat of a finished command from the store, without running it again", async () => {
    const fixture = await testExecutor();
    const agent = await boot(fixture);
    agent.processor.onCommand(appendOnce("c1", 1));
    await agent.processor.idle();
    const first = agent.channel.results()[0];
    agent.processor.onAck(first?.id ?? "");
    agent.processor.onCommand(appendOnce("c1", 1));
    await agent.processor.idle();
    expect(await readFile(join(fixture.root, "effects.log"), "utf8")).toBe("c1\n");
    expect(agent.channel.acks()).toEqual(["c1", "c1"]);
    expect(agent.channel.results()).toEqual([first, first]);
  });

  it("acks a repeat of a command that is still running here, and runs it once", async () => {
    const fixture = await testExecutor();
    const agent = await boot(fixture);
    agent.processor.onCommand(appendOnce("c1", 1));
    agent.processor.onCommand(appendOnce("c1", 1));
    await agent.processor.idle();
    expect(agent.channel.acks()).toEqual(["c1", "c1"]);
    expect(agent.channel.results()).toHaveLength(1);
    expect(await readFile(join(fixture.root, "effects.log"), "utf8")).toBe("c1\n");
  });

  it("after a crash, reports a write that was running as interrupted and never runs it again", async () => {
    const fixture = await testExecutor();
    const crashed = await boot(fixture);
    // The process dies between marking the command running and finishing it.
    crashed.store.receive(appendOnce("c1", 1));
    crashed.store.markRunning("c1");
    crashed.db.close();

    const restarted = await boot(fixture);
    expect(restarted.recovery).toEqual({ interrupted: ["c1"], reset: [] });
    expect(restarted.outbox.size()).toBe(1);
    restarted.processor.onWelcome();
    // The relay redelivers it after welcome, as it does for everything without a result.
    restarted.processor.onCommand(appendOnce("c1", 1));
    await restarted.processor.idle();
    const results = restarted.channel.results();
    expect(results).toHaveLength(1);
    expect(results[0]?.outcome).toEqual({ status: "failed", error: { code: "interrupted", message: INTERRUPTED_MESSAGE } });
    expect(existsSync(join(fixture.root, "effects.log"))).toBe(false);

    // Even a third process, after the relay acked the result, answers from the store.
    restarted.processor.onAck(results[0]?.id ?? "");
    restarted.db.close();
    const third = await boot(fixture);
    third.processor.onCommand(appendOnce("c1", 1));
    await third.processor.idle();
    expect(third.channel.results()[0]?.outcome).toMatchObject({ status: "failed", error: { code: "interrupted" } });
    expect(existsSync(join(fixture.root, "effects.log"))).toBe(false);
  });

  it("after a crash, runs a read-only command that was running again when it is redelivered", async () => {
    const fixture = await testExecutor();
    const crashed = await boot(fixture);
    const read = command("r1", 1, "list", { path: "Documents" }, true);
    crashed.store.receive(read);
    crashed.store.markRunning("r1");
    crashed.db.close();

    const restarted = await boot(fixture);
    expect(restarted.recovery).toEqual({ interrupted: [], reset: ["r1"] });
    expect(restarted.outbox.size()).toBe(0);
    restarted.processor.onCommand(read);
    await restarted.processor.idle();
    expect(restarted.channel.results()[0]).toMatchObject({ command_id: "r1", outcome: { status: "done", data: { path: "~/Documents" } } });
  });

  it("runs a command that was stored but never started before a crash", async () => {
    const fixture = await testExecutor();
    const crashed = await boot(fixture);
    crashed.store.receive(appendOnce("c1", 1));
    crashed.db.close();
    const restarted = await boot(fixture);
    restarted.processor.onCommand(appendOnce("c1", 1));
    await restarted.processor.idle();
    expect(restarted.channel.results()[0]?.outcome.status).toBe("done");
    expect(await readFile(join(fixture.root, "effects.log"), "utf8")).toBe("c1\n");
  });

  it("reports a result too large for one frame as a failure that says how to ask for less", async () => {
    const fixture = await testExecutor();
    // Quotes double in JSON, so half a MiB of them cannot travel in a 1 MiB frame.
    await writeFile(join(fixture.root, "quotes.txt"), '"'.repeat(512 * 1024));
    const agent = await boot(fixture);
    agent.processor.onCommand(command("big", 1, "read", { path: "Documents/quotes.txt" }, true));
    await agent.processor.idle();
    expect(agent.channel.results()[0]?.outcome).toMatchObject({ status: "failed", error: { code: "payload_too_large", message: expect.stringContaining("max_bytes") } });
  });

  it("does not start a command whose deadline has passed", async () => {
    const fixture = await testExecutor();
    const agent = await boot(fixture);
    agent.processor.onCommand(command("late", 1, "write", { path: "Documents/late.txt", content: "x" }, false, Date.now() - 1));
    await agent.processor.idle();
    expect(agent.channel.results()[0]?.outcome).toMatchObject({ status: "failed", error: { code: "expired" } });
    expect(existsSync(join(fixture.root, "late.txt"))).toBe(false);
  });

  it("keeps results made while offline and sends them, oldest first, after the next welcome", async () => {
    const fixture = await testExecutor();
    const agent = await boot(fixture);
    agent.channel.open = false;
    agent.processor.onCommand(command("a", 1, "stat", { path: "Documents" }, true));
    agent.processor.onCommand(command("b", 2, "stat", { path: "Documents" }, true));
    await agent.processor.idle();
    expect(agent.channel.frames).toEqual([]);
    expect(agent.outbox.size()).toBe(2);
    agent.channel.open = true;
    agent.processor.onWelcome();
    expect(agent.channel.results().map((r) => r.command_id)).toEqual(agent.outbox.list().map((e) => AgentFrame.parse(JSON.parse(e.text))).map((f) => (f.type === "result" ? f.command_id : "")));
  });

  it("acks no later commands frame after one failed to store, and reconnects so the relay sends them all again", async () => {
    const fixture = await testExecutor();
    const agent = await boot(fixture);
    agent.processor.onWelcome(true);
    const batch = (...frames: InboundCommand[]) => toAgent("commands", `f-${frames[0]?.id ?? ""}`, { commands: frames.map(({ v: _v, type: _t, ...body }) => body) });
    const stat = (id: string, seq: number) => command(id, seq, "stat", { path: "Documents" }, true);
    // Another process holds the write lock (`hearth permissions` writing, say): storing the first frame fails.
    agent.db.exec("PRAGMA busy_timeout = 0");
    const other = new DatabaseSync(join(fixture.home, "state.db"));
    other.exec("BEGIN IMMEDIATE");
    agent.processor.onCommands(batch(stat("a", 1), stat("b", 2)));
    other.exec("ROLLBACK");
    other.close();
    agent.processor.onCommands(batch(stat("c", 3)));
    // An `acks` through 3 would tell the relay that 1 and 2 are stored: none goes out, and the link starts again.
    expect(agent.channel.frames.filter((f) => f.type === "acks")).toEqual([]);
    expect(agent.channel.reconnects).toBe(1);
    expect(agent.store.get("a")).toBeNull();

    // After the new welcome the relay sends everything owed, and the acks cover what is now stored.
    agent.processor.onWelcome(true);
    agent.processor.onCommands(batch(stat("a", 1), stat("b", 2), stat("c", 3)));
    expect(agent.channel.frames.filter((f) => f.type === "acks").map((f) => (f.type === "acks" ? f.through_seq : 0))).toEqual([3]);
    await agent.processor.idle();
  });

  it("names the command, not the outbox frame, when the relay refuses a result of a results frame", async () => {
    const fixture = await testExecutor();
    const agent = await boot(fixture);
    const warnings: { message: string; fields: Record<string, unknown> | undefined }[] = [];
    const log = { ...silentLogger, warn: (_event: string, message: string, fields?: Record<string, unknown>) => warnings.push({ message, fields }) };
    const processor = new CommandProcessor({ db: agent.db, store: agent.store, outbox: agent.outbox, refused: new RefusedActivity(agent.db), executor: fixture.executor, channel: agent.channel, log });
    processor.onWelcome(true);
    const stat = (id: string, seq: number) => command(id, seq, "stat", { path: "Documents" }, true);
    processor.onCommands(toAgent("commands", "f1", { commands: [stat("x1", 1), stat("x2", 2)].map(({ v: _v, type: _t, ...body }) => body) }));
    await processor.idle();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const sent = agent.channel.frames.find((f) => f.type === "results");
    if (sent?.type !== "results") throw new Error("no results frame was sent");
    const refusedIndex = sent.results.findIndex((r) => r.command_id === "x2");
    processor.onAck(sent.id, [{ index: refusedIndex, reason: "no such command" }]);
    expect(warnings).toEqual([{ message: expect.stringContaining("command x2: no such command"), fields: { command_id: "x2" } }]);
    expect(agent.outbox.size()).toBe(0);
  });

  it("never drops activity quietly: what the server refuses, and what it would refuse, is kept with its reason", async () => {
    const fixture = await testExecutor();
    const agent = await boot(fixture);
    const refused = new RefusedActivity(agent.db);
    const good = { event_id: "e-1", activity_type: "job", timestamp: "2026-11-25T10:00:00Z", application: "linkedin", details: { company: "Acme" } } as const;
    // The design's own event: no currency. The agent's check is the server's, so it is never sent.
    const noCurrency = { event_id: "e-2", activity_type: "financial", timestamp: "2026-11-25T10:00:00Z", application: "browser", details: { site: "amazon.com", amount: 49.99, category: "electronics" } } as const;
    const [frameId] = agent.processor.recordActivity([good, noCurrency]);
    const sent = agent.channel.frames.flatMap((frame) => (frame.type === "activity" ? frame.events : []));
    expect(sent).toEqual([good]);
    expect(refused.latest(10)).toEqual([expect.objectContaining({ eventId: "e-2", refusedBy: "agent", reason: expect.stringContaining("currency") })]);

    // A schema drift: the server refuses an event the agent took. The ack names it; it moves to the refused store.
    agent.processor.onAck(frameId ?? "", [{ index: 0, reason: "details.company: too long for this server" }]);
    expect(agent.outbox.size()).toBe(0);
    expect(refused.latest(10)[0]).toMatchObject({ eventId: "e-1", refusedBy: "server", reason: "details.company: too long for this server", event: JSON.stringify(good) });
    expect(refused.count()).toBe(2);
  });
});
