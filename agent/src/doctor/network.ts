import { z } from "zod";
import type { Credentials } from "../home/credentials.ts";
import { check } from "./types.ts";
import type { Check } from "./types.ts";
import { compareVersions } from "#protocol";

/** `GET /api/agent/device` (contract): who the server thinks this computer is. */
const DeviceView = z.object({
  device_id: z.string(),
  name: z.string(),
  user_email: z.string(),
  agent_version: z.string().nullable().optional(),
  latest_version: z.string().nullable(),
  server_time: z.number(),
});

/** `GET /agent/manifest.json`: only the version matters here. */
const Manifest = z.looseObject({ version: z.string() });

/** A clock further off than this breaks sign-in links and pairing codes that expire, so it fails the check. */
export const MAX_CLOCK_SKEW_MS = 60_000;

type Timed = { response: Response; latencyMs: number; localMidMs: number };

/** A GET that cannot outlive `timeoutMs` (connecting, headers and body alike). */
async function timedGet(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<Timed & { body: string }> {
  const signal = AbortSignal.timeout(timeoutMs);
  const started = Date.now();
  const response = await fetch(url, { headers, signal, redirect: "follow" });
  const ended = Date.now();
  const body = await response.text();
  return { response, body, latencyMs: ended - started, localMidMs: Math.round((started + ended) / 2) };
}

function reason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `no answer within ${(timeoutMs / 1000).toFixed(1).replace(/\.0$/, "")} s`;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : "";
  return [error instanceof Error ? error.message : String(error), cause].filter(Boolean).join(": ");
}

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The checks that talk to the server: reachable, token, clock, update. Each request is bounded by `timeoutMs`. */
export async function networkChecks(credentials: Credentials, options: { timeoutMs: number; version: string; hearth: string; platform: NodeJS.Platform }): Promise<Check[]> {
  const { timeoutMs, version, hearth } = options;
  const base = credentials.server.replace(/\/+$/, "");
  let health: Timed;
  try {
    health = await timedGet(`${base}/api/health`, timeoutMs);
  } catch (error) {
    const skipped = "skipped: the server cannot be reached";
    return [
      check("server", "Server reachable", "fail", `${base} — ${reason(error, timeoutMs)}`, `Check your network and the address (pair again with \`${hearth} pair --server <url>\` if it changed); is the server up? Open ${base} in a browser.`),
      check("token", "Token valid", "warn", skipped),
      check("clock", "Clock", "warn", skipped),
      check("update", "Agent version", "warn", skipped),
    ];
  }
  const checks: Check[] = [];
  if (health.response.ok) checks.push(check("server", "Server reachable", "ok", `${base} answered in ${health.latencyMs} ms`));
  else checks.push(check("server", "Server reachable", "fail", `${base}/api/health answered HTTP ${health.response.status}`, "The server is reachable but not healthy: check its logs, or the address you paired with."));

  const [device, manifest] = await Promise.allSettled([
    timedGet(`${base}/api/agent/device`, timeoutMs, { authorization: `Bearer ${credentials.token}` }),
    timedGet(`${base}/agent/manifest.json`, timeoutMs),
  ]);

  let serverTime: { serverMs: number; localMs: number; from: string } | null = null;
  const dateHeader = Date.parse(health.response.headers.get("date") ?? "");
  // The Date header has whole seconds; server_time (below) replaces it when the token check gets one.
  if (!Number.isNaN(dateHeader)) serverTime = { serverMs: dateHeader + 500, localMs: health.localMidMs, from: "the server's Date header" };

  let latest: string | null = null;
  if (device.status === "rejected") {
    checks.push(check("token", "Token valid", "fail", `could not ask the server: ${reason(device.reason, timeoutMs)}`, "Run `hearth doctor` again; if it persists, check the server."));
  } else {
    const { response, body, localMidMs } = device.value;
    const parsed = DeviceView.safeParse(jsonOf(body));
    if (response.status === 401) {
      checks.push(check("token", "Token valid", "fail", "the server refused this computer's token (HTTP 401)", `This computer was removed or its token revoked: run \`${hearth} pair --server ${base}\` again.`));
    } else if (response.status === 404) {
      checks.push(check("token", "Token valid", "warn", "this server cannot check agent tokens (an older Hearth?)", "Update the server; the agent's connection still shows whether the token works (`hearth status`)."));
    } else if (response.ok && parsed.success) {
      checks.push(check("token", "Token valid", "ok", `this computer is "${parsed.data.name}" for ${parsed.data.user_email}`));
      serverTime = { serverMs: parsed.data.server_time, localMs: localMidMs, from: "the server's time" };
      latest = parsed.data.latest_version;
    } else {
      checks.push(check("token", "Token valid", "fail", `unexpected answer (HTTP ${response.status})`, "Check that the address you paired with is your Hearth server."));
    }
  }

  checks.push(clockCheck(serverTime, options.platform));

  if (manifest.status === "fulfilled" && manifest.value.response.ok) {
    const parsed = Manifest.safeParse(jsonOf(manifest.value.body));
    if (parsed.success) latest = parsed.data.version;
  }
  if (latest === null) {
    const why = manifest.status === "rejected" ? reason(manifest.reason, timeoutMs) : `HTTP ${manifest.value.response.status}`;
    checks.push(check("update", "Agent version", "warn", `${version}; the server offers no agent build (${why})`, "Whoever runs the server: `npm run build` there builds the agent it offers."));
  } else if (compareVersions(latest, version) > 0) {
    checks.push(check("update", "Agent version", "warn", `${version}; the server offers ${latest}`, `Run \`${hearth} update\`.`));
  } else {
    checks.push(check("update", "Agent version", "ok", `${version}, up to date`));
  }
  return checks;
}

function clockCheck(time: { serverMs: number; localMs: number; from: string } | null, platform: NodeJS.Platform): ReturnType<typeof check> {
  if (time === null) return check("clock", "Clock", "warn", "the server did not say its time", "Nothing to do unless sign-in links or pairing codes expire early.");
  const skew = time.localMs - time.serverMs;
  const seconds = Math.round(Math.abs(skew) / 1000);
  const words = `${seconds} s ${skew > 0 ? "ahead of" : "behind"} the server (from ${time.from})`;
  if (Math.abs(skew) <= MAX_CLOCK_SKEW_MS) return check("clock", "Clock", "ok", seconds === 0 ? `in step with the server (from ${time.from})` : words);
  const how =
    platform === "darwin"
      ? "System Settings → General → Date & Time: turn on \"Set time and date automatically\" (or `sudo sntp -sS time.apple.com`)."
      : platform === "win32"
        ? "Settings → Time & language → Date & time: \"Sync now\" (or `w32tm /resync` in an administrator prompt)."
        : "Turn on time sync: `sudo timedatectl set-ntp true` (or install chrony/ntp), then check with `timedatectl`.";
  return check("clock", "Clock", "fail", words, how);
}
