import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { PassThrough } from "node:stream";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

// MCP over a child's stdin/stdout, like the SDK's StdioClientTransport, with one difference: on POSIX the server
// runs in its own process group, and closing ends the whole group. A server is often wrapped (`npx -y …`, `uvx …`,
// `sh -c …`): the SDK's transport signals only the wrapper, so the real server, a grandchild, could outlive
// `hearth mcp remove` or the agent's stop. What must stay true: after `close()` resolves, nothing of the group is
// left running (stdin's end first, then SIGTERM, then SIGKILL).

/** How long a server has to exit on its own after its stdin ends, then after SIGTERM, before the next step. */
export const STOP_GRACE_MS = { afterStdinEnd: 1000, afterTerm: 2000 };

export type StdioServerProcess = { command: string; args: string[]; env: Record<string, string>; cwd?: string };

/** Whether signals go to a group (POSIX) rather than to the child alone (Windows has no process groups). */
const GROUPS = process.platform !== "win32";

/** A stdio transport whose server runs, and ends, as a process group. */
export class GroupStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** The server's stderr, there before `start()` so no early line is lost. */
  readonly stderr = new PassThrough();
  readonly #server: StdioServerProcess;
  readonly #readBuffer = new ReadBuffer();
  #child: ChildProcess | null = null;
  /** The group's id (the first child's pid), kept after the child exits: its own children may still run. */
  #pid: number | null = null;

  constructor(server: StdioServerProcess) {
    this.#server = server;
  }

  /** The server process's pid, once started. */
  get pid(): number | null {
    return this.#pid;
  }

  start(): Promise<void> {
    if (this.#child) throw new Error("The MCP server process was already started.");
    return new Promise((resolve, reject) => {
      const child = spawn(this.#server.command, this.#server.args, {
        env: this.#server.env,
        ...(this.#server.cwd ? { cwd: this.#server.cwd } : {}),
        stdio: ["pipe", "pipe", "pipe"],
        shell: false,
        windowsHide: true,
        detached: GROUPS,
      });
      this.#child = child;
      child.on("error", (error) => {
        reject(error);
        this.onerror?.(error);
      });
      child.on("spawn", () => {
        this.#pid = child.pid ?? null;
        resolve();
      });
      child.on("close", () => {
        if (this.#child === child) this.#child = null;
        this.onclose?.();
      });
      child.stdin?.on("error", (error) => this.onerror?.(error));
      child.stdout?.on("error", (error) => this.onerror?.(error));
      child.stdout?.on("data", (chunk: Buffer) => {
        try {
          this.#readBuffer.append(chunk);
          for (let message = this.#readBuffer.readMessage(); message !== null; message = this.#readBuffer.readMessage()) this.onmessage?.(message);
        } catch (error) {
          this.onerror?.(error instanceof Error ? error : new Error(String(error)));
          void this.close();
        }
      });
      child.stderr?.pipe(this.stderr);
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.#child?.stdin;
      if (!stdin) return reject(new Error("Not connected"));
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once("drain", resolve);
    });
  }

  /** Ends the server: its stdin first (the polite way), then SIGTERM to the group, then SIGKILL. */
  async close(): Promise<void> {
    const child = this.#child;
    const pid = this.#pid;
    this.#child = null;
    this.#pid = null;
    this.#readBuffer.clear();
    if (pid === null) return;
    try {
      child?.stdin?.end();
    } catch {
      // The pipe is already gone.
    }
    if (await gone(pid, STOP_GRACE_MS.afterStdinEnd)) return;
    signal(pid, "SIGTERM");
    if (await gone(pid, STOP_GRACE_MS.afterTerm)) return;
    signal(pid, "SIGKILL");
  }
}

/** Sends a signal to the group (or, on Windows, the process); a group that is gone is fine. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(GROUPS ? -pid : pid, name);
  } catch {
    // Already gone.
  }
}

/** Whether any process of the group is still there (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(GROUPS ? -pid : pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until the group is gone, up to `ms`; whether it is. */
async function gone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, 25).unref());
  }
  return true;
}
