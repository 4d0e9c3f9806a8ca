import type { StepUpMethod } from "#protocol";
import { ApiFailure } from "./api.ts";

// Step-up from the browser: an approval (or a settings change) the server answers with 403 `step_up_required`
// opens one small dialog (StepUpDialog, in the app shell); once the user has confirmed it's them, the same call
// runs once more. One instance for the whole app, since the callers include plain modules (notifications).
// The dialog (and the passkey library it uses) loads the first time it is needed, not with every page.

export type StepUpAsk = { message: string; methods: StepUpMethod[] };
/** How a step-up ended: proved, closed by the user, or the dialog could not be loaded. */
type StepUpOutcome = "proved" | "closed" | "unavailable";

export class StepUp {
  /** What the dialog is asking, or null when it is closed. */
  ask = $state<StepUpAsk | null>(null);
  #settle: ((outcome: StepUpOutcome) => void) | null = null;

  /**
   * Runs `action`; if the server wants a fresh proof first, asks for it and runs `action` again.
   * @example await stepUp.guard(() => permissionRequests.decide(id, "allow_once"));
   */
  async guard<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (!(error instanceof ApiFailure && error.code === "step_up_required")) throw error;
      const outcome = await this.#askFor(error);
      if (outcome === "unavailable") throw new ApiFailure(0, "network", "Not done: the confirmation couldn't load. Check your connection and reload the page.");
      if (outcome === "closed") throw new ApiFailure(403, "step_up_required", "Not done: you closed the confirmation. Try again when you're ready.");
      return action();
    }
  }

  #askFor(failure: ApiFailure): Promise<StepUpOutcome> {
    // A second request while one is open replaces it: the first one ends as closed.
    this.#settle?.("closed");
    this.ask = { message: failure.message, methods: failure.methods.length > 0 ? failure.methods : ["password"] };
    return new Promise((resolve) => (this.#settle = resolve));
  }

  /** The dialog is done: `proved` when the server accepted the proof. */
  finish(proved: boolean): void {
    this.#end(proved ? "proved" : "closed");
  }

  /** The dialog's code could not be loaded (offline, or a newer version replaced this one's files). */
  unavailable(): void {
    this.#end("unavailable");
  }

  #end(outcome: StepUpOutcome): void {
    const settle = this.#settle;
    this.#settle = null;
    this.ask = null;
    settle?.(outcome);
  }
}

export const stepUp = new StepUp();
