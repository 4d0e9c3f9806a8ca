import { z } from "zod";
import type { Approval, CommandOutcome, Failure, Json } from "#protocol";
import { hearthCommand } from "../invocation.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import { findAction } from "../connectors/registry.ts";
import type { ConnectorSet } from "../connectors/registry.ts";
import { toFailure } from "../connectors/types.ts";
import type { PermissionStore } from "../permissions/store.ts";
import { LocalAuditEntry, MCP_TARGET, checkAgentLimits } from "#protocol";
import type { AgentLimits } from "#protocol";
import type { PermissionAnswer, PermissionQuestion } from "./permission-asker.ts";

/** One command to run, wherever it came from. */
export type ExecutionRequest = {
  commandId: string;
  source: "relay" | "local";
  target: string;
  action: string;
  parameters: Record<string, Json>;
  /** The user's approval in the web app (every relay command has one); null for local commands. */
  approval: Approval | null;
  /** Past this time (epoch ms) the command is not started. */
  deadlineAt?: number;
  /** Runs once the command is cleared to run, just before its action: where the durable path marks it `running`. */
  beforeRun?: () => Promise<void> | void;
  /**
   * Told when the user is about to be asked (a local caller hears that its command waits for an answer). `withdraw`
   * takes the question back while it waits: the command then ends `failed` and nothing runs, whatever the user answers
   * later. It returns whether it did (false once the answer came, or the wait ended).
   */
  onAsk?: (question: PermissionQuestion, withdraw: () => boolean) => void;
  /** Who asked, for a local command: the local client's name ("claude-desktop (MCP)"), for the audit logs and the question. */
  client?: string;
};

export type ExecutionResult = { outcome: CommandOutcome; startedAt: number | null; finishedAt: number };

export type ExecutorDeps = {
  connectors: ConnectorSet;
  permissions: PermissionStore;
  audit: AuditLog;
  /** Asks the user through the relay, for commands that need approval and arrived without one; `signal` withdraws the question. */
  ask?: (question: PermissionQuestion, signal: AbortSignal) => Promise<PermissionAnswer>;
  /** The limits advertised in `hello`: checked first, with the check the server runs, so both refuse alike. */
  limits?: AgentLimits;
  /**
   * Told of every local command once it is decided and ended, for the server's audit log (the agent queues it in its
   * durable outbox). Relay commands need none: the server has its own record of those.
   */
  onLocalCommand?: (entry: LocalAuditEntry) => void;
};

const ONE_HOUR = 60 * 60_000;

/**
 * Runs one command through the checks, in this order: it exists, its parameters are valid and stay inside the
 * roots, it has not expired, and this computer's own rules allow it. The local store is the final authority: its
 * deny wins over any server approval. Every decision and every run is written to the audit log.
 */
export class Executor {
  readonly #deps: ExecutorDeps;

  constructor(deps: ExecutorDeps) {
    this.#deps = deps;
  }

  /** The connectors this executor runs. */
  get connectors(): ConnectorSet {
    return this.#deps.connectors;
  }

