import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { McpServerName, McpServerSpec, Name } from "#protocol";
import { hearthCommand } from "../invocation.ts";
import { writePrivateFile } from "../home/private-file.ts";
import type { Logger } from "../log.ts";
import { withFileLock } from "./file-lock.ts";
import type { PinStore, PinnedTool } from "./types.ts";

// The agent's two MCP files in HEARTH_HOME, both private (0600) and written whole by atomic rename under a lock:
// - mcp-pins.json: every approved tool definition (the rug-pull defence), and the approvals `hearth mcp approve`
//   queued for the running agent to apply.
// - mcp-pending.json: servers asked for from the web app, which start only after `hearth mcp approve` here.
// A damaged file is reported and left as it is: emptying the pins would approve every changed tool silently.

const Hash = z.string().regex(/^[0-9a-f]{64}$/);

const PinnedToolSchema = z.object({
  hash: Hash,
  definition: z.object({
    name: z.string(),
    description: z.string(),
    input_schema: z.record(z.string(), z.json()),
    title: z.string().optional(),
    annotations: z.record(z.string(), z.json()).optional(),
    output_schema: z.record(z.string(), z.json()).optional(),
  }),
  approved_at: z.number(),
  by: z.enum(["first_start", "web", "cli"]),
});

/** A tool change the user approved with `hearth mcp approve`, for the running agent to apply. */
export const QueuedApproval = z.object({ server: Name, tool: z.string().min(1).max(200), hash: Hash, queued_at: z.number() });
export type QueuedApproval = z.infer<typeof QueuedApproval>;

const PinsFile = z.strictObject({
  version: z.literal(1),
  pins: z.record(z.string(), z.record(z.string(), PinnedToolSchema)).default({}),
  approvals: z.array(QueuedApproval).default([]),
});
type PinsFile = z.infer<typeof PinsFile>;

/** A server asked for from the web app. `command_id`: the `mcp.add` command that asked. */
export const PendingRequest = z.object({ server: McpServerSpec, requested_at: z.number(), command_id: z.string().nullable() });
export type PendingRequest = z.infer<typeof PendingRequest>;

// Keys are server names: each request is reported as a server (in `hello`), so a hand-edited bad name is refused here.
const PendingFile = z.strictObject({ version: z.literal(1), pending: z.record(McpServerName, PendingRequest).default({}) });
type PendingFile = z.infer<typeof PendingFile>;

/** A damaged MCP file: the message names it and says how to fix it. */
export class McpStoreError extends Error {}

