import ReconnectingWebSocket from "partysocket/ws";
import { HEARTBEAT_PING, MAX_FRAME_BYTES, RelayToAgentFrame } from "#protocol";
import type { ImportProfile, RefusedEvent } from "#protocol";
import type { z } from "zod";
import type { CloseEvent, ErrorEvent } from "partysocket/ws";
import { hearthCommand } from "../invocation.ts";
import { DEFAULT_OPTIONS } from "../defaults.ts";
import type { AgentOptions } from "../defaults.ts";
import type { Logger } from "../log.ts";
import { bearerWebSocket } from "./bearer-socket.ts";
import type { InboundCommand, InboundCommands, InboundPermissionUpdate, OutboundHello } from "./frames.ts";

/** Close code the relay uses when the device was revoked. */
export const CLOSE_REVOKED = 4001;
/** Close code the relay uses when the account this computer was paired with was deleted. */
export const CLOSE_ACCOUNT_DELETED = 4002;

export type LinkState = "connecting" | "connected" | "offline" | "stopped";

/** What the link hands to the rest of the agent. Every frame arrives parsed; malformed ones never get here. */
export type LinkHandlers = {
  /** `features`: what the relay will use on this connection (`welcome.features`). */
  onWelcome: (pending: number, features: readonly string[]) => void;
  onCommand: (frame: InboundCommand) => void;
  /** A `commands` frame (the relay took the `batch` feature this agent's hello names). */
  onCommands: (frame: InboundCommands) => void;
  /** `refused`: events of an activity frame the server would not store, with why. */
  onAck: (ref: string, refused: RefusedEvent[]) => void;
  onPermissionUpdate: (frame: InboundPermissionUpdate) => void;
  /** The user's import profiles (all of them): sent after `welcome` and whenever they change. */
  onImportProfiles?: (profiles: ImportProfile[]) => void;
  /** The relay refused the frame `ref` (an `error` frame naming it; the socket stays open), e.g. "send them again". */
  onRefused?: (ref: string, message: string) => void;
  onState?: (state: LinkState) => void;
  /** The server refused this device for good (token refused, or revoked): the agent must stop and pair again. */
  onFatal: (message: string) => void;
};

export type LinkConfig = {
  server: string;
  token: string;
  hello: () => OutboundHello;
  handlers: LinkHandlers;
  log: Logger;
  options?: Partial<AgentOptions>;
};

type WelcomeFrame = Extract<z.infer<typeof RelayToAgentFrame>, { type: "welcome" }>;

