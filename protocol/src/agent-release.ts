import { z } from "zod";

// What a Hearth server offers to install and update its agents: `/agent/manifest.json`, written by
// scripts/build-agent.mjs and served by the worker (which adds `app.url`). The agent's `hearth update` and
// `hearth status` read it; the install scripts carry the same values baked in at build time.

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 in lowercase hex");
const Version = z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, "a version like 1.2.3 or 1.2.3-beta.1");

/** One platform's Node runtime: an npm tarball under `runtime.base`, its checksum, and the binary inside it. */
export const AgentRuntimeFile = z.object({
  path: z.string().min(1),
  sha256: Sha256,
  size: z.number().int().positive(),
  binary: z.string().min(1),
});
export type AgentRuntimeFile = z.infer<typeof AgentRuntimeFile>;

/** `/agent/manifest.json`: the agent's version, its bundle, and the pinned Node runtime per platform key (`linux-x64`, …). */
export const AgentManifest = z.object({
  schema: z.literal(1),
  version: Version,
  built_at: z.string(),
  app: z.object({
    path: z.string().startsWith("/agent/"),
    sha256: Sha256,
    size: z.number().int().positive(),
    // Added by the worker when it serves the manifest: origin + path.
    url: z.url().optional(),
  }),
  runtime: z.object({
    node: Version,
    base: z.url(),
    platforms: z.record(z.string(), AgentRuntimeFile),
  }),
});
export type AgentManifest = z.infer<typeof AgentManifest>;

/** Parses `x.y.z` or `x.y.z-pre.release`; null when it is not one. */
function parseVersion(text: string): { core: number[]; pre: string[] } | null {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/.exec(text.trim());
  if (!match) return null;
  return { core: [Number(match[1]), Number(match[2]), Number(match[3])], pre: match[4] ? match[4].split(".") : [] };
}

/**
 * Orders two versions the semver way: the numbers first, then a pre-release sorts before its release, and
 * pre-release parts compare numerically when both are numbers, else as text. Anything unparseable sorts first.
 * @example compareVersions("0.2.0", "0.10.0") // -1
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (!left || !right) return left ? 1 : right ? -1 : 0;
  for (let i = 0; i < 3; i++) {
    const x = left.core[i] ?? 0;
    const y = right.core[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  if (left.pre.length === 0 || right.pre.length === 0) {
    if (left.pre.length === right.pre.length) return 0;
    return left.pre.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.max(left.pre.length, right.pre.length); i++) {
    const x = left.pre[i];
    const y = right.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const numeric = /^\d+$/.test(x) && /^\d+$/.test(y);
    if (numeric) return Number(x) < Number(y) ? -1 : 1;
    if (/^\d+$/.test(x)) return -1;
    if (/^\d+$/.test(y)) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
