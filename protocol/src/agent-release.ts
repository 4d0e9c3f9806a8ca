import { z } from "zod";

// The agent as the server offers it (issue 16): one versioned bundle run by a pinned Node 22 runtime that the
// install script fetches from the npm registry. `npm run build` writes `web/build/agent/manifest.json` in this
// shape; the worker serves it at /agent/manifest.json with `app.url` added; `hearth update` reads it.

/** `x.y.z` with an optional `-prerelease` (`0.2.0-rc.1`): what `agent/package.json` "version" may be. */
export const AgentVersion = z
  .string()
  .max(40)
  .regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, { error: "An agent version looks like 1.2.3 or 1.2.3-rc.1." });

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, { error: "A SHA-256 is 64 lower-case hex digits." });

/**
 * A runtime table's key: `${process.platform}-${process.arch}`, as the agent's PLATFORM (`linux-x64`, `win32-x64`…).
 * Any such key is accepted, so a build that adds a platform does not make older servers refuse its manifest.
 */
export const RuntimePlatform = z.string().regex(/^[a-z0-9]+-[a-z0-9]+$/);

/** One platform's Node runtime: an npm tarball (under `runtime.base`), its SHA-256 and size, the binary inside it. */
export const RuntimeArtifact = z.object({
  path: z.string().min(1),
  sha256: Sha256,
  size: z.number().int().positive(),
  binary: z.string().min(1),
});

/** The build's manifest, as `scripts/build-agent.mjs` writes it (`web/build/agent/manifest.json`). */
export const AgentManifest = z.object({
  schema: z.literal(1),
  version: AgentVersion,
  /** ISO 8601. */
  built_at: z.string(),
  app: z.object({
    /** Site-absolute, like `/agent/0.1.0/hearth.cjs`. */
    path: z.string().regex(/^\/agent\/[^/]+\/hearth\.cjs$/),
    sha256: Sha256,
    size: z.number().int().positive(),
  }),
  runtime: z.object({
    node: z.string().min(1),
    /** No trailing slash; a platform's tarball is `${base}/${path}`. */
    base: z.string().regex(/^https?:\/\/\S+[^/]$/),
    platforms: z.record(RuntimePlatform, RuntimeArtifact),
  }),
});
export type AgentManifest = z.infer<typeof AgentManifest>;

/** API → agent: GET /agent/manifest.json, the manifest with the bundle's absolute `app.url` (origin + `app.path`). */
export const ServedAgentManifest = AgentManifest.extend({
  app: AgentManifest.shape.app.extend({ url: z.string().url() }),
});
export type ServedAgentManifest = z.infer<typeof ServedAgentManifest>;

/** agent → API: GET /api/agent/device (bearer token): the device this token belongs to, and the version offered. */
export const AgentDeviceResponse = z.object({
  device_id: z.string(),
  name: z.string(),
  user_email: z.string(),
  /** What the agent said in its last `hello` (or at pairing). */
  agent_version: z.string(),
  /** The version this server offers; null when it has no agent build. */
  latest_version: z.string().nullable(),
  /** The server's clock, for `hearth doctor`'s skew check (ms). */
  server_time: z.number(),
});
export type AgentDeviceResponse = z.infer<typeof AgentDeviceResponse>;

/** API → agent: DELETE /api/agent/device (bearer token), as `hearth uninstall` calls it. */
export const AgentDeviceRevokedResponse = z.object({ revoked: z.literal(true) });

type Parsed = { core: [number, number, number]; pre: string[] };

function parseVersion(version: string): Parsed | null {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/.exec(version.trim());
  if (!match) return null;
  return { core: [Number(match[1]), Number(match[2]), Number(match[3])], pre: match[4] ? match[4].split(".") : [] };
}

function order(a: number | string, b: number | string): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareIdentifiers(a: string, b: string): -1 | 0 | 1 {
  const numA = /^\d+$/.test(a);
  const numB = /^\d+$/.test(b);
  // Semver §11: numeric identifiers compare as numbers and sort before alphanumeric ones.
  if (numA && numB) return order(Number(a), Number(b));
  if (numA !== numB) return numA ? -1 : 1;
  return order(a, b);
}

/**
 * Semver order of two agent versions (`x.y.z[-pre]`): -1 when `a` is older, 1 when newer, 0 when equal.
 * A version that is not `x.y.z` (a hand-built agent's "dev") sorts before every real one, so it is offered updates.
 * @example compareVersions("0.1.0", "0.2.0-rc.1") // -1
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) return pa ? 1 : pb ? -1 : order(a, b);
  for (let i = 0; i < 3; i += 1) {
    const step = order(pa.core[i] ?? 0, pb.core[i] ?? 0);
    if (step !== 0) return step;
  }
  // A release sorts after its prereleases (1.0.0-rc.1 < 1.0.0).
  if (pa.pre.length === 0 || pb.pre.length === 0) return order(pb.pre.length, pa.pre.length);
  for (let i = 0; i < Math.min(pa.pre.length, pb.pre.length); i += 1) {
    const step = compareIdentifiers(pa.pre[i] ?? "", pb.pre[i] ?? "");
    if (step !== 0) return step;
  }
  return order(pa.pre.length, pb.pre.length);
}

/** Whether a device running `current` should be offered `latest` (null: the server has no agent build). */
export function updateAvailable(current: string, latest: string | null): boolean {
  return latest !== null && compareVersions(current, latest) < 0;
}
