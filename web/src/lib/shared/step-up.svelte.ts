import type { StepUpMethod } from "#protocol";
import { ApiFailure } from "./api.ts";

// Step-up from the browser: an approval (or a settings change) the server answers with 403 `step_up_required`
// opens one small dialog (StepUpDialog, in the app shell); once the user has confirmed it's them, the same call
// runs once more. One instance for the whole app, since the callers include plain modules (notifications).

export type StepUpAsk = { message: string; methods: StepUpMethod[] };

export class StepUp {
  /** What the dialog is asking, or null when it is closed. */
  ask = $state<StepUpAsk | null>(null);
  #settle: ((proved: boolean) => void) | null = null;

  /**
   * Runs `action`; if the server wants a fresh proof first, asks for it and runs `action` again.
   * @example await stepUp.guard(() => permissionRequests.decide(id, "allow_once"));
   */
  async guard<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (!(error instanceof ApiFailure && error.code === "step_up_required")) throw error;
      if (!(await this.#askFor(error))) throw new ApiFailure(403, "step_up_required", "Not done: you closed the confirmation. Try again when you're ready.");
      return action();
    }
  }

  #askFor(failure: ApiFailure): Promise<boolean> {
    // A second request while one is open joins it.
    this.#settle?.(false);
    this.ask = { message: failure.message, methods: failure.methods.length > 0 ? failure.methods : ["password"] };
    return new Promise((resolve) => (this.#settle = resolve));
  }

  /** The dialog is done: `proved` when the server accepted the proof. */
  finish(proved: boolean): void {
    const settle = this.#settle;
    this.#settle = null;
    this.ask = null;
    settle?.(proved);
  }
}

export const stepUp = new StepUp();
