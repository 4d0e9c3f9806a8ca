import { hc } from "hono/client";
import type { ClientResponse } from "hono/client";
import type { z } from "zod";
import type { ErrorCode, StepUpMethod } from "#protocol";
import type { AppType } from "../../../../worker/src/app.ts";

/** The typed API client: routes, bodies and answers come from the worker's `AppType`. */
export const api = hc<AppType>("/", { init: { credentials: "same-origin" } }).api;

/**
 * Not the server's: `network` (Hearth was not reached, so nothing was done) and `out_of_date` (Hearth answered,
 * and did what was asked, but this page could not load the code to read the answer).
 */
export type ClientFailureCode = "network" | "out_of_date";

/**
 * For a request Hearth answered with success whose answer this page cannot read (its schema chunk failed to
 * load: offline since, or a deploy replaced it). The change is stored, so the words must not invite sending it again.
 */
export function outOfDate(status: number): ApiFailure {
  return new ApiFailure(status, "out_of_date", "Done, but this page is out of date and can't show the result. Reload the page to see it (there is no need to do it again).");
}

/** A failed API call, with the server's code and message (and the field at fault, when there is one). */
export class ApiFailure extends Error {
  readonly status: number;
  readonly code: ErrorCode | ClientFailureCode;
  readonly field: string | undefined;
  /** With `step_up_required`: how the user can confirm it's them. */
  readonly methods: StepUpMethod[];

  constructor(status: number, code: ErrorCode | ClientFailureCode, message: string, field?: string, methods: StepUpMethod[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.methods = methods;
  }

  /** True when the server says the user is signed out or the session ended. */
  get signedOut(): boolean {
    return this.code === "unauthenticated" || this.code === "session_expired";
  }
}

const listeners = new Set<(failure: ApiFailure) => void>();

/** Hears every signed-out answer, from any call: the shell uses it to return to sign-in. */
export function onSignedOut(listener: (failure: ApiFailure) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Awaits a typed call and returns its JSON body, or throws an `ApiFailure` that says what went wrong.
 * @example const { user } = await call(api.auth.me.$get());
 */
export async function call<T>(request: Promise<ClientResponse<T, number, "json">>, { quietSignOut = false } = {}): Promise<T> {
  let response: ClientResponse<T, number, "json">;
  try {
    response = await request;
  } catch {
    throw new ApiFailure(0, "network", "Can't reach Hearth. Check your connection and try again.");
  }
  if (response.ok) return response.json();
  const failure = await failureOf(response);
  if (!quietSignOut) noticeSignOut(failure);
  throw failure;
}

/** The shell's lazily loaded schemas (shell-schemas.ts): the error body and the sign-in answer. */
export const loadShellSchemas = () => import("./shell-schemas.ts");

/** The failure a non-2xx answer describes (its `{error}` body), for calls made without `call`. */
export async function failureOf(response: Response | ClientResponse<unknown, number, "json">): Promise<ApiFailure> {
  const body: unknown = await response.json().catch(() => null);
  // zod and the error schema load on the first failure, not with every page (the sign-in page stays small).
  const schemas = await loadShellSchemas().catch(() => null);
  if (!schemas) return new ApiFailure(0, "network", "Can't reach Hearth. Check your connection and reload the page.");
  const parsed = schemas.ApiErrorBody.safeParse(body);
  return parsed.success
    ? new ApiFailure(response.status, parsed.data.error.code, parsed.data.error.message, parsed.data.error.field, parsed.data.error.methods)
    : new ApiFailure(response.status, "internal", `Hearth answered with an unexpected error (${response.status}). Try again.`);
}

/** Tells the shell when a failure means the user is signed out (for calls made without `call`, like uploads). */
export function noticeSignOut(failure: ApiFailure): void {
  if (failure.signedOut) for (const listener of listeners) listener(failure);
}

/**
 * Like `call`, then checks the answer against its protocol schema, so the page holds the protocol's own types.
 * Use it where the route's answer type does not come through the client intact (rows read from D1, JSON values).
 * The schema may be a promise (`import("#protocol/factors.ts").then(…)`), so a page can keep zod out of its first JS.
 * @example const { devices } = await callParsed(api.devices.$get(), DevicesAnswer);
 */
export async function callParsed<T, S extends z.ZodType>(request: Promise<ClientResponse<T, number, "json">>, schema: S | Promise<S>): Promise<z.output<S>> {
  // A schema may still be loading (a page that keeps zod out of its first JS): it loads while the request runs.
  const [body, loaded] = await Promise.all([call(request), Promise.resolve(schema).catch(() => null)]);
  // The request succeeded (`call` threw otherwise): whatever it changed is stored, so this is no network failure.
  if (!loaded) throw outOfDate(200);
  const parsed = loaded.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ApiFailure(200, "internal", "Hearth answered in a shape this page doesn't understand. Reload the page to get the latest version.");
}

/** Query values travel as strings; `undefined` leaves the parameter out. */
export const asQuery = (value: number | string | undefined) => (value === undefined ? undefined : String(value));
