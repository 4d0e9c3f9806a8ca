import { MCP_TARGET } from "#protocol/mcp.ts";
import type { CommandView, Json, MCP_ACTIONS } from "#protocol";
import { commands } from "#lib/commands/api.ts";
import { ApiFailure } from "#lib/shared/api.ts";
import type { Relay } from "#lib/shared/relay.svelte.ts";

// One management action of the device page's MCP section (add, remove, approve a tool, mark it read-only). Each is a
// command of the agent's `mcp` connector sent through the ordinary command API, so the user's rules, the prompt and
// both audit logs apply exactly as to any other command; this follows the command live through the relay.

export type McpActionName = keyof typeof MCP_ACTIONS;

/** Where the action is, in the words its status line uses. */
export type McpActionPhase = "idle" | "sending" | "waiting" | "running" | "done" | "failed";

export class McpAction {
  #sentId = $state<string | null>(null);
  #sending = $state(false);
  #failure = $state<string | null>(null);

  readonly #relay: Relay;
  readonly #deviceId: () => string;

  constructor(relay: Relay, deviceId: () => string) {
    this.#relay = relay;
    this.#deviceId = deviceId;
  }

  /** The command this action sent last, as the relay last reported it. */
  get command(): CommandView | undefined {
    return this.#sentId ? this.#relay.commands.get(this.#sentId) : undefined;
  }

  get phase(): McpActionPhase {
    if (this.#sending) return "sending";
    if (this.#failure) return "failed";
    const command = this.command;
    if (!command) return "idle";
    switch (command.status) {
      case "awaiting_permission":
        return "waiting";
      case "queued":
      case "sent":
      case "acked":
        return "running";
      case "done":
        return "done";
      case "failed":
      case "expired":
        return "failed";
    }
  }

  get busy(): boolean {
    return this.phase === "sending" || this.phase === "waiting" || this.phase === "running";
  }

  /** What went wrong, in words that say how to go on. */
  get failure(): string | null {
    if (this.#failure) return this.#failure;
    const command = this.command;
    if (command?.status === "expired") return "It expired before the computer could run it. Is the agent running?";
    if (command?.status === "failed") return command.error?.message ?? "The computer could not do it.";
    return null;
  }

  /** Sends `mcp.<action>`; resolves once the server has the command (it then runs after the user's permission). */
  async run(action: McpActionName, parameters: Record<string, Json>): Promise<void> {
    this.#sending = true;
    this.#failure = null;
    this.#sentId = null;
    try {
      const command = await commands.dispatch({ device_id: this.#deviceId(), command: { target: MCP_TARGET, action, parameters } });
      this.#relay.rememberCommand(command);
      this.#sentId = command.id;
    } catch (error) {
      this.#failure = error instanceof ApiFailure ? error.message : "Couldn't send it to the computer. Try again.";
    } finally {
      this.#sending = false;
    }
  }

  /** Forgets the last command (the user closed what it was about). */
  reset(): void {
    this.#sentId = null;
    this.#failure = null;
  }
}
