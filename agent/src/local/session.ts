import { randomUUID } from "node:crypto";
import type { RawData, WebSocket } from "ws";
import { DesignClientFrame, LOCAL_PROTOCOL_VERSION, LocalClientFrame, checkActivityEvent, designCommand, designResponse } from "#protocol";
import type { ActivityEvent, ActivityType, ConnectorDescriptor, ErrorCode, Failure, Json, LocalAgentFrame, RefusedEvent } from "#protocol";
import { tokensEqual } from "../home/local-token.ts";
import type { Logger } from "../log.ts";
import type { Executor } from "../runtime/executor.ts";
import type { PermissionQuestion } from "../runtime/permission-asker.ts";

/** What a local session needs from the agent. */
export type SessionDeps = {
  token: string;
  tokenPath: string;
  executor: Executor;
  recordActivity: (events: ActivityEvent[]) => void;
  describe: () => { device_id: string | null; connected: boolean; connectors: ConnectorDescriptor[]; agent_version: string };
  log: Logger;
};

/** Close code for a wrong token (policy violation). */
export const CLOSE_UNAUTHENTICATED = 1008;

/**
 * One local client's connection. It speaks two dialects, chosen per frame: v1 (`{v: 1, type, id, …}`) and the
 * original design's (no `v`: `{type, data}`, answered by `{success, data, error, executionTime}`), so the
 * design's own Python client works unchanged. Authentication is the `local-token` file either way: its content
 * as `Authorization: Bearer …` on the upgrade, or a v1 `local_auth` frame.
 */
export class LocalSession {
  readonly #ws: WebSocket;
  readonly #deps: SessionDeps;
  #authenticated: boolean;
  /** The client's own name from `local_auth`, for the logs, the audit lines and the question to the user. */
  #client: string | null = null;
  /** Activity types this client registered a listener for (the design's `register_listener`). */
  readonly listeners = new Set<ActivityType>();
  /** v1 commands not answered yet, by frame id; `withdraw` is set while one waits for the user's answer. */
  readonly #inProgress = new Map<string, { withdraw: (() => boolean) | null }>();

  constructor(ws: WebSocket, deps: SessionDeps, authenticated: boolean) {
    this.#ws = ws;
    this.#deps = deps;
    this.#authenticated = authenticated;
  }

  get authenticated(): boolean {
    return this.#authenticated;
  }

