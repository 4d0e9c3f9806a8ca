import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { once } from "node:events";
import { AgentManifest } from "#protocol";

/** A download or a check failed; the message says what to do. `refused` marks a checksum mismatch. */
export class DownloadError extends Error {
  readonly refused: boolean;

  constructor(message: string, refused = false) {
    super(message);
    this.refused = refused;
  }
}

/** Why a fetch failed, in a few words (fetch hides the cause one level down). */
function causeOf(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return "timed out";
  if (error instanceof Error && error.cause instanceof Error) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Reads `<server>/agent/manifest.json` (what the server offers to install). Throws a DownloadError that says what to
 * check: the server unreachable, no agent build on it, or an answer that is not a manifest.
 */
export async function fetchManifest(server: string, timeoutMs: number): Promise<AgentManifest> {
  const url = new URL("/agent/manifest.json", server);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
  } catch (error) {
    throw new DownloadError(`Cannot reach ${server} (${causeOf(error)}). Check your connection and try again.`);
  }
  if (response.status === 404 || response.status === 503) {
    await response.body?.cancel();
    throw new DownloadError(`${server} has no agent build to offer (HTTP ${response.status} for ${url.pathname}): whoever runs it must run \`npm run build\` there.`);
  }
  let json: unknown;
  try {
    json = response.ok ? await response.json() : null;
  } catch {
    json = null;
  }
  const manifest = AgentManifest.safeParse(json);
  if (!manifest.success) throw new DownloadError(`${url} is not an agent manifest this agent understands (HTTP ${response.status}). Check the server address.`);
  return manifest.data;
}

/**
 * Downloads `url` into `file`, hashing on the way, and keeps it only if its SHA-256 (and size) are the expected
 * ones: otherwise the file is deleted and a `refused` DownloadError says so. Nothing else is touched either way.
 */
export async function downloadVerified(url: string, file: string, expected: { sha256: string; size: number }, what: string, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new DownloadError(`Could not download ${what} from ${url} (${causeOf(error)}). Check your connection and try again.`);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new DownloadError(`Could not download ${what}: HTTP ${response.status} from ${url}.`);
  }
  const hash = createHash("sha256");
  const out = createWriteStream(file, { mode: 0o644 });
  let size = 0;
  try {
    for await (const chunk of response.body) {
      hash.update(chunk);
      size += chunk.byteLength;
      if (!out.write(chunk)) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
  } catch (error) {
    out.destroy();
    await rm(file, { force: true });
    throw new DownloadError(`Could not download ${what} from ${url} (${causeOf(error)}). Try again.`);
  }
  const actual = hash.digest("hex");
  if (actual !== expected.sha256 || size !== expected.size) {
    await rm(file, { force: true });
    throw new DownloadError(
      `refused: checksum mismatch for ${what} (expected ${expected.sha256}, got ${actual}). Nothing was replaced. The download was changed on the way or on the server; try again, and tell whoever runs the server if it happens again.`,
      true,
    );
  }
}

/** Unpacks one member of a .tgz into `dir` with the system's tar (which the install script needed too). */
export function extractMember(tgz: string, member: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("tar", ["-xzf", tgz, "-C", dir, member], (error, _stdout, stderr) => {
      if (error) reject(new DownloadError(`Could not unpack ${member} from the Node runtime (${stderr.trim() || error.message}). Nothing was replaced.`));
      else resolve();
    });
  });
}
