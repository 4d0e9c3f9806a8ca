import { getContext, setContext } from "svelte";
import { SvelteMap, SvelteSet } from "svelte/reactivity";
import ReconnectingWebSocket from "partysocket/ws";
import type { BrowserFrame, CommandView, DeviceView, PermissionRequestView, RelayToBrowserFrame } from "#protocol";
import { permissionRequests } from "#lib/permissions/api.ts";

/** The browser socket's defaults, in one place (partysocket's own names for its options). */
export const RELAY_DEFAULTS = {
  path: "/api/relay",
  /** The relay answers `HEARTBEAT_PING` without waking; the brief asks for about every 30 s. */
  heartbeatMs: 30_000,
  /** No `HEARTBEAT_PONG` this long after a ping means the socket is dead even if the browser has not noticed. */
  heartbeatTimeoutMs: 10_000,
  minReconnectionDelay: 1_000,
  maxReconnectionDelay: 15_000,
  reconnectionDelayGrowFactor: 1.5,
  connectionTimeout: 6_000,
  /** Frames sent while disconnected are dropped: typing and pings are stale by the time we are back. */
  maxEnqueuedMessages: 0,
  /** Command updates kept for pages that open later; older ones are reloaded from the API anyway. */
  maxCommands: 300,
} as const;

export type RelayState = "idle" | "connecting" | "open" | "reconnecting";
type Listener = (frame: RelayToBrowserFrame) => void;
type Frames = typeof import("./relay-frames.ts");

/**
 * The one live socket to the user's relay, shared by every signed-in page. It reconnects on its own, keeps the
 * latest device status, command updates and open permission prompts as reactive maps, and lets pages hear raw frames.
 */
export class Relay {
  state = $state<RelayState>("idle");
  readonly connected = $derived(this.state === "open");
  /** Every device the browser has heard of, by id; agent_status frames keep it live. */
  readonly devices = new SvelteMap<string, DeviceView>();
  /** The latest state of each command that changed while this tab was open, by id. */
  readonly commands = new SvelteMap<string, CommandView>();
  /** Permission requests still waiting for an answer, by id. */
  readonly prompts = new SvelteMap<string, PermissionRequestView>();
  /** Prompts a page shows in place (a chat reply); the prompt overlay leaves those out. */
  readonly inlinePrompts = new SvelteSet<string>();
  /** Why the relay last closed this tab's socket for sending too much (it reconnects by itself), if it did. */
  shedBecause = $state<string | null>(null);

  /** The page this tab shows while visible, null while hidden: what the relay counts as seen (see `setViewing`). */
  #viewing: string | null = null;
  #socket: ReconnectingWebSocket | null = null;
  /** The frames' schemas and constants (relay-frames.ts), loaded by `start` before the socket opens. */
  #frames: Frames | null = null;
  #starting = false;
  #retryLoad: ReturnType<typeof setTimeout> | undefined;
  #listeners = new Set<Listener>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #pongDeadline: ReturnType<typeof setTimeout> | undefined;
  #everOpened = false;

