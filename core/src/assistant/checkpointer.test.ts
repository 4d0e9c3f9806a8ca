// node:async_hooks (for LangGraph's AsyncLocalStorage) is typed by @types/node; nodejs_compat provides it at runtime.
/// <reference types="node" />
import { env } from "cloudflare:workers";
import { validate, deltaChannelHistoryTests } from "@langchain/langgraph-checkpoint-validation";
import { emptyCheckpoint, uuid6, type Checkpoint, type CheckpointMetadata } from "@langchain/langgraph-checkpoint";
import type { RunnableConfig } from "@langchain/core/runnables";
import { Annotation, Command, END, INTERRUPT, START, StateGraph, interrupt, isInterrupted } from "@langchain/langgraph";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { AsyncLocalStorage } from "node:async_hooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { D1Saver } from "./checkpointer.ts";

/*
 * The tables as drizzle-kit generates them from checkpointer-schema.ts. Until the real migration
 * lands, the suite creates them itself; afterwards these statements are no-ops.
 */
const TABLES = [
  "CREATE TABLE IF NOT EXISTS `checkpoints` (`thread_id` text NOT NULL, `checkpoint_ns` text DEFAULT '' NOT NULL, `checkpoint_id` text NOT NULL, `parent_checkpoint_id` text, `type` text NOT NULL, `checkpoint` blob NOT NULL, `metadata` blob NOT NULL, PRIMARY KEY(`thread_id`, `checkpoint_ns`, `checkpoint_id`))",
  "CREATE TABLE IF NOT EXISTS `checkpoint_blobs` (`thread_id` text NOT NULL, `checkpoint_ns` text DEFAULT '' NOT NULL, `channel` text NOT NULL, `version` text NOT NULL, `type` text NOT NULL, `value` blob NOT NULL, PRIMARY KEY(`thread_id`, `checkpoint_ns`, `channel`, `version`))",
  "CREATE TABLE IF NOT EXISTS `checkpoint_writes` (`thread_id` text NOT NULL, `checkpoint_ns` text DEFAULT '' NOT NULL, `checkpoint_id` text NOT NULL, `task_id` text NOT NULL, `idx` integer NOT NULL, `channel` text NOT NULL, `type` text NOT NULL, `value` blob NOT NULL, `task_path` text DEFAULT '' NOT NULL, PRIMARY KEY(`thread_id`, `checkpoint_ns`, `checkpoint_id`, `task_id`, `idx`))",
];
await env.DB.batch(TABLES.map((statement) => env.DB.prepare(statement)));

