import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, ListRootsRequestSchema, McpError, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { McpServerSpec, McpServerStatus } from "#protocol";
import type { Sandbox } from "../connectors/sandbox.ts";
import type { Logger } from "../log.ts";
import { describeSpec, redactor } from "./display.ts";
import { GroupStdioTransport } from "./stdio-transport.ts";

// One MCP server's life: connect (spawn or HTTP), list its tools, follow `tools/list_changed`, and come back with
// backoff when it exits or drops. It knows nothing of pins or actions: the bridge reads `tools` after `onTools`.

/** Restart delays: the first, doubled per failure up to the most; a run of `resetAfterMs` starts over at the first. */
export const DEFAULT_BACKOFF = { firstMs: 1000, maxMs: 5 * 60_000, resetAfterMs: 60_000 };
const STDERR_LINES = 20;
/** At most this many stderr lines a minute reach the agent's log per server, so a chatty server cannot flood it. */
const STDERR_LOG_PER_MINUTE = 300;
const MAX_TOOLS = 200;
const LIST_TIMEOUT_MS = 30_000;

export type ConnectionOptions = {
  name: string;
  spec: McpServerSpec;
  sandbox: Sandbox;
  log: Logger;
  agentVersion: string;
  backoff: { firstMs: number; maxMs: number };
  /** The state or error changed. */
  onState: () => void;
  /** A new listing of the tools arrived (the first after a connect, or after `tools/list_changed`). */
  onTools: (tools: Tool[]) => void;
};

type State = McpServerStatus["state"];

