import { ApiFailure } from "#lib/shared/api.ts";
import { stepUp } from "#lib/shared/step-up.svelte.ts";
import { pairing as pairingApi } from "#lib/pair/api.ts";
import type { PairingRequest } from "#lib/pair/api.ts";
import { installLinks } from "./install-links.ts";
import type { InstallLink, InstallLinkStatus } from "./install-links.ts";
import { keepsPolling, phaseOf, sameCode } from "./install-phase.ts";
import type { InstallPhase } from "./install-phase.ts";

/** How the dialog talks to the server: one poll every two seconds keeps the wait short and the load small. */
export const ADD_COMPUTER_DEFAULTS = { pollMs: 2_000 } as const;

/**
 * One opening of the Add a computer dialog: makes an install line, watches what it starts, and approves or denies
 * it. The dialog creates one when it opens and calls `stop()` when it closes, so nothing polls behind it.
 */
export class AddComputer {
  link = $state<InstallLink | null>(null);
  status = $state<InstallLinkStatus | null>(null);
  /** The pending pairing as the /pair page shows it (with `same_network`), looked up once per code. */
  request = $state<PairingRequest | null>(null);
  busy = $state<"approve" | "deny" | null>(null);
  /** The line could not be made (nothing else can happen until it is). */
  createError = $state<string | null>(null);
  /** The last poll failed; cleared by the next one that works. */
  pollError = $state<string | null>(null);
  /** Approving, denying or looking up the pairing failed. */
  actionError = $state<string | null>(null);
  now = $state(Date.now());
  #gone = $state(false);
  #approvedCode = $state<string | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #generation = 0;

  readonly phase: InstallPhase = $derived(
    phaseOf({ expiresAt: this.link?.expires_at ?? null, status: this.status, gone: this.#gone, approvedCode: this.#approvedCode, now: this.now }),
  );

  /** Makes a line and starts watching it; also "New line" after one expired. */
  async start(): Promise<void> {
    this.#reset();
    const generation = this.#generation;
    try {
      const link = await installLinks.create();
      if (this.#stopped || generation !== this.#generation) return;
      this.link = link;
      this.now = Date.now();
      this.#schedule(generation);
    } catch (failure) {
      if (generation !== this.#generation) return;
      this.createError = failure instanceof ApiFailure ? failure.message : "Couldn't make an install line. Try again.";
    }
  }

  /** Stops polling for good: the dialog closed. */
  stop(): void {
    this.#stopped = true;
    this.#generation++;
    clearTimeout(this.#timer);
  }

  async approve(): Promise<void> {
    const code = this.request?.user_code;
    if (!code) return;
    await this.#decide("approve", async () => {
      // The same step-up as the /pair page: approving may ask the user to confirm it's them first.
      await stepUp.guard(() => pairingApi.approve(code));
      this.#approvedCode = code;
    });
  }

  async deny(): Promise<void> {
    const code = this.request?.user_code;
    if (!code) return;
    await this.#decide("deny", async () => {
      await pairingApi.deny(code);
      // Shown as denied at once; the next poll says the same.
      if (this.status?.pairing && sameCode(this.status.pairing.user_code, code)) this.status = { ...this.status, pairing: { ...this.status.pairing, status: "denied" } };
      this.request = null;
    });
  }

  async #decide(kind: "approve" | "deny", run: () => Promise<void>): Promise<void> {
    this.busy = kind;
    this.actionError = null;
    try {
      await run();
    } catch (failure) {
      this.actionError = failure instanceof ApiFailure ? failure.message : "Something went wrong. Try again.";
    } finally {
      this.busy = null;
    }
  }

  #reset(): void {
    clearTimeout(this.#timer);
    this.#generation++;
    this.#stopped = false;
    this.link = null;
    this.status = null;
    this.request = null;
    this.createError = null;
    this.pollError = null;
    this.actionError = null;
    this.#gone = false;
    this.#approvedCode = null;
  }

  // A chain of timeouts rather than an interval, so a slow answer never overlaps the next question. The
  // generation number drops answers that arrive after a stop or a new line.
  #schedule(generation: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#poll(generation), ADD_COMPUTER_DEFAULTS.pollMs);
  }

  async #poll(generation: number): Promise<void> {
    const key = this.link?.key;
    if (!key || generation !== this.#generation) return;
    try {
      const status = await installLinks.status(key);
      if (generation !== this.#generation) return;
      this.status = status;
      this.pollError = null;
      await this.#lookUpPending(generation);
    } catch (failure) {
      if (generation !== this.#generation) return;
      if (failure instanceof ApiFailure && failure.status === 404) this.#gone = true;
      else if (failure instanceof ApiFailure && failure.signedOut) return;
      else this.pollError = `Couldn't check for your computer: ${failure instanceof ApiFailure ? failure.message : "unexpected error"} Still trying.`;
    }
    this.now = Date.now();
    if (generation === this.#generation && keepsPolling(this.phase)) this.#schedule(generation);
  }

  /** Fetches the pairing's full description (the /pair page's) once: a line starts one pairing, so it never changes. */
  async #lookUpPending(generation: number): Promise<void> {
    const pending = this.status?.pairing;
    if (pending?.status !== "pending" || this.request !== null) return;
    try {
      const request = await pairingApi.lookup(pending.user_code);
      if (generation === this.#generation) this.request = request;
    } catch (failure) {
      if (generation === this.#generation) this.actionError = failure instanceof ApiFailure ? failure.message : "Couldn't load the computer's details. Try again.";
    }
  }
}
