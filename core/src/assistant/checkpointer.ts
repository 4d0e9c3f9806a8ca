import type { RunnableConfig } from "@langchain/core/runnables";
import {
  BaseCheckpointSaver,
  TASKS,
  WRITES_IDX_MAP,
  copyCheckpoint,
  getCheckpointId,
  maxChannelVersion,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  type PendingWrite,
  type SerializerProtocol,
} from "@langchain/langgraph-checkpoint";
import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { z } from "zod";
import { checkpointBlobs, checkpointWrites, checkpoints } from "./checkpointer-schema.ts";

/** D1 refuses any string or BLOB over 2,000,000 bytes; checking first turns its terse error into one that says which channel. */
const D1_MAX_VALUE_BYTES = 2_000_000;
/** D1 binds at most 100 parameters per statement, which caps rows per multi-row INSERT. */
const D1_MAX_PARAMS = 100;
/** Rows `list` reads per round trip when it has to filter on metadata (or has no limit). */
const LIST_PAGE_SIZE = 50;

const channelVersion = z.union([z.number(), z.string()]);
/** A stored checkpoint row: the checkpoint minus the channel values kept as blobs. Unknown keys pass through. */
const StoredCheckpoint = z.looseObject({
  v: z.number(),
  id: z.string(),
  ts: z.string(),
  channel_values: z.record(z.string(), z.unknown()).default({}),
  channel_versions: z.record(z.string(), channelVersion),
  versions_seen: z.record(z.string(), z.record(z.string(), channelVersion)),
});
const StoredMetadata = z.looseObject({
  // Any string, typed as LangGraph's union: a source added by a later LangGraph must not make old
  // threads unreadable, and the saver never branches on it.
  source: z.custom<CheckpointMetadata["source"]>((value) => typeof value === "string"),
  step: z.number(),
  parents: z.record(z.string(), z.string()),
  counters_since_delta_snapshot: z.record(z.string(), z.tuple([z.number(), z.number()])).optional(),
});

type CheckpointRow = typeof checkpoints.$inferSelect;
type BlobRow = typeof checkpointBlobs.$inferInsert;
type WriteRow = typeof checkpointWrites.$inferSelect;
type Decoded = { row: CheckpointRow; checkpoint: Checkpoint; metadata: z.infer<typeof StoredMetadata> };

/**
 * A LangGraph checkpointer over D1, so an `interrupt()` survives the isolate: the next request
 * (any isolate, any saver instance) resumes it with `Command({ resume })`.
 *
 * Thread ids are used as given; callers must namespace them per user, and must always pass one
 * to `list` (without it, `list` walks every thread, as the LangGraph contract says it should).
 *
 * @example
 * const graph = builder.compile({ checkpointer: new D1Saver(env.DB) });
 * await graph.invoke(input, { configurable: { thread_id: `${userId}:${chatId}` } });
 */
export class D1Saver extends BaseCheckpointSaver {
  private readonly db: DrizzleD1Database;

  /** `d1` must hold the tables in checkpointer-schema.ts; `serde` defaults to LangGraph's JSON-plus serializer. */
  constructor(d1: D1Database, serde?: SerializerProtocol) {
    super(serde);
    this.db = drizzle(d1);
  }

