import { getContext, setContext } from "svelte";
import type { LoginRequest, PublicUser, RegisterRequest, SecondFactorChallenge } from "#protocol";
import { ApiFailure, api, call, callParsed, loadShellSchemas } from "./api.ts";

/** Why a signed-in user stopped being signed in: shown on the sign-in page. */
export type SessionEnd = "expired" | "signed-out" | "deleted";

/** How long after the server's idle deadline the shell checks again, so the check lands after it. */
const EXPIRY_CHECK_SLACK_MS = 1_000;
/** setTimeout's ceiling (about 24.8 days); a later deadline is simply checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Who is signed in, shared by every page. It watches the session's idle deadline with a passive check
 * (one that does not itself keep the session alive), so an idle tab returns to sign-in when the session ends.
 */
export class Session {
  user = $state<PublicUser | null>(null);
  /** "loading" until the first answer from the server. */
  status = $state<"loading" | "signed-in" | "signed-out">("loading");
  /** Set when a session that was live has ended, and how. */
  ended = $state<SessionEnd | null>(null);
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  /** Asks the server who is signed in. `passive` checks without counting as activity. */
  async refresh({ passive = false } = {}): Promise<PublicUser | null> {
    try {
      const me = await call(api.auth.me.$get({ query: passive ? { passive: "1" } : {} }), { quietSignOut: true });
      this.#signIn(me.user);
      this.#watch(me.session.idleExpiresAt);
      return me.user;
    } catch (error) {
      if (!(error instanceof ApiFailure && error.signedOut)) throw error;
      this.#end("expired");
      return null;
    }
  }

  /**
   * Signs in with the password. When the account needs a second step, nothing is signed in yet: the answer is
   * the pending sign-in to finish (with a code or a passkey, then `signedIn`). Otherwise it answers null.
   */
  async login(body: LoginRequest): Promise<SecondFactorChallenge["second_factor"] | null> {
    // Every page holds the session, so its schema loads when it is used, not with the page (shell-schemas.ts).
    const answer = await callParsed(api.auth.login.$post({ json: body }), loadShellSchemas().then((m) => m.LoginResponse));
    if ("second_factor" in answer) return answer.second_factor;
    await this.refresh();
    return null;
  }

  /** A second step or a passkey sign-in has set the session: pick it up. */
  async signedIn(): Promise<void> {
    await this.refresh();
  }

  /**
   * Creates the account and signs in; false when the server signed nobody in. It answers a taken email exactly as
   * it answers a new one (so the answer cannot be used to find accounts) and tells that account's owner instead.
   */
  async register(body: RegisterRequest): Promise<boolean> {
    await call(api.auth.register.$post({ json: body }));
    return (await this.refresh()) !== null;
  }

  async logout(): Promise<void> {
    try {
      await call(api.auth.logout.$post());
    } finally {
      this.#end("signed-out");
    }
  }

  /** The account was deleted from Settings → Account: the session went with it. */
  accountDeleted(): void {
    this.#end("deleted");
  }

  /** The server said the session is gone (from any call). */
  expire(): void {
    this.#end("expired");
  }

  #signIn(user: PublicUser): void {
    this.user = user;
    this.status = "signed-in";
    this.ended = null;
  }

  #end(how: SessionEnd): void {
    clearTimeout(this.#idleTimer);
    if (this.status === "signed-in") this.ended = how;
    this.user = null;
    this.status = "signed-out";
  }

  #watch(idleExpiresAt: number): void {
    clearTimeout(this.#idleTimer);
    const delay = Math.max(0, idleExpiresAt - Date.now()) + EXPIRY_CHECK_SLACK_MS;
    this.#idleTimer = setTimeout(() => void this.refresh({ passive: true }).catch(() => {}), Math.min(delay, MAX_TIMER_MS));
  }
}

const KEY = Symbol("session");

export function setSession(session: Session): Session {
  return setContext(KEY, session);
}

export function getSession(): Session {
  return getContext<Session>(KEY);
}