  /**
   * Opens the socket (once); call when the user is signed in. The frames' schemas load first (a chunk with zod),
   * so every frame that arrives is parsed, and nothing is sent, before the socket is open with them in hand. If
   * they cannot load (offline), it tries again after the longest reconnect delay, as the socket itself would.
   */
  start(): void {
    if (this.#socket || this.#starting) return;
    this.#starting = true;
    this.state = "connecting";
    import("./relay-frames.ts").then(
      (frames) => {
        if (!this.#starting) return; // stopped meanwhile
        this.#starting = false;
        this.#frames = frames;
        this.#open();
      },
      () => {
        if (!this.#starting) return;
        this.#starting = false;
        this.#retryLoad = setTimeout(() => this.start(), RELAY_DEFAULTS.maxReconnectionDelay);
      },
    );
  }

  #open(): void {
    const url = () => `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${RELAY_DEFAULTS.path}`;
    const socket = new ReconnectingWebSocket(url, [], {
      minReconnectionDelay: RELAY_DEFAULTS.minReconnectionDelay,
      maxReconnectionDelay: RELAY_DEFAULTS.maxReconnectionDelay,
      reconnectionDelayGrowFactor: RELAY_DEFAULTS.reconnectionDelayGrowFactor,
      connectionTimeout: RELAY_DEFAULTS.connectionTimeout,
      maxEnqueuedMessages: RELAY_DEFAULTS.maxEnqueuedMessages,
    });
    socket.addEventListener("open", () => this.#opened());
    socket.addEventListener("close", () => this.#closed());
    socket.addEventListener("message", (event) => this.#receive(event.data));
    this.#socket = socket;
  }

  /** Closes the socket for good (sign-out) and forgets everything it heard. */
  stop(): void {
    this.#starting = false;
    clearTimeout(this.#retryLoad);
    this.#stopHeartbeat();
    this.#socket?.close(1000, "signed out");
    this.#socket = null;
    this.#everOpened = false;
    this.state = "idle";
    this.devices.clear();
    this.commands.clear();
    this.prompts.clear();
  }

  /** Sends a frame if the socket is open; returns whether it went. */
  send(frame: BrowserFrame): boolean {
    if (this.state !== "open" || !this.#socket) return false;
    return this.#socket.send(JSON.stringify(frame));
  }

  /**
   * Tells the relay which page this tab shows while it is visible (null when hidden), now and after every
   * reconnect: a notification about what a visible tab shows is stored read and raises no toast.
   */
  setViewing(path: string | null): void {
    if (path === this.#viewing) return;
    this.#viewing = path;
    this.#sendViewing();
  }

  #sendViewing(): void {
    // No frames module yet means no open socket either: #opened sends the page once it is.
    if (this.#frames) this.send(this.#frames.fromBrowser("viewing", crypto.randomUUID(), { path: this.#viewing }));
  }

  /**
   * Hears every valid frame from the relay. Returns the unsubscribe function, so it fits `$effect`.
   * @example $effect(() => relay.subscribe((frame) => { if (frame.type === "notification") … }));
   */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Merges devices loaded from the API; a live frame already heard wins, except that revoked is final. */
  rememberDevices(list: readonly DeviceView[]): void {
    for (const device of list) {
      const known = this.devices.get(device.id);
      if (!known || device.status === "revoked") this.devices.set(device.id, device);
    }
  }

  /** Records a device the API just changed (a revoke). */
  updateDevice(device: DeviceView): void {
    this.devices.set(device.id, device);
  }

  /** Records a command the API just returned, unless a newer update already arrived. */
  rememberCommand(command: CommandView): void {
    const known = this.commands.get(command.id);
    if (known && known.updated_at > command.updated_at) return;
    this.commands.set(command.id, command);
    if (this.commands.size > RELAY_DEFAULTS.maxCommands) {
      const oldest = this.commands.keys().next();
      if (!oldest.done) this.commands.delete(oldest.value);
    }
  }

  /** Drops a prompt once it is answered (here, or by the server's answer). */
  settlePrompt(id: string): void {
    this.prompts.delete(id);
  }

  /** A device's name for messages, or a neutral stand-in before the devices are known. */
  deviceName(id: string | null): string {
    if (!id) return "All devices";
    return this.devices.get(id)?.name ?? "Your device";
  }

  #opened(): void {
    this.state = "open";
    this.#everOpened = true;
    this.#startHeartbeat();
    // A new socket is a new connection on the relay, which knows nothing of what this tab shows yet.
    if (this.#viewing !== null) this.#sendViewing();
    void this.#loadPendingPrompts();
  }

  #closed(): void {
    this.#stopHeartbeat();
    if (!this.#socket) return;
    // Device statuses stay as last heard (the header says "Reconnecting…"); the relay sends them all again on reconnect.
    this.state = this.#everOpened ? "reconnecting" : "connecting";
  }

  #receive(data: unknown): void {
    const frames = this.#frames;
    if (typeof data !== "string" || !frames) return;
    if (data === frames.HEARTBEAT_PONG) {
      clearTimeout(this.#pongDeadline);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const parsed = frames.RelayToBrowserFrame.safeParse(json);
    if (!parsed.success) return;
    const frame = parsed.data;
    switch (frame.type) {
      case "error":
        if (frame.code === "rate_limited") {
          this.shedBecause = frame.message;
          console.warn(`Hearth: ${frame.message}`);
        }
        break;
      case "agent_status":
        this.devices.set(frame.device.id, frame.device);
        break;
      case "command_update":
        this.rememberCommand(frame.command);
        break;
      case "command_updates":
        for (const command of frame.commands) this.rememberCommand(command);
        break;
      case "permission_prompt":
        if (frame.request.status === "pending") this.prompts.set(frame.request.id, frame.request);
        else this.prompts.delete(frame.request.id);
        break;
    }
    for (const listener of this.#listeners) listener(frame);
  }

  /** Prompts that arrived while this tab was closed or disconnected; the API is the record. */
  async #loadPendingPrompts(): Promise<void> {
    const askedAt = Date.now();
    try {
      const pending = await permissionRequests.pending();
      const open = new Set(pending.map((request) => request.id));
      for (const request of pending) this.prompts.set(request.id, request);
      // One not in the answer was settled elsewhere, unless it arrived as a frame after we asked.
      for (const [id, request] of this.prompts) if (!open.has(id) && request.created_at < askedAt) this.prompts.delete(id);
    } catch {
      // The live frames still arrive; the next reconnect tries again.
    }
  }

  #startHeartbeat(): void {
    this.#stopHeartbeat();
    this.#heartbeat = setInterval(() => {
      if (!this.#socket || !this.#frames || this.state !== "open") return;
      this.#socket.send(this.#frames.HEARTBEAT_PING);
      clearTimeout(this.#pongDeadline);
      this.#pongDeadline = setTimeout(() => this.#socket?.reconnect(4000, "heartbeat timeout"), RELAY_DEFAULTS.heartbeatTimeoutMs);
    }, RELAY_DEFAULTS.heartbeatMs);
  }

  #stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
    clearTimeout(this.#pongDeadline);
  }
}

const KEY = Symbol("relay");

export function setRelay(relay: Relay): Relay {
  return setContext(KEY, relay);
}

export function getRelay(): Relay {
  return getContext<Relay>(KEY);
}