  /** The checkpoint named by `config` (its `checkpoint_id`, else the thread's latest), with its pending writes. */
  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const threadId = readId(config.configurable?.thread_id);
    if (threadId === undefined) return undefined;
    const checkpointNs = readId(config.configurable?.checkpoint_ns) ?? "";
    const checkpointId = getCheckpointId(config);
    const row = await this.db
      .select()
      .from(checkpoints)
      .where(
        and(
          eq(checkpoints.threadId, threadId),
          eq(checkpoints.checkpointNs, checkpointNs),
          checkpointId ? eq(checkpoints.checkpointId, checkpointId) : undefined,
        ),
      )
      .orderBy(desc(checkpoints.checkpointId))
      .limit(1)
      .get();
    if (row === undefined) return undefined;
    const [tuple] = await this.hydrate([await this.decode(row)]);
    return tuple;
  }

  /** Checkpoints newest first, narrowed by thread, namespace, `before`, metadata `filter` (deep-equal per key) and `limit`. */
  override async *list(config: RunnableConfig, options: CheckpointListOptions = {}): AsyncGenerator<CheckpointTuple> {
    const { filter, before } = options;
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    if (remaining <= 0) return;
    const threadId = readId(config.configurable?.thread_id);
    const checkpointNs = readId(config.configurable?.checkpoint_ns);
    const checkpointId = readId(config.configurable?.checkpoint_id);
    const beforeId = before === undefined ? undefined : readId(before.configurable?.checkpoint_id);
    const filterEntries = Object.entries(filter ?? {});
    // Without a filter every row read is yielded, so the limit can go to SQL; with one, page until enough match.
    const pageSize = filterEntries.length === 0 ? Math.min(remaining, LIST_PAGE_SIZE) : LIST_PAGE_SIZE;
    let cursor: SQL | undefined;
    for (;;) {
      const rows = await this.db
        .select()
        .from(checkpoints)
        .where(
          and(
            threadId === undefined ? undefined : eq(checkpoints.threadId, threadId),
            checkpointNs === undefined ? undefined : eq(checkpoints.checkpointNs, checkpointNs),
            checkpointId === undefined ? undefined : eq(checkpoints.checkpointId, checkpointId),
            beforeId === undefined ? undefined : sql`${checkpoints.checkpointId} < ${beforeId}`,
            cursor,
          ),
        )
        .orderBy(desc(checkpoints.checkpointId), desc(checkpoints.threadId), desc(checkpoints.checkpointNs))
        .limit(pageSize)
        .all();
      const decoded = await Promise.all(rows.map((row) => this.decode(row)));
      const matching = decoded.filter(({ metadata }) =>
        filterEntries.every(([key, value]) => sameJson(metadata[key], value)),
      );
      for (const tuple of await this.hydrate(matching.slice(0, remaining))) {
        yield tuple;
        remaining -= 1;
      }
      const last = rows.at(-1);
      if (remaining <= 0 || last === undefined || rows.length < pageSize) return;
      cursor = sql`(${checkpoints.checkpointId}, ${checkpoints.threadId}, ${checkpoints.checkpointNs}) < (${last.checkpointId}, ${last.threadId}, ${last.checkpointNs})`;
    }
  }

  /** Stores a checkpoint under `config`'s thread and namespace; `config`'s own `checkpoint_id` becomes its parent. */
  override async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    const threadId = readId(config.configurable?.thread_id);
    if (threadId === undefined) {
      throw new Error('Cannot save a checkpoint without a thread: pass `configurable: { thread_id }` in the graph config.');
    }
    const checkpointNs = readId(config.configurable?.checkpoint_ns) ?? "";
    const { channel_values: values, ...rest } = copyCheckpoint(checkpoint);
    // Versioned channels go to checkpoint_blobs, and only when their version is new; any unversioned
    // value (LangGraph writes none) stays inline so nothing handed to `put` is lost.
    const inline = Object.fromEntries(Object.entries(values).filter(([channel]) => !Object.hasOwn(rest.channel_versions, channel)));
    const [[type, checkpointBytes], [metadataType, metadataBytes]] = await Promise.all([
      this.serde.dumpsTyped({ ...rest, channel_values: inline }),
      this.serde.dumpsTyped(metadata),
    ]);
    if (type !== metadataType) throw new Error(`The serializer gave the checkpoint type "${type}" but its metadata "${metadataType}"; D1Saver stores one type per row.`);
    assertFits("the checkpoint", checkpointBytes);
    assertFits("the checkpoint's metadata", metadataBytes);
    const blobs: BlobRow[] = await Promise.all(
      Object.entries(newVersions)
        .filter(([channel]) => Object.hasOwn(values, channel))
        .map(async ([channel, version]) => {
          const [blobType, value] = await this.serde.dumpsTyped(values[channel]);
          assertFits(`channel "${channel}"`, value);
          return { threadId, checkpointNs, channel, version: String(version), type: blobType, value };
        }),
    );
    const row = {
      threadId,
      checkpointNs,
      checkpointId: checkpoint.id,
      parentCheckpointId: getCheckpointId(config) || null,
      type,
      checkpoint: checkpointBytes,
      metadata: metadataBytes,
    };
    await this.runBatch([
      this.db
        .insert(checkpoints)
        .values(row)
        .onConflictDoUpdate({
          target: [checkpoints.threadId, checkpoints.checkpointNs, checkpoints.checkpointId],
          set: { parentCheckpointId: row.parentCheckpointId, type, checkpoint: checkpointBytes, metadata: metadataBytes },
        }),
      // A version is written once; later checkpoints that keep it point at the same row.
      ...chunk(blobs, 6).map((part) => this.db.insert(checkpointBlobs).values(part).onConflictDoNothing()),
    ]);
    return { configurable: { thread_id: threadId, checkpoint_ns: checkpointNs, checkpoint_id: checkpoint.id } };
  }

  /**
   * Stores a task's writes against the checkpoint in `config`. A retried task keeps its first
   * regular writes; special channels (`__error__`, `__interrupt__`, `__resume__`…) replace theirs.
   */
  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath = ""): Promise<void> {
    const threadId = readId(config.configurable?.thread_id);
    const checkpointId = readId(config.configurable?.checkpoint_id);
    if (threadId === undefined || checkpointId === undefined) {
      throw new Error("Cannot save writes without `thread_id` and `checkpoint_id` in `configurable`: pass the config that `put` returned.");
    }
    const checkpointNs = readId(config.configurable?.checkpoint_ns) ?? "";
    const rows: WriteRow[] = await Promise.all(
      writes.map(async ([channel, value], position) => {
        const [type, bytes] = await this.serde.dumpsTyped(value);
        assertFits(`the write to "${channel}"`, bytes);
        const idx = Object.hasOwn(WRITES_IDX_MAP, channel) ? WRITES_IDX_MAP[channel] : position;
        return { threadId, checkpointNs, checkpointId, taskId, idx, channel, type, value: bytes, taskPath };
      }),
    );
    const regular = rows.filter((row) => row.idx >= 0);
    await this.runBatch([
      ...chunk(regular, 9).map((part) => this.db.insert(checkpointWrites).values(part).onConflictDoNothing()),
      ...rows
        .filter((row) => row.idx < 0)
        .map((row) =>
          this.db
            .insert(checkpointWrites)
            .values(row)
            .onConflictDoUpdate({
              target: [checkpointWrites.threadId, checkpointWrites.checkpointNs, checkpointWrites.checkpointId, checkpointWrites.taskId, checkpointWrites.idx],
              set: { channel: row.channel, type: row.type, value: row.value, taskPath },
            }),
        ),
    ]);
  }

  /** Deletes every checkpoint, channel value and write of a thread, in all namespaces. */
  override async deleteThread(threadId: string): Promise<void> {
    await this.runBatch([
      this.db.delete(checkpointWrites).where(eq(checkpointWrites.threadId, threadId)),
      this.db.delete(checkpointBlobs).where(eq(checkpointBlobs.threadId, threadId)),
      this.db.delete(checkpoints).where(eq(checkpoints.threadId, threadId)),
    ]);
  }

  /**
   * Next channel version: the integer part counts steps, as the default does; the random fraction
   * keeps a fork (a state update from an older checkpoint) from reusing a version the abandoned
   * branch already stored a different value under. Python's SQL savers add the same random suffix.
   */
  override getNextVersion(current: number | undefined): number {
    return Math.floor(current ?? 0) + 1 + Math.random() * 0.999;
  }

  /** Deserialises a row's checkpoint (without its blob values) and metadata. */
  private async decode(row: CheckpointRow): Promise<Decoded> {
    const [checkpoint, metadata] = await Promise.all([
      this.serde.loadsTyped(row.type, row.checkpoint).then((value: unknown) => StoredCheckpoint.parse(value)),
      this.serde.loadsTyped(row.type, row.metadata).then((value: unknown) => StoredMetadata.parse(value)),
    ]);
    return { row, checkpoint, metadata };
  }

  /** Fills in channel values and pending writes for decoded rows, in one D1 round trip (two for pre-v4 checkpoints). */
  private async hydrate(decoded: Decoded[]): Promise<CheckpointTuple[]> {
    if (decoded.length === 0) return [];
    const blobKeys = new Set<string>();
    for (const { row, checkpoint } of decoded) {
      for (const [channel, version] of Object.entries(checkpoint.channel_versions)) {
        blobKeys.add(JSON.stringify([row.threadId, row.checkpointNs, channel, String(version)]));
      }
    }
    const checkpointKeys = JSON.stringify(decoded.map(({ row }) => [row.threadId, row.checkpointNs, row.checkpointId]));
    const b = checkpointBlobs;
    const w = checkpointWrites;
    const [blobs, writes] = await this.db.batch([
      this.db
        .select()
        .from(b)
        .where(
          sql`(${b.threadId}, ${b.checkpointNs}, ${b.channel}, ${b.version}) IN (SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(${`[${[...blobKeys].join(",")}]`}))`,
        ),
      this.db
        .select()
        .from(w)
        .where(sql`(${w.threadId}, ${w.checkpointNs}, ${w.checkpointId}) IN (SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(${checkpointKeys}))`)
        // writesSortKey order (task_path, task_id, idx): SQLite's BINARY collation compares UTF-8 bytes, i.e. code points.
        .orderBy(w.taskPath, w.taskId, w.idx),
    ]);
    const blobValues = new Map<string, unknown>();
    for (const blob of blobs) {
      blobValues.set(JSON.stringify([blob.threadId, blob.checkpointNs, blob.channel, blob.version]), await this.serde.loadsTyped(blob.type, blob.value));
    }
    const pending = await this.groupWrites(writes);
    const tuples: CheckpointTuple[] = [];
    for (const { row, checkpoint, metadata } of decoded) {
      for (const [channel, version] of Object.entries(checkpoint.channel_versions)) {
        const key = JSON.stringify([row.threadId, row.checkpointNs, channel, String(version)]);
        if (blobValues.has(key)) checkpoint.channel_values[channel] = blobValues.get(key);
      }
      if (checkpoint.v < 4 && row.parentCheckpointId !== null) await this.migratePendingSends(checkpoint, row, row.parentCheckpointId);
      const address = { thread_id: row.threadId, checkpoint_ns: row.checkpointNs };
      tuples.push({
        config: { configurable: { ...address, checkpoint_id: row.checkpointId } },
        checkpoint,
        metadata,
        parentConfig: row.parentCheckpointId === null ? undefined : { configurable: { ...address, checkpoint_id: row.parentCheckpointId } },
        pendingWrites: pending.get(JSON.stringify([row.threadId, row.checkpointNs, row.checkpointId])) ?? [],
      });
    }
    return tuples;
  }

  /** Deserialises write rows and groups them by checkpoint, keeping their order. */
  private async groupWrites(rows: WriteRow[]): Promise<Map<string, CheckpointPendingWrite[]>> {
    const grouped = new Map<string, CheckpointPendingWrite[]>();
    for (const row of rows) {
      const key = JSON.stringify([row.threadId, row.checkpointNs, row.checkpointId]);
      const list = grouped.get(key) ?? [];
      list.push([row.taskId, row.channel, await this.serde.loadsTyped(row.type, row.value)]);
      grouped.set(key, list);
    }
    return grouped;
  }

  /** Checkpoints before format v4 kept `Send`s as writes to the parent; v4 expects them in `channel_values`, as MemorySaver migrates them. */
  private async migratePendingSends(checkpoint: Checkpoint, row: CheckpointRow, parentId: string): Promise<void> {
    const w = checkpointWrites;
    const sends = await this.db
      .select()
      .from(w)
      .where(and(eq(w.threadId, row.threadId), eq(w.checkpointNs, row.checkpointNs), eq(w.checkpointId, parentId), eq(w.channel, TASKS)))
      .orderBy(w.taskPath, w.taskId, w.idx)
      .all();
    const versions = Object.values(checkpoint.channel_versions);
    checkpoint.channel_values[TASKS] = await Promise.all(sends.map((send) => this.serde.loadsTyped(send.type, send.value)));
    checkpoint.channel_versions[TASKS] = versions.length > 0 ? maxChannelVersion(...versions) : this.getNextVersion(undefined);
  }

  /** Runs statements atomically (D1 wraps a batch in one transaction), skipping the call when there are none. */
  private async runBatch(statements: BatchItem<"sqlite">[]): Promise<void> {
    const [first, ...rest] = statements;
    if (first !== undefined) await this.db.batch([first, ...rest]);
  }
}

/** A thread, namespace or checkpoint id from a `configurable`, which is typed `any`: strings pass, numbers become strings, anything else is absent. */
function readId(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

function assertFits(what: string, bytes: Uint8Array): void {
  if (bytes.byteLength > D1_MAX_VALUE_BYTES) {
    const mb = (bytes.byteLength / 1_000_000).toFixed(1);
    throw new Error(`Cannot checkpoint ${what}: it serialises to ${mb} MB, over D1's 2 MB limit per value. Trim or summarise the state before it grows this large.`);
  }
}

/** Splits rows so a multi-row INSERT with `columns` bound values per row stays under D1's parameter cap. */
function chunk<T>(rows: T[], columns: number): T[][] {
  const size = Math.floor(D1_MAX_PARAMS / columns);
  const parts: T[][] = [];
  for (let i = 0; i < rows.length; i += size) parts.push(rows.slice(i, i + size));
  return parts;
}

/** Structural equality for JSON-like metadata values (MemorySaver uses `===`, which never matches objects). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aEntries = Object.entries(a);
  const bEntries = Object.entries(b);
  return aEntries.length === bEntries.length && aEntries.every(([key, value]) => bEntries.some(([k, v]) => k === key && sameJson(value, v)));
}
