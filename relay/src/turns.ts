import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { Command as Resume } from "@langchain/langgraph";
import { and, eq } from "drizzle-orm";
import { Decision } from "#protocol";
import type { CommandView, PermissionRequestView, TurnState } from "#protocol";
import { activitySource } from "../../core/src/assistant/activity/index.ts";
import { D1Saver } from "../../core/src/assistant/checkpointer.ts";
import { buildAssistantGraph, userTurn } from "../../core/src/assistant/graph.ts";
import type { ExecuteResult, PermissionPrompt } from "../../core/src/assistant/graph.ts";
import type { ParsedCommand } from "../../core/src/assistant/parser.ts";
import type { AssistantCapability } from "../../core/src/assistant/tools.ts";
import { messageView } from "../../core/src/chat/views.ts";
import { openDb, schema } from "../../core/src/db/index.ts";
import { isFinal } from "./lifecycle.ts";
import type { DispatchOutcome, TurnInput } from "./rpc.ts";
import type { RelayMemory } from "./memory.ts";
import type { RelayDb } from "./storage/index.ts";
import { TurnStore } from "./turn-store.ts";
import type { TurnRecord } from "./turn-store.ts";

/** What the turn runner needs from the relay that hosts it. */
export interface TurnHost {
  readonly db: D1Database;
  /** The user this relay serves: the assistant reads that user's activity, and no one else's. */
  userId(): string;
  /** The configured chat model, or null to use the parser alone. */
  readonly model: BaseChatModel | null;
  capabilities(): Promise<AssistantCapability[]>;
  /**
   * The server's rules for this command: side-effect free, because the graph asks again on resume. `refused`
   * when the device would refuse it anyway (its advertised limits).
   */
  gate(command: ParsedCommand, deviceId: string): Promise<"allow" | "deny" | "ask" | { refused: { code: string; message: string } }>;
  /** Queues the command; `decision` is the user's answer to this turn's prompt, which stands in for asking again. */
  dispatchForTurn(deviceId: string, command: ParsedCommand, decision: Decision | null): Promise<DispatchOutcome>;
  deviceOnline(deviceId: string): boolean;
  /** Calls `onChange` with each new state of the command until the returned function is called. */
  watchCommand(commandId: string, onChange: (command: CommandView) => void): () => void;
  /** Puts the prompt to the user's browsers as a permission request, and returns it. */
  askForTurn(prompt: PermissionPrompt): PermissionRequestView;
  announce(turn: TurnRecord, state: "started" | "resumed" | "finished"): void;
  /** Withdraws the prompt a stopped turn was waiting on. */
  withdrawPrompt(requestId: string): void;
  /** Keeps the object alive while a turn runs without any client connected (`ctx.waitUntil`). */
  keepAlive(work: Promise<unknown>): void;
}

/** How long a turn waits for a running command before it answers "still running"; the card keeps updating. */
const WAIT_FOR_RESULT_MS = 120_000;

/**
 * Runs assistant turns inside the relay: the LangGraph graph per turn (thread `turn:<message id>`, checkpointed
 * in D1 so a pending permission survives restarts), with every token and event stored and streamed.
 */
export class Turns {
  readonly store: TurnStore;
  readonly #host: TurnHost;
  /** The turns driven by this instance (see `RelayMemory.runningTurns`). */
  readonly #running: Map<string, AbortController>;

  constructor(storage: RelayDb, memory: RelayMemory, host: TurnHost) {
    this.store = new TurnStore(storage, memory.turnListeners);
    this.#running = memory.runningTurns;
    this.#host = host;
  }