/** The WebSocket address of the agent endpoint for a server URL (`https://x` → `wss://x/api/agent`). */
export function agentSocketUrl(server: string): string {
  const url = new URL("/api/agent", server);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

/**
 * The agent's one socket to its user's relay. It reconnects with backoff and jitter, says `hello` first, waits for
 * `welcome`, then keeps the heartbeat: the exact HEARTBEAT_PING text, answered by HEARTBEAT_PONG. Nothing else is
 * sent before `welcome`, and nothing is buffered while offline: durable frames wait in the outbox instead.
 */
export class RelayLink {
  readonly #config: LinkConfig;
  readonly #options: AgentOptions;
  readonly #url: string;
  #socket: ReconnectingWebSocket | null = null;
  #state: LinkState = "offline";
  #welcomed = false;
  #helloId = "";
  #lastPong = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  #welcomeTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  /** The HTTP status of the last refused upgrade, to say more than "connection failed". */
  #refusedWith: number | null = null;

  constructor(config: LinkConfig) {
    this.#config = config;
    this.#options = { ...DEFAULT_OPTIONS, ...config.options };
    this.#url = agentSocketUrl(config.server);
  }

  /** The link's state, for status and logs. */
  get state(): LinkState {
    return this.#state;
  }

  /** Whether frames may be sent now: the socket is open and the relay has welcomed this agent. */
  ready(): boolean {
    return this.#welcomed && this.#socket?.readyState === ReconnectingWebSocket.OPEN;
  }

  /** Sends one frame's text if ready. Returns whether it went out; callers keep durable frames either way. */
  sendText(text: string): boolean {
    if (!this.ready() || !this.#socket) return false;
    return this.#socket.send(text);
  }

  /** Drops the current connection and opens a new one (a frame the agent could not keep is sent again after `hello`). */
  reconnect(): void {
    this.#welcomed = false;
    clearInterval(this.#heartbeat);
    this.#socket?.reconnect();
  }

  /** Opens the link; it keeps reconnecting until `stop()` or a fatal refusal. */
  start(): void {
    if (this.#socket) return;
    const options = this.#options;
    const socket = new ReconnectingWebSocket(() => this.#nextUrl(), undefined, {
      WebSocket: bearerWebSocket(this.#config.token, (status) => this.#onRejected(status)),
      minReconnectionDelay: options.minReconnectionDelay,
      maxReconnectionDelay: options.maxReconnectionDelay,
      reconnectionDelayGrowFactor: options.reconnectionDelayGrowFactor,
      minUptime: options.minUptime,
      connectionTimeout: options.connectionTimeout,
      // Frames sent while offline must not be replayed ahead of `hello`; the outbox does the remembering.
      maxEnqueuedMessages: 0,
      shouldReconnectOnClose: (event: CloseEvent) => event.code !== CLOSE_REVOKED && event.code !== CLOSE_ACCOUNT_DELETED,
    });
    this.#socket = socket;
    this.#setState("connecting");
    this.#config.log.info("link.connecting", `Connecting to ${this.#config.server} …`, { server: this.#config.server });
    socket.addEventListener("open", () => this.#onOpen());
    socket.addEventListener("message", (event: MessageEvent) => this.#onMessage(event.data));
    socket.addEventListener("close", (event: CloseEvent) => this.#onClose(event));
    socket.addEventListener("error", (event: ErrorEvent) => this.#onError(event));
  }

  /** Closes the link for good. */
  stop(): void {
    this.#clearTimers();
    this.#welcomed = false;
    this.#setState("stopped");
    this.#socket?.close(1000, "agent stopping");
  }

  async #nextUrl(): Promise<string> {
    const retry = this.#socket?.retryCount ?? 0;
    if (retry > 0) {
      // partysocket's backoff has no jitter; this adds up to `reconnectionJitter` of the delay it is about to wait.
      const { minReconnectionDelay: min, maxReconnectionDelay: max, reconnectionDelayGrowFactor: grow, reconnectionJitter } = this.#options;
      const delay = Math.min(max, min * grow ** (retry - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * reconnectionJitter * delay));
    }
    return this.#url;
  }

  #onOpen(): void {
    this.#welcomed = false;
    const hello = this.#config.hello();
    this.#helloId = hello.id;
    this.#socket?.send(JSON.stringify(hello));
    clearTimeout(this.#welcomeTimer);
    this.#welcomeTimer = setTimeout(() => {
      this.#config.log.warn("link.no_welcome", "The server did not answer hello in time; reconnecting.");
      this.#socket?.reconnect();
    }, this.#options.welcomeTimeout);
  }

  #onMessage(data: unknown): void {
    if (typeof data !== "string" || data.length > MAX_FRAME_BYTES) {
      this.#config.log.warn("link.bad_frame", "Ignored a frame that is not JSON text or is too large.");
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      this.#config.log.warn("link.bad_frame", "Ignored a frame that is not valid JSON.");
      return;
    }
    const parsed = RelayToAgentFrame.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.#config.log.warn("link.bad_frame", `Ignored a malformed frame (${issue?.path.join(".") || "frame"}: ${issue?.message ?? "invalid"}).`);
      return;
    }
    const frame = parsed.data;
    // One bad handler must not take the link down: log it and carry on with the next frame.
    try {
      switch (frame.type) {
        case "pong":
          this.#lastPong = Date.now();
          return;
        case "welcome":
          return this.#onWelcome(frame);
        case "error":
          if (frame.ref !== undefined && frame.ref === this.#helloId) {
            this.#fatal(`The server refused this agent's hello: ${frame.message}`);
            return;
          }
          this.#config.log.warn("link.error_frame", `The server refused a frame (${frame.code}): ${frame.message}`, { code: frame.code, ref: frame.ref ?? null });
          if (frame.ref !== undefined) this.#config.handlers.onRefused?.(frame.ref, frame.message);
          return;
        case "command":
          if (!this.#welcomed) return;
          return this.#config.handlers.onCommand(frame);
        case "commands":
          if (!this.#welcomed) return;
          return this.#config.handlers.onCommands(frame);
        case "ack":
          return this.#config.handlers.onAck(frame.ref, frame.refused ?? []);
        case "permission_update":
          return this.#config.handlers.onPermissionUpdate(frame);
        case "import_profiles":
          return this.#config.handlers.onImportProfiles?.(frame.profiles);
      }
    } catch (error) {
      this.#config.log.error("link.handler_failed", `Handling a ${frame.type} frame failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #onWelcome(frame: WelcomeFrame): void {
    clearTimeout(this.#welcomeTimer);
    this.#welcomed = true;
    this.#failures = 0;
    this.#setState("connected");
    this.#config.log.info("link.connected", `Connected to ${this.#config.server}${frame.pending > 0 ? `; ${frame.pending} command(s) waiting` : ""}.`, { pending: frame.pending });
    this.#startHeartbeat(frame.heartbeat_ms > 0 ? frame.heartbeat_ms : this.#options.heartbeatMs);
    this.#config.handlers.onWelcome(frame.pending, frame.features ?? []);
  }

  #startHeartbeat(intervalMs: number): void {
    clearInterval(this.#heartbeat);
    this.#lastPong = Date.now();
    this.#heartbeat = setInterval(() => {
      if (Date.now() - this.#lastPong > this.#options.missedHeartbeats * intervalMs) {
        this.#config.log.warn("link.heartbeat_lost", "No heartbeat answer from the server; reconnecting.");
        this.#welcomed = false;
        clearInterval(this.#heartbeat);
        this.#socket?.reconnect();
        return;
      }
      this.#socket?.send(HEARTBEAT_PING);
    }, intervalMs);
  }

  #onClose(event: CloseEvent): void {
    const wasWelcomed = this.#welcomed;
    this.#welcomed = false;
    this.#clearTimers();
    if (this.#state === "stopped") return;
    if (event.code === CLOSE_REVOKED) {
      this.#fatal(`This computer was removed from your Hearth account (device revoked). To connect it again, run \`${hearthCommand()} pair --server ${this.#config.server}\`.`);
      return;
    }
    if (event.code === CLOSE_ACCOUNT_DELETED) {
      this.#fatal(`This computer was unpaired: the Hearth account it belonged to was deleted. To use it with another account, run \`${hearthCommand()} pair --server ${this.#config.server}\` again.`);
      return;
    }
    this.#setState("offline");
    if (wasWelcomed) this.#config.log.warn("link.disconnected", `Disconnected (code ${event.code}${event.reason ? `, ${event.reason}` : ""}); reconnecting …`, { code: event.code });
  }

  #onError(event: ErrorEvent): void {
    if (this.#state === "stopped") return;
    this.#failures++;
    // Say it once per outage, then every tenth try, so a long outage does not flood the log.
    const why = this.#refusedWith === null ? event.message || "connection failed" : `the server answered HTTP ${this.#refusedWith}`;
    this.#refusedWith = null;
    if (this.#failures === 1 || this.#failures % 10 === 0) {
      this.#config.log.warn("link.unreachable", `Cannot reach ${this.#config.server} (${why}); retrying with backoff …`, { attempts: this.#failures });
    }
  }

  #onRejected(status: number): void {
    this.#refusedWith = status;
    if (status !== 401 && status !== 403) return;
    this.#fatal(`The server refused this computer's token (HTTP ${status}): it was revoked or has expired. Run \`${hearthCommand()} pair --server ${this.#config.server}\` to pair again.`);
  }

  #fatal(message: string): void {
    if (this.#state === "stopped") return;
    this.stop();
    this.#config.handlers.onFatal(message);
  }

  #setState(state: LinkState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#config.handlers.onState?.(state);
  }

  #clearTimers(): void {
    clearInterval(this.#heartbeat);
    clearTimeout(this.#welcomeTimer);
  }
}
