import { customType, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * A BLOB read back as a plain `Uint8Array`. D1 hands BLOBs back as an `ArrayBuffer` or a number array
 * depending on the call path, and drizzle's own `blob({ mode: "buffer" })` needs node's `Buffer`; the
 * serializer only wants bytes.
 */
const bytes = customType<{ data: Uint8Array; driverData: ArrayBuffer | ArrayBufferView | number[] }>({
  dataType: () => "blob",
  toDriver: (value) => value,
  fromDriver: (value) => {
    if (value instanceof Uint8Array) return value;
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return Uint8Array.from(value);
  },
});

/*
 * LangGraph's checkpoints, for the D1 saver in `assistant/checkpointer.ts`.
 *
 * `thread_id` is not a user id: the assistant namespaces it per user before it reaches the saver, so
 * these tables carry no `user_id` and no foreign key (deleting a user must call `deleteThread` for
 * each of their threads, or delete by `thread_id` prefix).
 * `checkpoint_ns` is "" for the root graph and `parent|child:<task>` for subgraphs.
 * Ids are uuid6, so ordering by `checkpoint_id` is ordering by time.
 */

/** One row per checkpoint. `checkpoint` holds everything but `channel_values`, which live in `checkpoint_blobs`. */
export const checkpoints = sqliteTable(
  "checkpoints",
  {
    threadId: text("thread_id").notNull(),
    checkpointNs: text("checkpoint_ns").notNull().default(""),
    checkpointId: text("checkpoint_id").notNull(),
    parentCheckpointId: text("parent_checkpoint_id"),
    /** The serializer's type tag (`json` or `bytes`) for both `checkpoint` and `metadata`. */
    type: text("type").notNull(),
    checkpoint: bytes("checkpoint").notNull(),
    metadata: bytes("metadata").notNull(),
  },
  (t) => [primaryKey({ columns: [t.threadId, t.checkpointNs, t.checkpointId] })],
);

/**
 * One row per channel value per version, shared by every checkpoint that still has that version: a
 * channel that did not change in a step is not stored again. The saver's `getNextVersion` adds a
 * random fraction to each version so a fork's versions never collide with the abandoned branch's.
 */
export const checkpointBlobs = sqliteTable(
  "checkpoint_blobs",
  {
    threadId: text("thread_id").notNull(),
    checkpointNs: text("checkpoint_ns").notNull().default(""),
    channel: text("channel").notNull(),
    /** `String(version)`: versions are numbers in the checkpoint, but only compared for equality here. */
    version: text("version").notNull(),
    type: text("type").notNull(),
    value: bytes("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.threadId, t.checkpointNs, t.channel, t.version] })],
);

/** Writes made by tasks of the step after a checkpoint (node outputs, `__interrupt__`, `__error__`, `__resume__`…). */
export const checkpointWrites = sqliteTable(
  "checkpoint_writes",
  {
    threadId: text("thread_id").notNull(),
    checkpointNs: text("checkpoint_ns").notNull().default(""),
    checkpointId: text("checkpoint_id").notNull(),
    taskId: text("task_id").notNull(),
    /** Position in the task's write list; special channels use the fixed negative `WRITES_IDX_MAP` slots. */
    idx: integer("idx").notNull(),
    channel: text("channel").notNull(),
    type: text("type").notNull(),
    value: bytes("value").notNull(),
    /** The task's path, first key of the order writes are replayed in (see `writesSortKey`). */
    taskPath: text("task_path").notNull().default(""),
  },
  (t) => [primaryKey({ columns: [t.threadId, t.checkpointNs, t.checkpointId, t.taskId, t.idx] })],
);