  /** Checks and runs a command; never throws. */
  async execute(request: ExecutionRequest): Promise<ExecutionResult> {
    const started = Date.now();
    const fail = (error: Failure, decision: string, scope: string | null = null): ExecutionResult => {
      this.#audit(request, decision, scope, `failed:${error.code}`, started);
      return { outcome: { status: "failed", error }, startedAt: null, finishedAt: Date.now() };
    };
    const found = findAction(this.#deps.connectors, request.target, request.action);
    if (!found.ok) return fail(found.error, "none");
    // A local program (an MCP client through `hearth mcp serve`, a script) must not approve a changed tool or add a
    // server for itself: MCP servers are managed from the Hearth app (gated, audited) or with `hearth mcp` here.
    if (request.source === "local" && request.target === MCP_TARGET) {
      return fail({ code: "denied_locally", message: `Local programs cannot manage MCP servers. Use the device page in the Hearth app, or \`${hearthCommand()} mcp\` on this computer.` }, "deny:local_mcp");
    }
    const beyond = this.#deps.limits ? checkAgentLimits(request, this.#deps.limits) : null;
    if (beyond) return fail(beyond, "none");
    if (request.deadlineAt !== undefined && Date.now() > request.deadlineAt) {
      return fail({ code: "expired", message: "Its deadline passed before it could start, so it was not run. Retry it if it is still wanted." }, "none");
    }
    const prepared = await found.action.prepare(request.parameters, request.deadlineAt === undefined ? {} : { deadlineAt: request.deadlineAt });
    if (!prepared.ok) return fail(prepared.error, "none");
    const scope = prepared.scopes[0] ?? null;
    const decision = this.#deps.permissions.decide({ target: request.target, action: request.action, scopes: prepared.scopes });
    let authority: string = decision.effect;
    if (decision.effect === "deny") {
      const note = request.approval ? " It was refused here even though it was approved in the Hearth app, because this computer's own rules come last." : "";
      return fail({ code: "denied_locally", message: `${decision.reason}${note}` }, `deny:${decision.rule.id}`, scope);
    }
    if (decision.effect === "ask") {
      if (request.approval) {
        authority = `ask:approved_${request.approval.kind}`;
      } else {
        const answer = await this.#askUser(request, prepared.scopes);
        if (!answer.ok) return fail(answer.error, `ask:${answer.why}`, scope);
        authority = `ask:${answer.decision}`;
      }
    }
    let startedAt: number | null = null;
    try {
      await request.beforeRun?.();
      startedAt = Date.now();
      const data = toJson(await prepared.run());
      this.#audit(request, authority, scope, "done", startedAt);
      return { outcome: { status: "done", data }, startedAt, finishedAt: Date.now() };
    } catch (error) {
      const failure = toFailure(error);
      this.#audit(request, authority, scope, `failed:${failure.code}`, startedAt ?? started);
      return { outcome: { status: "failed", error: failure }, startedAt, finishedAt: Date.now() };
    }
  }

  async #askUser(request: ExecutionRequest, scopes: string[]): Promise<{ ok: true; decision: string } | { ok: false; why: string; error: Failure }> {
    const what = `${request.target}.${request.action}${scopes[0] ? ` on ${scopes[0]}` : ""}`;
    if (!this.#deps.ask) {
      return { ok: false, why: "no_channel", error: { code: "denied_locally", message: `${what} needs your approval, and this agent cannot ask for it.` } };
    }
    const question: PermissionQuestion = {
      target: request.target,
      action: request.action,
      // The name is the program's own claim (nothing verifies it), so it is quoted as a claim, never shown as fact.
      context: `${request.client === undefined ? "A local program" : `A local program calling itself ${JSON.stringify(request.client)}`} asks to run ${what}.`,
      parameters: request.parameters,
      ...(scopes[0] === undefined ? {} : { scope: scopes[0] }),
    };
    const withdrawal = new AbortController();
    let waiting = true;
    const withdraw = () => {
      if (!waiting || withdrawal.signal.aborted) return false;
      withdrawal.abort();
      return true;
    };
    // The race makes a withdrawal final even if an asker ignored the signal; once withdrawn, a late "allow" runs nothing.
    const withdrawn = new Promise<PermissionAnswer>((resolve) => withdrawal.signal.addEventListener("abort", () => resolve({ ok: false, reason: "cancelled" }), { once: true }));
    request.onAsk?.(question, withdraw);
    const answer = await Promise.race([this.#deps.ask(question, withdrawal.signal), withdrawn]);
    waiting = false;
    if (withdrawal.signal.aborted) {
      return { ok: false, why: "cancelled", error: { code: "permission_denied", message: `${what} was cancelled by ${request.client ?? "the program that asked"} before you answered, so it did not run.` } };
    }
    if (!answer.ok) {
      return answer.reason === "offline"
        ? { ok: false, why: "offline", error: { code: "denied_locally", message: `${what} needs your approval in the Hearth app, but the agent is not connected to the server right now. Check that \`${hearthCommand()} start\` is connected, then try again.` } }
        : { ok: false, why: "timeout", error: { code: "timeout", message: `${what} needs your approval in the Hearth app, and no answer came in time. Try again and approve it there.` } };
    }
    if (answer.decision === "deny") return { ok: false, why: "denied", error: { code: "permission_denied", message: `You denied ${what} in the Hearth app.` } };
    const scope = scopes[0] ?? null;
    // Remember lasting answers on this computer too, narrowly: this exact path, URL, program or app.
    if ((answer.decision === "allow_1h" || answer.decision === "allow_always") && (scope === null || !/[*?]/.test(scope))) {
      this.#deps.permissions.add({
        target: request.target,
        action: request.action,
        scope,
        effect: "allow",
        expires_at: answer.decision === "allow_1h" ? Date.now() + ONE_HOUR : null,
        source: "prompt",
      });
    }
    return { ok: true, decision: answer.decision };
  }

  #audit(request: ExecutionRequest, decision: string, scope: string | null, outcome: string, since: number): void {
    this.#deps.audit.append({
      command_id: request.commandId,
      source: request.source,
      target: request.target,
      action: request.action,
      ...(request.client === undefined ? {} : { client: request.client }),
      decision,
      scope,
      outcome,
      duration_ms: Date.now() - since,
    });
    if (request.source !== "local" || !this.#deps.onLocalCommand) return;
    // Cut to the server's bounds, so a long path does not cost the line. One that still does not fit (a target that
    // is no name, from the design's dialect) stays in audit.jsonl only: the server would refuse the frame for good.
    const entry = LocalAuditEntry.safeParse({
      entry_id: request.commandId,
      at: Date.now(),
      client: (request.client ?? "local client").slice(0, 80),
      target: request.target,
      action: request.action,
      scope: scope === null ? null : scope.slice(0, 2000),
      decision: decision.slice(0, 200),
      outcome: outcome.slice(0, 200),
    });
    if (entry.success) this.#deps.onLocalCommand(entry.data);
  }
}

/** Action results cross the wire as JSON; this drops what JSON cannot hold (undefined, functions) the way JSON does. */
function toJson(value: unknown): Json {
  return z.json().parse(JSON.parse(JSON.stringify(value ?? null)));
}