  /** Starts a turn and returns its event stream from the first event. */
  start(input: TurnInput): ReadableStream<Uint8Array> {
    const turn: TurnRecord = {
      id: input.message.id,
      chatId: input.message.chat_id,
      threadId: input.message.thread_id,
      userMessageId: input.userMessage.id,
      status: "running",
      requestId: null,
      decision: null,
      commandIds: [],
      createdAt: Date.now(),
    };
    this.store.create(turn);
    // The assistant has the message: sent (stored) becomes delivered; read follows when the reply is written.
    const delivered = { ...input.userMessage, status: "delivered" as const };
    const { messages } = schema;
    this.#host.keepAlive(
      openDb(this.#host.db)
        .update(messages)
        .set({ status: "delivered" })
        .where(and(eq(messages.id, delivered.id), eq(messages.status, "sent")))
        .run(),
    );
    this.store.append(turn.id, { event: "turn", data: { user_message: delivered, message: input.message } });
    this.#host.announce(turn, "started");
    const stream = this.store.stream(turn.id, 0);
    this.#host.keepAlive(this.#drive(turn, userTurn(input.text), input.tzOffset ?? null));
    return stream;
  }

  /**
   * Turns that were running when the object went away (a deploy, an eviction) cannot go on: nothing drives them
   * in this instance. End them with a clear message, so no reply stays "sending" forever. Call once at start-up.
   */
  async recoverInterrupted(): Promise<void> {
    for (const turn of this.store.running()) {
      if (!this.#running.has(turn.id)) await this.#finish(turn, { error: "the server restarted while I was answering. Ask again." });
    }
  }

  /** The user answered the prompt this turn waits on: run the rest of it. */
  resume(requestId: string, decision: Decision): boolean {
    const turn = this.store.byRequest(requestId);
    if (!turn || turn.status !== "waiting") return false;
    this.store.update(turn.id, { status: "running", decision });
    this.#host.announce(turn, "resumed");
    this.#host.keepAlive(this.#drive({ ...turn, status: "running", decision }, new Resume({ resume: decision })));
    return true;
  }

  /** Stops a running turn: the model call is aborted and what was said so far is kept. */
  stop(turnId: string): boolean {
    const controller = this.#running.get(turnId);
    if (controller) {
      controller.abort();
      return true;
    }
    const turn = this.store.get(turnId);
    if (turn?.status !== "waiting") return false;
    // Waiting on a prompt: nothing runs, so end it here with what it said, and take the prompt back.
    if (turn.requestId) this.#host.withdrawPrompt(turn.requestId);
    this.#host.keepAlive(this.#finish(turn, { stopped: true }));
    return true;
  }

  /** `tzOffset`: the sender's, for activity questions (a resumed turn is a machine command's, so needs none). */
  async #drive(turn: TurnRecord, input: ReturnType<typeof userTurn> | Resume, tzOffset: number | null = null): Promise<void> {
    const controller = new AbortController();
    this.#running.set(turn.id, controller);
    const host = this.#host;
    const config = { configurable: { thread_id: `turn:${turn.id}` } };
    let streamed = this.store.textOf(turn.id);
    try {
      this.#state(turn.id, "thinking");
      const graph = buildAssistantGraph({
        checkpointer: new D1Saver(host.db),
        capabilities: await host.capabilities(),
        gate: (command, deviceId) => host.gate(command, deviceId),
        execute: (command, deviceId) => this.#execute(turn, command, deviceId, controller.signal),
        model: host.model,
        // Without the sender's time zone (an API client that does not send it), answers count days in UTC and say so.
        activity: activitySource(host.db, host.userId(), { tzOffsetMinutes: tzOffset }),
      });
      const stream = await graph.stream(input as Parameters<typeof graph.stream>[0], { ...config, streamMode: "messages", signal: controller.signal });
      for await (const [message, metadata] of stream) {
        // Only the model's words (the understand node) stream; respond's templated answer comes whole below.
        if (metadata.langgraph_node !== "understand" || typeof message.content !== "string" || !message.content) continue;
        streamed += message.content;
        this.store.append(turn.id, { event: "token", data: { text: message.content } });
      }
      const snapshot = await graph.getState(config);
      const prompt = snapshot.tasks.flatMap((task) => task.interrupts)[0]?.value as PermissionPrompt | undefined;
      if (prompt) {
        const request = host.askForTurn(prompt);
        this.store.update(turn.id, { status: "waiting", requestId: request.id });
        this.#state(turn.id, "waiting_permission");
        this.store.append(turn.id, { event: "permission", data: { request } });
        return;
      }
      const answer = typeof snapshot.values.answer === "string" ? snapshot.values.answer : "";
      // The model's streamed words are the answer when it called no tool; otherwise the template answers.
      if (answer && answer.trim() !== streamed.trim()) this.store.append(turn.id, { event: "token", data: { text: streamed ? `\n\n${answer}` : answer } });
      await this.#finish(turn, { stopped: false });
    } catch (error) {
      if (controller.signal.aborted) await this.#finish(turn, { stopped: true });
      else await this.#finish(turn, { error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.#running.delete(turn.id);
    }
  }