/** A running or retrying connection to one MCP server. */
export class McpConnection {
  readonly name: string;
  readonly spec: McpServerSpec;
  state: State = "stopped";
  restarts = 0;
  nextRetryAt: number | null = null;
  readonly #options: ConnectionOptions;
  readonly #redact: (text: string) => string;
  #client: Client | null = null;
  #transport: GroupStdioTransport | StreamableHTTPClientTransport | null = null;
  /** Bumped on every connect and stop, so the callbacks of an old connection are ignored. */
  #generation = 0;
  #stopped = true;
  #timer: NodeJS.Timeout | null = null;
  #delayMs: number;
  #connectedAt = 0;
  /** The last stderr lines of the current (or last) process; each process gets its own array. */
  #stderr: string[] = [];
  /** Why the server is down: the reason, and the stderr lines of the process that died (still filling as its pipe drains). */
  #failure: { reason: string; stderr: string[] } | null = null;
  #logged = { minute: 0, lines: 0 };
  #listing: Promise<void> | null = null;
  #listAgain = false;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.name = options.name;
    this.spec = options.spec;
    this.#delayMs = options.backoff.firstMs;
    this.#redact = redactor(options.spec);
  }

  /** What runs, as shown to the user (no secrets). */
  get display(): string {
    return describeSpec(this.spec);
  }

  /**
   * Why it failed or is restarting, with the dead process's last stderr lines. Read when asked, because a process's
   * exit is often seen before the last of its stderr is: the lines that explain a crash come in just after it.
   */
  get error(): string | null {
    if (!this.#failure) return null;
    const tail = this.#failure.stderr.join("\n");
    return this.#redact(`${this.#failure.reason}${tail ? `\n${tail}` : ""}`).slice(-2000);
  }

  get transportKind(): "stdio" | "http" {
    return "command" in this.spec ? "stdio" : "http";
  }

  /** Starts (or restarts) the connection. */
  start(): void {
    this.#stopped = false;
    void this.#connect();
  }

  /** Calls a tool on the live connection. */
  async callTool(name: string, args: Record<string, unknown>, timeoutMs: number): Promise<CallToolResult> {
    const client = this.#client;
    if (!client || this.state !== "running") throw new Error(`the server is ${this.state}, not running`);
    const generation = this.#generation;
    let result: Awaited<ReturnType<Client["callTool"]>>;
    try {
      result = await client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs, resetTimeoutOnProgress: false, maxTotalTimeout: timeoutMs });
    } catch (error) {
      // A Streamable HTTP server that went away is only noticed when a request fails (there is no process to
      // watch): anything but the server's own JSON-RPC answer (or our timeout) means the connection is gone.
      const answered = error instanceof McpError && error.code !== ErrorCode.ConnectionClosed;
      if (!answered) this.#failed(generation, error);
      throw error;
    }
    // The SDK's compatibility type allows the old `toolResult` shape; Hearth reads only the current one.
    if (!("content" in result) || !Array.isArray(result.content)) throw new Error("the server answered with an old (pre-2025) tool result, which Hearth does not read");
    return { ...result, content: result.content };
  }

  /** Stops for good: no restart. A stdio server's process group gets a second after its stdin ends, then SIGTERM, then (2 s on) SIGKILL. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#generation += 1;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.state = "stopped";
    this.nextRetryAt = null;
    await this.#close();
  }

  async #connect(): Promise<void> {
    const generation = ++this.#generation;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#close();
    if (generation !== this.#generation) return;
    this.state = "starting";
    this.nextRetryAt = null;
    this.#options.onState();
    const client = new Client({ name: "hearth-agent", version: this.#options.agentVersion }, { capabilities: { roots: { listChanged: true } } });
    // The servers may look only where the filesystem connector may: its roots are the MCP roots.
    client.setRequestHandler(ListRootsRequestSchema, async () => ({
      roots: this.#options.sandbox.roots.map((root) => ({ uri: pathToFileURL(root).href, name: basename(root) || root })),
    }));
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      if (generation === this.#generation) this.#relist(client, generation);
    });
    // While connecting, a close rejects the pending requests, so the catch below reports it with its reason.
    let closed = false;
    client.onclose = () => {
      closed = true;
      if (this.state === "running") this.#failed(generation, null);
    };
    const transport = this.#makeTransport();
    this.#client = client;
    this.#transport = transport;
    try {
      await client.connect(transport);
      if (generation !== this.#generation) return;
      await this.#list(client, generation);
      if (generation !== this.#generation) return;
      if (closed) throw new Error("the connection closed right after it opened");
      this.state = "running";
      this.#failure = null;
      this.#connectedAt = Date.now();
      this.#options.log.info("mcp.started", `MCP server ${this.name} is running.`, { server: this.name });
      this.#options.onState();
    } catch (error) {
      this.#failed(generation, error);
    }
  }

  #makeTransport(): GroupStdioTransport | StreamableHTTPClientTransport {
    const spec = this.spec;
    if ("command" in spec) {
      const transport = new GroupStdioTransport({
        command: spec.command,
        args: spec.args,
        env: { ...getDefaultEnvironment(), ...spec.env },
        ...(spec.cwd ? { cwd: spec.cwd } : {}),
      });
      this.#stderr = [];
      let partial = "";
      // Decoded by the stream, so a character split across two chunks is not broken into U+FFFD.
      transport.stderr.setEncoding("utf8");
      transport.stderr.on("data", (chunk: string) => {
        const lines = (partial + chunk).split(/\r?\n/);
        partial = lines.pop() ?? "";
        if (partial.length > 4000) {
          lines.push(partial);
          partial = "";
        }
        for (const raw of lines) this.#stderrLine(raw);
      });
      return transport;
    }
    const url = new URL(spec.url);
    const headers: Record<string, string> = { ...spec.headers };
    // fetch refuses a URL with credentials in it: they go in the Authorization header instead.
    if (url.username || url.password) {
      headers.Authorization ??= `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
      url.username = "";
      url.password = "";
    }
    return new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  }

  #stderrLine(raw: string): void {
    const line = this.#redact(raw.trimEnd()).slice(0, 1000);
    if (!line) return;
    this.#stderr.push(line);
    if (this.#stderr.length > STDERR_LINES) this.#stderr.shift();
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== this.#logged.minute) this.#logged = { minute, lines: 0 };
    this.#logged.lines += 1;
    if (this.#logged.lines <= STDERR_LOG_PER_MINUTE) this.#options.log.info("mcp.stderr", `[${this.name}] ${line}`, { server: this.name });
    else if (this.#logged.lines === STDERR_LOG_PER_MINUTE + 1) this.#options.log.warn("mcp.stderr", `[${this.name}] writes more than ${STDERR_LOG_PER_MINUTE} lines a minute; the rest of this minute's are left out of the log.`, { server: this.name });
  }

  /** Lists every page of tools, then hands the listing to the bridge. */
  async #list(client: Client, generation: number): Promise<void> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? undefined : { cursor }, { timeout: LIST_TIMEOUT_MS });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor !== undefined && tools.length < MAX_TOOLS);
    if (generation !== this.#generation) return;
    if (tools.length > MAX_TOOLS) this.#options.log.warn("mcp.tools", `MCP server ${this.name} lists more than ${MAX_TOOLS} tools; only the first ${MAX_TOOLS} are offered.`, { server: this.name });
    this.#options.onTools(tools.slice(0, MAX_TOOLS));
  }

  /** `tools/list_changed`: lists again, one listing at a time, the last notification always followed by a listing. */
  #relist(client: Client, generation: number): void {
    if (this.#listing) {
      this.#listAgain = true;
      return;
    }
    this.#listing = (async () => {
      do {
        this.#listAgain = false;
        try {
          await this.#list(client, generation);
        } catch (error) {
          this.#options.log.warn("mcp.tools", `MCP server ${this.name} said its tools changed, but listing them failed: ${this.#redact(String(error))}`, { server: this.name });
        }
      } while (this.#listAgain && generation === this.#generation);
      this.#listing = null;
    })();
  }

  /** The connection ended or never came up: report why and come back later (even a missing program may be installed). */
  #failed(generation: number, error: unknown): void {
    if (generation !== this.#generation || this.#stopped) return;
    this.#generation += 1;
    const ranMs = this.state === "running" ? Date.now() - this.#connectedAt : 0;
    if (ranMs >= DEFAULT_BACKOFF.resetAfterMs) this.#delayMs = this.#options.backoff.firstMs;
    const missing = error instanceof Error && "code" in error && error.code === "ENOENT" && "command" in this.spec;
    const closed = !error || (error instanceof McpError && error.code === ErrorCode.ConnectionClosed);
    const ended = `${this.transportKind === "stdio" ? "The server exited" : "The connection closed"}${this.state === "running" ? "" : " before it finished starting"}.`;
    const why = missing
      ? `The program "${"command" in this.spec ? this.spec.command : ""}" was not found. Install it, or fix "command" of mcp_servers.${this.name} in config.json (use a full path if it is not on the agent's PATH).`
      : closed
        ? ended
        : `${this.state === "running" ? "The connection failed" : "It could not be started"}: ${error instanceof Error ? error.message : String(error)}`;
    this.#failure = { reason: why, stderr: this.#stderr };
    // Still `restarting` when the program is missing: it is tried again (it may be installed meanwhile), and the
    // error says what to fix. `failed` would contradict the next try the status shows.
    this.state = "restarting";
    this.restarts += 1;
    const delay = this.#delayMs;
    this.#delayMs = Math.min(this.#delayMs * 2, this.#options.backoff.maxMs);
    this.nextRetryAt = Date.now() + delay;
    this.#options.log.warn("mcp.down", `MCP server ${this.name} is down; retrying in ${Math.round(delay / 1000)} s. ${this.error}`, { server: this.name });
    void this.#close();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (!this.#stopped) void this.#connect();
    }, delay);
    this.#timer.unref();
    this.#options.onState();
  }

  async #close(): Promise<void> {
    const client = this.#client;
    const transport = this.#transport;
    this.#client = null;
    this.#transport = null;
    if (!client) return;
    client.onclose = undefined;
    // A stdio server's whole process group is ended by its transport (stdin's end, SIGTERM, SIGKILL); an HTTP
    // session is told it is over. Also when the server already exited: what it started may still run.
    await client.close().catch(() => {});
    if (transport instanceof GroupStdioTransport) await transport.close();
  }
}
