import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import WebSocket from "ws";
import { LOCAL_PROTOCOL_VERSION, LocalAgentFrame, MAX_FRAME_BYTES } from "#protocol";
import type { CommandOutcome, ConnectorDescriptor, Json } from "#protocol";
import { ConfigError, loadConfig } from "../home/config.ts";
import type { HomePaths } from "../home/paths.ts";
import { runningAgent } from "../home/status-file.ts";
import { hearthCommand } from "../invocation.ts";

/** What the running agent said when it let this client in. */
export type AgentWelcome = { device_id: string | null; connected: boolean; connectors: ConnectorDescriptor[]; agent_version: string };

/** The agent cannot be reached or refused this client; the message says how to fix it. */
export class AgentUnavailableError extends Error {}

/** What the agent asks the user about a command; `scope` is what the command acts on, when it has one. */
export type PermissionQuestion = { target: string; action: string; context: string; scope?: string };

/**
 * Told that the agent asks the user about a command (its rules say "ask"): the call now waits for that answer.
 * `cancel` asks the agent to take the question back; the command then ends failed (nothing ran), unless the answer
 * came first, in which case the command's own outcome follows as usual.
 */
export type OnPermissionRequest = (question: PermissionQuestion, cancel: () => void) => void;

export type AgentClientOptions = {
  paths: HomePaths;
  /** Who is connecting, as the agent's audit lines and the user's question will name it ("claude-code (MCP)"). */
  clientName: () => string;
  /** How long to wait for the socket and the welcome. */
  connectTimeoutMs?: number;
};

type Waiting = { onAsk: OnPermissionRequest; settle: (outcome: CommandOutcome) => void; cancel: () => void };

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * A client of the running agent's local endpoint (protocol/src/local.ts, v1), as `hearth mcp serve` uses it. It
 * never runs a connector itself: every command goes to the agent, which applies its rules, asks the user through
 * Hearth where they say "ask", and writes both audit logs. A dropped connection is opened again on the next call,
 * re-reading the agent's port and token (the agent may have restarted on another port).
 */
export class LocalAgentClient {
  readonly #options: AgentClientOptions;
  #socket: WebSocket | null = null;
  #welcome: AgentWelcome | null = null;
  /** Commands sent and not answered yet, by frame id. */
  readonly #waiting = new Map<string, Waiting>();
  /** `local_auth` frames sent and not welcomed yet, by frame id. */
  readonly #authing = new Map<string, { resolve: (welcome: AgentWelcome) => void; reject: (error: Error) => void }>();
  #opening: Promise<AgentWelcome> | null = null;

  constructor(options: AgentClientOptions) {
    this.#options = options;
  }