async function countRows(table: "checkpoints" | "checkpoint_blobs" | "checkpoint_writes", threadId: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE thread_id = ?`).bind(threadId).first<{ n: number }>();
  return row?.n ?? 0;
}

/*
 * LangGraph's own conformance suite, run against real D1. It calls describe/it/expect as globals
 * (it is written for a `globals: true` config), so hand it vitest's.
 */
Object.assign(globalThis, { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it });
const conformance = {
  checkpointerName: "D1Saver",
  // Each suite expects a fresh store (the SQLite one gets a new in-memory database): `list` with no
  // thread_id must see only that suite's checkpoints.
  async createCheckpointer() {
    await env.DB.batch(["checkpoints", "checkpoint_blobs", "checkpoint_writes"].map((table) => env.DB.prepare(`DELETE FROM ${table}`)));
    return new D1Saver(env.DB);
  },
};
validate(conformance);
deltaChannelHistoryTests(conformance);

const loop = (step: number, extra: Record<string, unknown> = {}): CheckpointMetadata => ({ source: "loop", step, parents: {}, ...extra });

/** A checkpoint whose channels all carry `version`, as LangGraph writes them after a step. */
function checkpointWith(values: Record<string, unknown>, version: number): Checkpoint {
  return {
    ...emptyCheckpoint(),
    id: uuid6(-1),
    channel_values: values,
    channel_versions: Object.fromEntries(Object.keys(values).map((channel) => [channel, version])),
  };
}

async function collect(iterable: AsyncIterable<{ checkpoint: Checkpoint; metadata?: CheckpointMetadata }>) {
  const out: { id: string; step: number | undefined }[] = [];
  for await (const tuple of iterable) out.push({ id: tuple.checkpoint.id, step: tuple.metadata?.step });
  return out;
}

describe("D1Saver, beyond the conformance suite", () => {
  const root = (threadId: string, checkpointNs = ""): RunnableConfig => ({ configurable: { thread_id: threadId, checkpoint_ns: checkpointNs } });

  it("keeps a retried task's first regular writes but replaces its interrupt and error", async () => {
    const saver = new D1Saver(env.DB);
    const threadId = crypto.randomUUID();
    const config = await saver.put(root(threadId), checkpointWith({}, 1), loop(0), {});
    await saver.putWrites(config, [["answer", "first"], ["__interrupt__", [{ value: "question 1" }]]], "task-a");
    await saver.putWrites(config, [["answer", "second"], ["__interrupt__", [{ value: "question 2" }]], ["__error__", "boom"]], "task-a");

    const tuple = await saver.getTuple(config);
    expect(tuple?.pendingWrites).toEqual([
      ["task-a", "__interrupt__", [{ value: "question 2" }]],
      ["task-a", "__error__", "boom"],
      ["task-a", "answer", "first"],
    ]);
  });

  it("returns pending writes in writesSortKey order: task path, then task id, then index", async () => {
    const saver = new D1Saver(env.DB);
    const config = await saver.put(root(crypto.randomUUID()), checkpointWith({}, 1), loop(0), {});
    await saver.putWrites(config, [["c", 1], ["c", 2]], "task-z", "~__pregel_pull, a");
    await saver.putWrites(config, [["c", 3]], "task-a", "~__pregel_pull, b");
    await saver.putWrites(config, [["c", 0]], "input-task");

    const tuple = await saver.getTuple(config);
    expect(tuple?.pendingWrites?.map(([, , value]) => value)).toEqual([0, 1, 2, 3]);
  });

  it("stores a channel value once per version, and restores it for every checkpoint that keeps it", async () => {
    const saver = new D1Saver(env.DB);
    const threadId = crypto.randomUUID();
    const first = checkpointWith({ messages: ["hi"], step: 1 }, 1);
    const c1 = await saver.put(root(threadId), first, loop(0), first.channel_versions);
    const second = { ...checkpointWith({ messages: ["hi"], step: 2 }, 1), id: uuid6(-1) };
    second.channel_versions.step = 2;
    await saver.put(c1, second, loop(1), { step: 2 });

    expect(await countRows("checkpoint_blobs", threadId)).toBe(3);
    const latest = await new D1Saver(env.DB).getTuple(root(threadId));
    expect(latest?.checkpoint.channel_values).toEqual({ messages: ["hi"], step: 2 });
    expect(latest?.parentConfig?.configurable?.checkpoint_id).toBe(first.id);
  });

  it("gives a fork versions that cannot collide with the abandoned branch's", () => {
    const saver = new D1Saver(env.DB);
    const versions = new Set(Array.from({ length: 100 }, () => saver.getNextVersion(2.25)));
    expect(versions.size).toBe(100);
    for (const version of versions) expect(Math.floor(version)).toBe(3);
    expect(saver.getNextVersion(undefined)).toBeGreaterThanOrEqual(1);
  });

  it("lists newest first across pages, honouring filter, before and limit together", async () => {
    const saver = new D1Saver(env.DB);
    const threadId = crypto.randomUUID();
    let config = root(threadId);
    const ids: string[] = [];
    for (let step = 0; step < 130; step += 1) {
      const checkpoint = checkpointWith({}, step + 1);
      ids.push(checkpoint.id);
      config = await saver.put(config, checkpoint, loop(step, { kind: step % 3 === 0 ? { every: "third" } : "other" }), {});
    }
    const newestFirst = ids.toReversed();

    expect((await collect(saver.list(root(threadId)))).map(({ id }) => id)).toEqual(newestFirst);
    expect((await collect(saver.list(root(threadId), { limit: 70 }))).map(({ id }) => id)).toEqual(newestFirst.slice(0, 70));
    const thirds = await collect(saver.list(root(threadId), { filter: { kind: { every: "third" } }, limit: 40 }));
    expect(thirds.map(({ step }) => step)).toEqual(Array.from({ length: 40 }, (_, i) => 129 - i * 3));
    const before = { configurable: { checkpoint_id: ids[100] } };
    const older = await collect(saver.list(root(threadId), { before, filter: { source: "loop", kind: "other" } }));
    expect(older.map(({ step }) => step)).toEqual(Array.from({ length: 100 }, (_, i) => 99 - i).filter((step) => step % 3 !== 0));
    expect(await collect(saver.list(root(threadId), { limit: 0 }))).toEqual([]);
  });

  it("deletes a thread in every namespace and leaves other threads alone", async () => {
    const saver = new D1Saver(env.DB);
    const [doomed, kept] = [crypto.randomUUID(), crypto.randomUUID()];
    for (const threadId of [doomed, kept]) {
      for (const checkpointNs of ["", "tools:1"]) {
        const checkpoint = checkpointWith({ messages: ["hi"] }, 1);
        const config = await saver.put(root(threadId, checkpointNs), checkpoint, loop(0), checkpoint.channel_versions);
        await saver.putWrites(config, [["messages", ["there"]]], "task");
      }
    }
    await saver.deleteThread(doomed);

    for (const table of ["checkpoints", "checkpoint_blobs", "checkpoint_writes"] as const) {
      expect(await countRows(table, doomed)).toBe(0);
      expect(await countRows(table, kept)).toBe(2);
    }
    expect(await saver.getTuple(root(kept, "tools:1"))).toBeDefined();
  });

  it("refuses a value over D1's 2 MB limit with a message naming the channel, and stores nothing", async () => {
    const saver = new D1Saver(env.DB);
    const threadId = crypto.randomUUID();
    const checkpoint = checkpointWith({ messages: "x".repeat(2_100_000) }, 1);
    await expect(saver.put(root(threadId), checkpoint, loop(0), checkpoint.channel_versions)).rejects.toThrow(/channel "messages".*2 MB/);
    expect(await countRows("checkpoints", threadId)).toBe(0);
  });
});

describe("D1Saver under a real graph", () => {
  // interrupt() finds its graph through @langchain/core's AsyncLocalStorage, which nothing registers
  // in workerd (RECIPES.md: the worker entry must do the same).
  AsyncLocalStorageProviderSingleton.initializeGlobalInstance(new AsyncLocalStorage());
  const State = Annotation.Root({ topic: Annotation<string>(), answer: Annotation<string>() });

  /** Built afresh for each request, as the worker does: nothing survives between the two but D1. */
  function approvalGraph(saver: D1Saver) {
    const approval = new StateGraph(State)
      .addNode("ask", (state) => ({ answer: interrupt<{ question: string }, string>({ question: `Go ahead with ${state.topic}?` }) }))
      .addEdge(START, "ask")
      .addEdge("ask", END)
      .compile();
    return new StateGraph(State)
      .addNode("approval", approval)
      .addNode("finish", (state) => ({ answer: `${state.answer}, done` }))
      .addEdge(START, "approval")
      .addEdge("approval", "finish")
      .addEdge("finish", END)
      .compile({ checkpointer: saver });
  }

  it("pauses on interrupt() in a subgraph and resumes with Command({ resume }) from a new saver and graph", async () => {
    const threadId = `user-1:${crypto.randomUUID()}`;
    const config = { configurable: { thread_id: threadId } };

    const paused = await approvalGraph(new D1Saver(env.DB)).invoke({ topic: "the deploy" }, config);
    expect(isInterrupted(paused)).toBe(true);
    expect(isInterrupted(paused) ? paused[INTERRUPT].map(({ value }) => value) : []).toEqual([{ question: "Go ahead with the deploy?" }]);
    // The interrupt is stored twice: against the subgraph's checkpoint in its own namespace
    // (`approval:<task id>`), and against the parent's, whose `approval` task it stopped.
    const stored = await env.DB.prepare("SELECT DISTINCT checkpoint_ns FROM checkpoint_writes WHERE thread_id = ? AND channel = ?")
      .bind(threadId, INTERRUPT)
      .all<{ checkpoint_ns: string }>();
    expect(stored.results.map(({ checkpoint_ns }) => checkpoint_ns.split(":")[0]).sort()).toEqual(["", "approval"]);

    const graph = approvalGraph(new D1Saver(env.DB));
    const waiting = await graph.getState(config);
    expect(waiting.next).toEqual(["approval"]);
    expect(waiting.tasks.flatMap((task) => task.interrupts.map(({ value }) => value))).toEqual([{ question: "Go ahead with the deploy?" }]);

    const done = await graph.invoke(new Command({ resume: "yes" }), config);
    expect(done).toEqual({ topic: "the deploy", answer: "yes, done" });
    expect((await graph.getState(config)).next).toEqual([]);
  });

  it("keeps threads apart: resuming one leaves the other waiting", async () => {
    const [a, b] = [`user-1:${crypto.randomUUID()}`, `user-2:${crypto.randomUUID()}`];
    const graph = approvalGraph(new D1Saver(env.DB));
    await graph.invoke({ topic: "a" }, { configurable: { thread_id: a } });
    await graph.invoke({ topic: "b" }, { configurable: { thread_id: b } });

    const resumed = await approvalGraph(new D1Saver(env.DB)).invoke(new Command({ resume: "no" }), { configurable: { thread_id: a } });
    expect(resumed).toEqual({ topic: "a", answer: "no, done" });
    expect((await graph.getState({ configurable: { thread_id: b } })).next).toEqual(["approval"]);
  });
});
