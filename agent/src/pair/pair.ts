import { ApiErrorBody, PairStartResponse, PairTokenResponse } from "#protocol";
import type { DeviceInfo } from "#protocol";
import { DEFAULT_OPTIONS } from "../defaults.ts";

/** Pairing stopped for a reason the user must act on; the message says how. */
export class PairError extends Error {}

export type PairCallbacks = {
  /** The codes to show the user. */
  onCodes: (codes: PairStartResponse) => void;
  /** Something worth telling the user while waiting (a slow-down, a network blip). */
  onNotice?: (message: string) => void;
};

export type PairConfig = {
  server: string;
  /** How the user runs the agent (`npx hearth` or `hearth`), for the hints in errors. */
  hearth?: string;
  device: DeviceInfo;
  /** The key of an install line (`curl …/install.sh?k=KEY | sh`): the web page that made it shows this pairing. */
  installKey?: string;
  callbacks: PairCallbacks;
  /** Seconds a `slow_down` adds to the interval (RFC 8628 says 5; tests shorten it). */
  slowDownSeconds?: number;
};

/** Checks a server address and returns its origin: `https://hearth.example.com`. */
export function normalizeServer(input: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : `https://${input}`;
  if (!URL.canParse(withScheme)) throw new PairError(`"${input}" is not a server address. Use the address of your Hearth server, like https://hearth.example.com.`);
  const url = new URL(withScheme);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new PairError(`The server address must start with https:// (or http:// for a local server), not ${url.protocol}//.`);
  return url.origin;
}

/**
 * Pairs this computer by the device flow (RFC 8628): asks the server for codes, shows them, then polls until the
 * user approves in the browser. `authorization_pending` keeps polling, `slow_down` widens the interval, and
 * `expired_token` or `access_denied` end it with a PairError.
 */
export async function pairDevice(config: PairConfig): Promise<PairTokenResponse> {
  let start = await post(config.server, "/api/pair/start", config.installKey ? { ...config.device, install_key: config.installKey } : config.device);
  // The key of an install line is good once, for 30 minutes. A line run again later (to repair or update) still
  // pairs: plainly, with the code to approve on /pair, only without the "Add a computer" page watching.
  if (!start.ok && config.installKey && start.code === "invalid_install_key") {
    config.callbacks.onNotice?.("This install line's key has expired or was already used, so the pairing goes on without it: approve the code below.");
    start = await post(config.server, "/api/pair/start", config.device);
  }
  if (!start.ok) throw new PairError(`The server refused to start pairing: ${start.message}`);
  const codes = PairStartResponse.safeParse(start.json);
  if (!codes.success) throw new PairError(`${config.server} did not answer like a Hearth server. Check the address.`);
  config.callbacks.onCodes(codes.data);
  let interval = Math.max(codes.data.interval, 0);
  const deadline = Date.now() + codes.data.expires_in * 1000;
  let warnedUnreachable = false;
  const again = `run \`${config.hearth ?? "hearth"} pair\` again`;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, interval * 1000));
    let answer: Awaited<ReturnType<typeof post>>;
    try {
      answer = await post(config.server, "/api/pair/token", { device_code: codes.data.device_code });
    } catch (error) {
      if (!(error instanceof PairError)) throw error;
      if (!warnedUnreachable) config.callbacks.onNotice?.(`${error.message} Still trying …`);
      warnedUnreachable = true;
      continue;
    }
    if (answer.ok) {
      const token = PairTokenResponse.safeParse(answer.json);
      if (!token.success) throw new PairError("The server approved the pairing but sent an answer this agent does not understand. Update the agent and pair again.");
      return token.data;
    }
    switch (answer.code) {
      case "authorization_pending":
        continue;
      case "slow_down":
        interval += config.slowDownSeconds ?? DEFAULT_OPTIONS.pairSlowDownSeconds;
        config.callbacks.onNotice?.(`The server asked to poll less often; now every ${interval} s.`);
        continue;
      case "expired_token":
        throw new PairError(`The code expired before it was approved. To get a new one, ${again}.`);
      case "access_denied":
        throw new PairError(`Pairing was denied in the browser. If that was a mistake, ${again}.`);
      default:
        if (answer.status >= 500) continue;
        throw new PairError(`The server refused pairing: ${answer.message}`);
    }
  }
  throw new PairError(`The code expired before it was approved. To get a new one, ${again}.`);
}

type Answer = { ok: true; json: unknown } | { ok: false; status: number; code: string; message: string };

/** POSTs JSON; a transport failure becomes a PairError that says what to check. */
async function post(server: string, path: string, body: unknown): Promise<Answer> {
  let response: Response;
  try {
    response = await fetch(new URL(path, server), { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify(body) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    throw new PairError(`Cannot reach ${server} (${cause}). Check the address and your connection.`);
  }
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON; handled below.
  }
  if (response.ok) return { ok: true, json };
  const error = ApiErrorBody.safeParse(json);
  if (error.success) return { ok: false, status: response.status, code: error.data.error.code, message: error.data.error.message };
  return { ok: false, status: response.status, code: `http_${response.status}`, message: `HTTP ${response.status} from ${server}${path}.` };
}