  /** The agent's welcome: the open connection's, or a new connection's. */
  async welcome(): Promise<AgentWelcome> {
    if (this.#welcome && this.#socket?.readyState === WebSocket.OPEN) return this.#welcome;
    this.#opening ??= this.#open().finally(() => (this.#opening = null));
    return this.#opening;
  }

  /** A fresh welcome (the agent's connectors may have changed since): authenticates again on the open connection. */
  async refresh(): Promise<AgentWelcome> {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return this.welcome();
    return this.#authenticate(socket);
  }

  /**
   * Runs one command on the agent and resolves with its outcome (a refusal is a `failed` outcome, never a throw).
   * Throws AgentUnavailableError only when the agent cannot be reached at all.
   */
  async run(target: string, action: string, parameters: Record<string, Json>, onAsk: OnPermissionRequest, signal?: AbortSignal): Promise<CommandOutcome> {
    await this.welcome();
    const socket = this.#socket;
    if (!socket) throw new AgentUnavailableError(notRunning());
    const id = `mcp-${randomUUID()}`;
    return new Promise<CommandOutcome>((resolve) => {
      const settle = (outcome: CommandOutcome) => {
        signal?.removeEventListener("abort", onAbort);
        this.#waiting.delete(id);
        resolve(outcome);
      };
      // The agent takes back only a question still waiting for the user; a command that runs, runs to its end.
      const cancel = () => {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ v: LOCAL_PROTOCOL_VERSION, type: "cancel", id: `cancel-${randomUUID()}`, ref: id }));
      };
      // The MCP client gave up on the call (its own cancel or timeout): no one reads the outcome any more.
      const onAbort = () => {
        cancel();
        settle({ status: "failed", error: { code: "interrupted", message: "The MCP client cancelled the call. If it was still waiting for the user's approval it will not run; if the agent had already started it, it runs to its end (see the audit log)." } });
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.set(id, { onAsk, settle, cancel });
      socket.send(JSON.stringify({ v: LOCAL_PROTOCOL_VERSION, type: "command", id, target, action, parameters }));
    });
  }

  /** Closes the connection; commands still waiting end as failed. */
  close(): void {
    this.#socket?.close(1000, "mcp serve stopping");
    this.#dropped("`hearth mcp serve` is stopping.");
  }

  async #open(): Promise<AgentWelcome> {
    const { port, token } = locateAgent(this.#options.paths);
    const socket = new WebSocket(`ws://127.0.0.1:${port}`, { maxPayload: MAX_FRAME_BYTES, handshakeTimeout: this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS });
    socket.on("error", () => {}); // an error is followed by "close", which is handled below
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", (error) => reject(new AgentUnavailableError(`${notRunning()} (${error.message})`)));
    });
    this.#socket = socket;
    socket.on("message", (data) => this.#onMessage(String(data)));
    socket.on("close", () => {
      if (this.#socket === socket) this.#socket = null;
      this.#welcome = null;
      this.#dropped("The connection to the Hearth agent closed (did it stop?). The call may or may not have run: check `hearth status` and the audit log.");
    });
    return this.#authenticate(socket, token);
  }

  #authenticate(socket: WebSocket, token: string = readToken(this.#options.paths)): Promise<AgentWelcome> {
    const id = `auth-${randomUUID()}`;
    return new Promise<AgentWelcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#authing.delete(id);
        reject(new AgentUnavailableError(`The Hearth agent did not answer in time. Check it with \`${hearthCommand()} status\`.`));
      }, this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
      const done = { resolve: (welcome: AgentWelcome) => (clearTimeout(timer), resolve(welcome)), reject: (error: Error) => (clearTimeout(timer), reject(error)) };
      this.#authing.set(id, done);
      socket.send(JSON.stringify({ v: LOCAL_PROTOCOL_VERSION, type: "local_auth", id, token, client: this.#options.clientName().slice(0, 80) }));
    });
  }

  #onMessage(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return;
    }
    const parsed = LocalAgentFrame.safeParse(json);
    if (!parsed.success) return;
    const frame = parsed.data;
    switch (frame.type) {
      case "local_welcome": {
        const welcome: AgentWelcome = { device_id: frame.device_id, connected: frame.connected, connectors: frame.connectors, agent_version: frame.agent_version };
        this.#welcome = welcome;
        this.#authing.get(frame.ref)?.resolve(welcome);
        this.#authing.delete(frame.ref);
        return;
      }
      case "permission_request": {
        const waiting = this.#waiting.get(frame.ref);
        waiting?.onAsk({ target: frame.target, action: frame.action, context: frame.context, ...(frame.scope === undefined ? {} : { scope: frame.scope }) }, waiting.cancel);
        return;
      }
      case "result":
        this.#waiting.get(frame.ref)?.settle(frame.outcome);
        return;
      case "error": {
        if (frame.ref === undefined) return;
        const auth = this.#authing.get(frame.ref);
        if (auth) {
          this.#authing.delete(frame.ref);
          const message = frame.code === "unauthenticated" ? `The Hearth agent refused the local token: ${frame.message} If the agent was set up again, restart \`hearth mcp serve\` (your MCP client does this when you restart it).` : frame.message;
          return auth.reject(new AgentUnavailableError(message));
        }
        this.#waiting.get(frame.ref)?.settle({ status: "failed", error: { code: frame.code, message: frame.message } });
        return;
      }
      case "ack":
      case "pong":
        return;
    }
  }

  #dropped(why: string): void {
    for (const [, waiting] of this.#waiting) waiting.settle({ status: "failed", error: { code: "interrupted", message: why } });
    for (const [, auth] of this.#authing) auth.reject(new AgentUnavailableError(why));
    this.#authing.clear();
  }
}

/** The running agent's local port and token, or an AgentUnavailableError that says what to do. */
function locateAgent(paths: HomePaths): { port: number; token: string } {
  const hearth = hearthCommand();
  if (!existsSync(paths.credentials)) throw new AgentUnavailableError(`This computer is not paired with Hearth yet. Run \`${hearth} pair --server https://your-hearth-server\`, then \`${hearth} start\`.`);
  const status = runningAgent(paths.status);
  if (!status) throw new AgentUnavailableError(notRunning());
  if (status.local_port === null) {
    if (!localEndpointEnabled(paths)) throw new AgentUnavailableError(`The Hearth agent's local endpoint is off. Set "local_endpoint": {"enabled": true} in ${paths.config} and restart the agent.`);
    throw new AgentUnavailableError(`The Hearth agent is still starting. Try again in a moment (\`${hearth} status\` shows when it is ready).`);
  }
  return { port: status.local_port, token: readToken(paths) };
}

function localEndpointEnabled(paths: HomePaths): boolean {
  try {
    return loadConfig(paths.config).config.local_endpoint.enabled;
  } catch (error) {
    if (error instanceof ConfigError) throw new AgentUnavailableError(error.message);
    throw error;
  }
}

function readToken(paths: HomePaths): string {
  try {
    return readFileSync(paths.localToken, "utf8").trim();
  } catch {
    throw new AgentUnavailableError(`${paths.localToken} is missing. Start the agent once with \`${hearthCommand()} start\`; it creates the token.`);
  }
}

function notRunning(): string {
  const hearth = hearthCommand();
  return `The Hearth agent is not running on this computer. Start it with \`${hearth} start\` (or keep it running with \`${hearth} service install\`), then try again.`;
}