  async #execute(turn: TurnRecord, command: ParsedCommand, deviceId: string, signal: AbortSignal): Promise<ExecuteResult> {
    const decision = Decision.safeParse(this.store.get(turn.id)?.decision);
    const outcome = await this.#host.dispatchForTurn(deviceId, command, decision.success ? decision.data : null);
    if (!outcome.ok) return { status: "failed", error: { code: outcome.code, message: outcome.message } };
    const commandIds = [...(this.store.get(turn.id)?.commandIds ?? []), outcome.command.id];
    this.store.update(turn.id, { commandIds });
    this.store.append(turn.id, { event: "command", data: { command: outcome.command } });
    if (isFinal(outcome.command.status)) return asResult(outcome.command);
    if (!this.#host.deviceOnline(deviceId)) return { status: "queued", reason: "the device is offline" };
    this.#state(turn.id, "running");
    let lastStatus = outcome.command.status;
    const final = await new Promise<CommandView | null>((resolve) => {
      let settled = false;
      let unwatch = () => {};
      const done = (view: CommandView | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unwatch();
        signal.removeEventListener("abort", onAbort);
        resolve(view);
      };
      const onAbort = () => done(null);
      const timer = setTimeout(onAbort, WAIT_FOR_RESULT_MS);
      signal.addEventListener("abort", onAbort);
      unwatch = this.#host.watchCommand(outcome.command.id, (view) => {
        if (view.status !== lastStatus) this.store.append(turn.id, { event: "command", data: { command: view } });
        lastStatus = view.status;
        if (isFinal(view.status)) done(view);
      });
      if (settled) unwatch();
    });
    if (signal.aborted) throw new Error("stopped");
    return final ? asResult(final) : { status: "queued", reason: "it is still running; its card shows the result when it ends" };
  }

  #state(turnId: string, state: TurnState): void {
    this.store.append(turnId, { event: "state", data: { state } });
  }

  /** Writes the reply to D1 and ends the turn's stream with `done` (or `error`). */
  async #finish(turn: TurnRecord, how: { stopped: boolean } | { error: string }): Promise<void> {
    const current = this.store.get(turn.id) ?? turn;
    const failed = "error" in how;
    let content = this.store.textOf(turn.id);
    if (failed) content = content ? `${content}\n\n(The reply stopped: ${how.error})` : `Sorry, something went wrong: ${how.error}`;
    const now = Date.now();
    const db = openDb(this.#host.db);
    const { messages, chats } = schema;
    const [[reply]] = await db.batch([
      db
        .update(messages)
        .set({ content, status: failed ? "error" : "sent", commandIds: JSON.stringify(current.commandIds), updatedAt: now })
        .where(eq(messages.id, turn.id))
        .returning(),
      db.update(messages).set({ status: failed ? "error" : "read", updatedAt: now }).where(eq(messages.id, turn.userMessageId)),
      db.update(chats).set({ updatedAt: now }).where(eq(chats.id, turn.chatId)),
    ]);
    if (!reply) throw new Error(`the reply ${turn.id} is gone (its chat was deleted)`);
    const message = messageView(reply, 0);
    this.store.update(turn.id, { status: failed ? "error" : "done" });
    if (failed) this.store.append(turn.id, { event: "error", data: { code: "assistant_failed", message: content, reply: message } });
    else this.store.append(turn.id, { event: "done", data: { message, stopped: "stopped" in how && how.stopped } });
    this.#host.announce(turn, "finished");
  }
}

function asResult(command: CommandView): ExecuteResult {
  if (command.status === "done") return { status: "done", data: command.result ?? null };
  return { status: "failed", error: command.error ?? { code: command.status, message: `It ended ${command.status}.` } };
}
