import type { AgentManifest } from "#protocol";
import { parseManifest } from "./fill.ts";

// What `npm run build` left under web/build/agent/, read through the assets binding (never from the network).

/** How long one isolate trusts the manifest it read: a deploy with a new agent is seen within a minute. */
export const MANIFEST_CACHE_MS = 60_000;

// Per isolate, and keyed by the binding: the tests give some requests an assets binding without a build.
const cache = new WeakMap<Fetcher, { manifest: AgentManifest | null; readAt: number }>();

/** Fetches one built file from the assets; null when it is not there (the assets may answer the app's page instead). */
export async function readAsset(assets: Fetcher, path: string): Promise<Response | null> {
  // The host is never looked at by the assets binding; the path is the file.
  const response = await assets.fetch(new Request(`https://assets.invalid${path}`));
  if (!response.ok || (response.headers.get("content-type") ?? "").includes("text/html")) {
    await response.body?.cancel();
    return null;
  }
  return response;
}

/** The build's manifest, or null when this server has no (readable) agent build. */
export async function agentManifest(assets: Fetcher, now = Date.now()): Promise<AgentManifest | null> {
  const hit = cache.get(assets);
  if (hit && now - hit.readAt < MANIFEST_CACHE_MS) return hit.manifest;
  const response = await readAsset(assets, "/agent/manifest.json");
  const manifest = response ? parseManifest(await response.text()) : null;
  cache.set(assets, { manifest, readAt: now });
  return manifest;
}

/** The agent version this server offers, or null without a build: what devices are compared against. */
export async function latestAgentVersion(env: { ASSETS: Fetcher }): Promise<string | null> {
  return (await agentManifest(env.ASSETS))?.version ?? null;
}

/** An install script's template (`install.sh.in` / `install.ps1.in`), or null when the build has none. */
export async function scriptTemplate(assets: Fetcher, kind: "sh" | "ps1"): Promise<string | null> {
  const response = await readAsset(assets, `/agent/install.${kind}.in`);
  return response ? response.text() : null;
}
