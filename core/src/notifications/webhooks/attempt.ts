import { signedRequest } from "./sign.ts";
import type { SignedHeaders } from "./sign.ts";
import { checkTarget } from "./target.ts";

// One delivery attempt: sign, POST, and describe what happened for the delivery log. It never throws, so the
// caller's retry loop has exactly one path: record the result, then schedule the next try or stop.

export const ATTEMPT_DEFAULTS = {
  /** Every attempt has a deadline: a receiver that hangs must not hold the relay. */
  timeoutMs: 10_000,
  /** How much of the response body the log keeps. */
  snippetChars: 512,
} as const;

export type DeliveryEndpoint = {
  url: string;
  /** Several while rotating: each signs, and the receiver accepts any one. */
  secret: string | readonly string[];
};

export type DeliveryMessage = {
  /** The delivery's id, sent as `webhook-id`: the same on every retry of the same delivery. */
  id: string;
  /** The exact JSON to send (see encodeWebhookPayload). */
  body: string;
  /** When this attempt is signed; defaults to now. Receivers refuse signatures older than 5 minutes. */
  timestamp?: Date;
};

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export type AttemptOptions = {
  timeoutMs?: number;
  /** Local development only: let the attempt reach loopback and private targets (see checkTarget). */
  allowPrivate?: boolean;
  fetchImpl?: FetchLike;
};

/** What happened, in a word: `delivered` is the only success; `refused` will fail the same way on every retry. */
export type AttemptOutcome = "delivered" | "http_error" | "redirect" | "timeout" | "network" | "refused";

export type AttemptResult = {
  ok: boolean;
  outcome: AttemptOutcome;
  /** The receiver's HTTP status; null when no response came. */
  statusCode: number | null;
  /** From sending the request to the response's status and headers (to the timeout, when it hit). */
  latencyMs: number;
  /** The start of the response body, as text (at most 512 characters). */
  responseSnippet: string | null;
  /** Why it failed, for the delivery log; null when delivered. */
  error: string | null;
};

/**
 * Sends one signed attempt to an endpoint. The target is checked again first (the URL may have been saved when
 * local targets were allowed); redirects are not followed, since a 3xx could point anywhere, including inside
 * a network. Only a 2xx counts as delivered.
 * @example const result = await attemptDelivery(endpoint, { id: delivery.id, body: delivery.payload }, { allowPrivate: env.WEBHOOKS_ALLOW_PRIVATE === "true" });
 */
export async function attemptDelivery(endpoint: DeliveryEndpoint, message: DeliveryMessage, options: AttemptOptions = {}): Promise<AttemptResult> {
  const timeoutMs = options.timeoutMs ?? ATTEMPT_DEFAULTS.timeoutMs;
  const target = checkTarget(endpoint.url, { allowPrivate: options.allowPrivate ?? false });
  if (!target.ok) return failure("refused", null, 0, null, `not sent: ${target.reason}`);

  const headers = signedRequest(endpoint.secret, { id: message.id, timestamp: message.timestamp ?? new Date(), body: message.body });
  // A timer cleared when the attempt ends (not AbortSignal.timeout, whose timer outlives the attempt by up to
  // timeoutMs and keeps the relay from being evicted or hibernating meanwhile).
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  try {
    return await sendSigned({ url: target.url, headers, body: message.body, signal: deadline.signal, timeoutMs, fetchImpl: options.fetchImpl ?? ((url, init) => fetch(url, init)) });
  } finally {
    clearTimeout(timer);
  }
}

/** The POST itself, and what its answer makes of the attempt; `signal` is the attempt's deadline. */
async function sendSigned(request: { url: string; headers: SignedHeaders; body: string; signal: AbortSignal; timeoutMs: number; fetchImpl: FetchLike }): Promise<AttemptResult> {
  const { url, headers, signal, timeoutMs, fetchImpl } = request;
  const started = Date.now();
  let response: Response;
  try {
    response = await fetchImpl(url, { method: "POST", headers, body: request.body, redirect: "manual", signal });
  } catch (error) {
    const latencyMs = Date.now() - started;
    if (signal.aborted) return failure("timeout", null, latencyMs, null, `timed out after ${seconds(timeoutMs)}`);
    return failure("network", null, latencyMs, null, `could not connect: ${error instanceof Error ? error.message : String(error)}`);
  }
  const latencyMs = Date.now() - started;
  const responseSnippet = await readSnippet(response, signal, ATTEMPT_DEFAULTS.snippetChars);
  const statusCode = response.status;

  if (statusCode >= 200 && statusCode < 300) return { ok: true, outcome: "delivered", statusCode, latencyMs, responseSnippet, error: null };
  if (statusCode >= 300 && statusCode < 400) {
    const location = response.headers.get("location");
    return failure("redirect", statusCode, latencyMs, responseSnippet, `redirects are not followed (Location: ${location === null ? "none" : location.slice(0, 200)})`);
  }
  return failure("http_error", statusCode, latencyMs, responseSnippet, `the receiver answered HTTP ${statusCode}`);
}

function failure(outcome: AttemptOutcome, statusCode: number | null, latencyMs: number, responseSnippet: string | null, error: string): AttemptResult {
  return { ok: false, outcome, statusCode, latencyMs, responseSnippet, error };
}

/** "10 s", "1.5 s". */
const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

/**
 * Reads just enough of the body for the snippet, then lets the rest go: a receiver's body can be large or
 * endless, and it must not outlast the attempt's deadline. Whatever arrived before an error is kept.
 */
async function readSnippet(response: Response, signal: AbortSignal, chars: number): Promise<string | null> {
  if (response.body === null) return null;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const aborted = new Promise<"aborted">((resolve) => {
    if (signal.aborted) resolve("aborted");
    signal.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
  try {
    while (text.length < chars) {
      const chunk = await Promise.race([reader.read(), aborted]);
      if (chunk === "aborted" || chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
    text += decoder.decode();
  } catch {
    // A body cut short still leaves what was read.
  } finally {
    reader.cancel().catch(() => {});
  }
  const cut = text.slice(0, chars);
  // Never end on half of a surrogate pair.
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