/** Reads and validates one of the files; a missing file is `empty`. */
function readFile<T>(path: string, schema: z.ZodType<T>, empty: T, consequence: string): T {
  if (!existsSync(path)) return empty;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new McpStoreError(`${path} is damaged (not valid JSON: ${error instanceof Error ? error.message : String(error)}). ${consequence}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new McpStoreError(`${path} is damaged (${issue?.path.join(".") || "top level"}: ${issue?.message ?? "invalid"}). ${consequence}`);
  }
  return parsed.data;
}

/**
 * Changes one of the files under its lock: read fresh (so the CLI's and the agent's writes never undo each other),
 * changed, written whole. Throws McpStoreError (damaged: never overwritten) or FileLockTimeout.
 */
function updateFile<F, T>(path: string, read: () => F, change: (file: F) => T): T {
  return withFileLock(path, () => {
    const file = read();
    const result = change(file);
    writePrivateFile(path, `${JSON.stringify(file, null, 2)}\n`);
    return result;
  });
}

const own = <T>(record: Record<string, T>, key: string): T | undefined => (Object.hasOwn(record, key) ? record[key] : undefined);

/** The pins file: read fresh for every change, so the CLI's and the agent's writes never undo each other. */
export class PinsFileStore {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** The whole file. Throws McpStoreError when it is damaged. */
  read(): PinsFile {
    return readFile(this.path, PinsFile, { version: 1, pins: {}, approvals: [] }, `Hearth starts no MCP server until it is fixed. Fix it, or move it away to approve every server's tools again (each server's tools are then pinned as they are at its next start).`);
  }

  /** Changes the file under its lock. Throws McpStoreError (damaged) or FileLockTimeout. */
  update<T>(change: (file: PinsFile) => T): T {
    return updateFile(this.path, () => this.read(), change);
  }

  /** Queues a tool approval for the running agent (`hearth mcp approve <server> <tool>`). */
  queueApproval(server: string, tool: string, hash: string): void {
    this.update((file) => {
      file.approvals = file.approvals.filter((queued) => !(queued.server === server && queued.tool === tool));
      file.approvals.push({ server, tool, hash, queued_at: Date.now() });
    });
  }

  /**
   * Removes queued approvals that `settle` says are done (applied or no longer applicable); returns how many are
   * left. Writes only when something settled: the agent calls this on every change of the folder it watches.
   */
  settleApprovals(settle: (queued: QueuedApproval) => boolean): number {
    if (this.read().approvals.length === 0) return 0;
    return withFileLock(this.path, () => {
      const file = this.read();
      const left = file.approvals.filter((queued) => !settle(queued));
      if (left.length !== file.approvals.length) writePrivateFile(this.path, `${JSON.stringify({ ...file, approvals: left }, null, 2)}\n`);
      return left.length;
    });
  }

  /** Forgets a server's pins and queued approvals (the server left config.json). The only place this is done. */
  forget(server: string): void {
    if (!existsSync(this.path)) return;
    this.update((file) => {
      delete file.pins[server];
      file.approvals = file.approvals.filter((queued) => queued.server !== server);
    });
  }
}

/**
 * The bridge's PinStore over the pins file. It answers from memory, since the running agent is the only writer of
 * pins (the CLI only queues approvals in the same file, and `hearth mcp remove` only edits config.json: the bridge
 * forgets a server that leaves it, and the agent's next start one that left while it was stopped). Every change is
 * written through. A damaged file is never overwritten: `broken` says why, changes stay in memory and are logged,
 * and `reload()` picks the file up again once the user has fixed it.
 */
export class FilePinStore implements PinStore {
  readonly #file: PinsFileStore;
  readonly #log: Logger;
  readonly #pins = new Map<string, Map<string, PinnedTool>>();
  #broken: string | null = null;

  constructor(file: PinsFileStore, log: Logger) {
    this.#file = file;
    this.#log = log;
    this.reload();
  }

  /** Why the file cannot be read (with the fix), or null. */
  get broken(): string | null {
    return this.#broken;
  }

  /** Reads the file again; returns whether it is readable. */
  reload(): boolean {
    try {
      const pins = this.#file.read().pins;
      this.#pins.clear();
      for (const [server, tools] of Object.entries(pins)) this.#pins.set(server, new Map(Object.entries(tools)));
      this.#broken = null;
      return true;
    } catch (error) {
      if (!(error instanceof McpStoreError)) throw error;
      this.#broken = error.message;
      return false;
    }
  }

  pinsOf(server: string): Record<string, PinnedTool> {
    return Object.fromEntries(this.#pins.get(server) ?? []);
  }

  /** The servers that have pins (to forget those no longer configured). */
  servers(): string[] {
    return [...this.#pins.keys()];
  }

  pin(server: string, tool: string, pin: PinnedTool): void {
    const tools = this.#pins.get(server) ?? new Map<string, PinnedTool>();
    tools.set(tool, pin);
    this.#pins.set(server, tools);
    this.#write(`pin ${server}.${tool}`, () =>
      this.#file.update((file) => {
        file.pins[server] = { ...(own(file.pins, server) ?? {}), ...Object.fromEntries([[tool, pin]]) };
      }),
    );
  }

  forget(server: string): void {
    this.#pins.delete(server);
    this.#write(`forget ${server}`, () => this.#file.forget(server));
  }

  #write(what: string, write: () => void): void {
    if (this.#broken !== null) {
      this.#log.error("mcp.pins_unsaved", `Did not save the MCP pins (${what}): ${this.#broken}`);
      return;
    }
    try {
      write();
    } catch (error) {
      this.#log.error("mcp.pins_unsaved", `Could not save the MCP pins (${what}); it holds until the agent stops: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** The pending file: servers asked for from the web app. */
export class PendingStore {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** Every pending request by name. Throws McpStoreError when the file is damaged. */
  list(): Record<string, PendingRequest> {
    return this.#read().pending;
  }

  /** One pending request, or undefined. */
  get(name: string): PendingRequest | undefined {
    return own(this.list(), name);
  }

  /** Records (or replaces) a request. */
  add(name: string, request: PendingRequest): void {
    this.#update((file) => {
      file.pending = { ...file.pending, ...Object.fromEntries([[name, request]]) };
    });
  }

  /** Removes a request; returns it, or undefined when there was none. */
  remove(name: string): PendingRequest | undefined {
    if (!existsSync(this.path)) return undefined;
    return this.#update((file) => {
      const request = own(file.pending, name);
      if (request) delete file.pending[name];
      return request;
    });
  }

  #read(): PendingFile {
    return readFile(this.path, PendingFile, { version: 1, pending: {} }, `Fix it, or delete it to drop the requests (ask for the servers again from the web app, or add them with \`${hearthCommand()} mcp add\`).`);
  }

  #update<T>(change: (file: PendingFile) => T): T {
    return updateFile(this.path, () => this.#read(), change);
  }
}