  /** Handles one message; never throws. */
  onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) return this.#refuse("bad_request", "Send frames as JSON text, not binary.");
    let json: unknown;
    try {
      json = JSON.parse(rawText(data));
    } catch {
      return this.#refuse("malformed_json", "The frame is not valid JSON. Send one JSON object per message.");
    }
    // A frame with no `v` is the design's dialect.
    if (typeof json === "object" && json !== null && !Array.isArray(json) && !("v" in json)) return this.#onDesignFrame(json);
    this.#onV1Frame(json);
  }

  /** Sends an activity event to this client if it registered a listener for its type (the design's shape). */
  publish(event: ActivityEvent): void {
    if (this.#authenticated && this.listeners.has(event.activity_type)) this.#sendJson({ type: "activity", data: event });
  }

  // ── v1 ─────────────────────────────────────────────────────────────────────────────────────

  #onV1Frame(json: unknown): void {
    const parsed = LocalClientFrame.safeParse(json);
    const ref = typeof json === "object" && json !== null && "id" in json && typeof json.id === "string" ? json.id : undefined;
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const code: ErrorCode = issue?.path[0] === "type" ? "unknown_frame" : "validation_failed";
      return this.#refuse(code, `The frame is not valid${issue?.path.length ? ` at ${issue.path.join(".")}` : ""}: ${issue?.message ?? "unknown problem"}. Frames are local_auth, command, cancel, activity and ping.`, ref);
    }
    const frame = parsed.data;
    if (frame.type === "local_auth") {
      if (!tokensEqual(this.#deps.token, frame.token)) {
        this.#deps.log.warn("local.bad_token", "A local program sent a wrong token; closed its connection.");
        this.#refuse("unauthenticated", `Wrong token. Use the token in ${this.#deps.tokenPath}.`, frame.id);
        this.#ws.close(CLOSE_UNAUTHENTICATED, "wrong token");
        return;
      }
      this.#authenticated = true;
      this.#client = clientName(frame.client) ?? this.#client;
      this.#deps.log.info("local.connected", `${this.#client ?? "A local client"} connected to the local endpoint.`);
      return this.#send({ v: LOCAL_PROTOCOL_VERSION, type: "local_welcome", id: randomUUID(), ref: frame.id, ...this.#deps.describe() });
    }
    if (!this.#authenticated) return this.#refuse("unauthenticated", `Send local_auth with the token from ${this.#deps.tokenPath} first.`, frame.id);
    switch (frame.type) {
      case "ping":
        return this.#send({ v: LOCAL_PROTOCOL_VERSION, type: "pong", id: randomUUID(), ref: frame.id });
      case "activity": {
        const events = frame.events.map((event) => ({ ...event, event_id: event.event_id ?? `local-${randomUUID()}` }));
        // The server's own check, before the ack: an ack promises the event will be stored. All or nothing, so
        // the client can fix the refused events and send the frame again without doubling the others.
        const refused = refusedEvents(events);
        if (refused.length > 0) {
          const which = refused.map((r) => `#${r.index}: ${r.reason}`).join("; ");
          const message = `${refused.length} of ${events.length} events would be refused by the server, so none was taken (${which}). Fix them and send the frame again.`;
          return this.#send({ v: LOCAL_PROTOCOL_VERSION, type: "error", id: randomUUID(), code: "validation_failed", message, ref: frame.id, refused });
        }
        this.#deps.recordActivity(events);
        return this.#send({ v: LOCAL_PROTOCOL_VERSION, type: "ack", id: randomUUID(), ref: frame.id });
      }
      case "command": {
        const entry: { withdraw: (() => boolean) | null } = { withdraw: null };
        this.#inProgress.set(frame.id, entry);
        const onAsk = (question: PermissionQuestion, withdraw: () => boolean) => {
          entry.withdraw = withdraw;
          const scope = question.scope === undefined ? {} : { scope: question.scope };
          this.#send({ v: LOCAL_PROTOCOL_VERSION, type: "permission_request", id: randomUUID(), ref: frame.id, target: question.target, action: question.action, context: question.context, one_time: true, ...scope });
        };
        void this.#run(frame.target, frame.action, frame.parameters, onAsk).then((outcome) => {
          if (this.#inProgress.get(frame.id) === entry) this.#inProgress.delete(frame.id);
          this.#send({ v: LOCAL_PROTOCOL_VERSION, type: "result", id: randomUUID(), ref: frame.id, outcome: outcome.ok ? { status: "done", data: outcome.data } : { status: "failed", error: outcome.error } });
        });
        return;
      }
      case "cancel":
        return this.#cancel(frame.id, frame.ref);
    }
  }

  /**
   * Takes back command `ref` while it waits for the user's answer; its `result` (failed) is the answer. Anything
   * else is left alone and answered with an error: only an unanswered question can be taken back, since once a
   * command runs, stopping it half-way could leave things half-done.
   */
  #cancel(id: string, ref: string): void {
    const entry = this.#inProgress.get(ref);
    if (entry === undefined) {
      return this.#refuse("not_found", `Command ${JSON.stringify(ref)} is not in progress on this connection (it has ended, or was never sent here), so there is nothing to cancel.`, id);
    }
    if (entry.withdraw === null || !entry.withdraw()) {
      return this.#refuse("conflict", `Command ${JSON.stringify(ref)} is not waiting for the user's answer (it needed none, or was already answered), so it was not cancelled: it runs to its end, and its result follows.`, id);
    }
    this.#deps.log.info("local.cancelled", `${this.#client ?? "A local client"} took back a command that was waiting for the user's answer.`);
  }

  // ── the design's dialect ────────────────────────────────────────────────────────────────────

  #onDesignFrame(json: object): void {
    const fail = (error: Failure) => this.#sendJson(designResponse({ ok: false, error }, 0));
    if (!this.#authenticated) {
      return fail({ code: "unauthenticated", message: `Connect with the header "Authorization: Bearer <token>", the token being the content of ${this.#deps.tokenPath}.` });
    }
    const parsed = DesignClientFrame.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const code: ErrorCode = issue?.path[0] === "type" ? "unknown_frame" : "validation_failed";
      return fail({ code, message: `The frame is not valid${issue?.path.length ? ` at ${issue.path.join(".")}` : ""}: ${issue?.message ?? "unknown problem"}. Frames are command, activity and register_listener (or v1 frames, with "v": 1).` });
    }
    const frame = parsed.data;
    switch (frame.type) {
      case "register_listener":
        // No answer: the design's client reads every frame after this as activity.
        this.listeners.add(frame.data.activity_type);
        return;
      case "activity": {
        const event = { ...frame.data, event_id: typeof frame.data.event_id === "string" ? frame.data.event_id : `local-${randomUUID()}` };
        const checked = checkActivityEvent(event);
        if (!checked.ok) return fail({ code: "validation_failed", message: `The event would be refused by the server, so it was not taken: ${checked.reason}.` });
        this.#deps.recordActivity([checked.event]);
        return this.#sendJson(designResponse({ ok: true, data: { event_id: checked.event.event_id } }, 0));
      }
      case "command": {
        const started = Date.now();
        const { target, action } = designCommand(frame.data);
        const onAsk = (question: PermissionQuestion) =>
          this.#sendJson({ type: "permission_request", data: { target: question.target, action: question.action, context: question.context, one_time: true } });
        void this.#run(target, action, frame.data.parameters, onAsk).then((outcome) => this.#sendJson(designResponse(outcome, Date.now() - started)));
        return;
      }
    }
  }

  async #run(target: string, action: string, parameters: Record<string, Json>, onAsk: (question: PermissionQuestion, withdraw: () => boolean) => void): Promise<{ ok: true; data: Json } | { ok: false; error: Failure }> {
    const client = this.#client === null ? {} : { client: this.#client };
    const result = await this.#deps.executor.execute({ commandId: `local-${randomUUID()}`, source: "local", target, action, parameters, approval: null, onAsk, ...client });
    return result.outcome.status === "done" ? { ok: true, data: result.outcome.data } : { ok: false, error: result.outcome.error };
  }

  #send(frame: LocalAgentFrame): void {
    this.#sendJson(frame);
  }

  #sendJson(value: unknown): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.send(JSON.stringify(value));
  }

  #refuse(code: ErrorCode, message: string, ref?: string): void {
    this.#send({ v: LOCAL_PROTOCOL_VERSION, type: "error", id: randomUUID(), code, message, ...(ref === undefined ? {} : { ref }) });
  }
}

/** The events the server would refuse, each with its index and reason. */
export function refusedEvents(events: readonly unknown[]): RefusedEvent[] {
  return events.flatMap((event, index) => {
    const checked = checkActivityEvent(event);
    return checked.ok ? [] : [{ index, reason: checked.reason }];
  });
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}

/**
 * The name a client gives itself, as the logs and the user's question show it: unverified (any program holding the
 * token may call itself "Hearth"), so controls that could rewrite a line are dropped and it is kept short.
 */
export function clientName(given: string | undefined): string | null {
  // C0 and C1 controls, DEL, and the bidi overrides that reorder what the user reads.
  const name = (given ?? "").replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "").trim().slice(0, 60).trim();
  return name === "" ? null : name;
}
