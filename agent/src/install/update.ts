import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { dirname, join } from "node:path";
import { compareVersions } from "#protocol";
import type { AgentManifest } from "#protocol";
import { PLATFORM, VERSION } from "../version.ts";
import { DownloadError, downloadVerified, extractMember } from "./download.ts";
import type { InstalledLayout } from "./layout.ts";
import { writeInstallRecord } from "./layout.ts";

/** Time limits for an update's downloads: the runtime is ~50 MB, the agent ~1.5 MB. */
export const UPDATE_TIMEOUTS = { manifestMs: 15_000, appMs: 120_000, runtimeMs: 15 * 60_000 };

/** What an update did. */
export type UpdateOutcome = { from: string; to: string; runtime: { from: string; to: string } | null };

/** Whether the manifest offers a newer agent than this one. */
export function isNewer(manifest: AgentManifest, current: string = VERSION): boolean {
  return compareVersions(manifest.version, current) > 0;
}

/** Renames `next` over `target`. On Windows a running node.exe cannot be replaced, but it can be renamed away first. */
function swapInto(next: string, target: string): void {
  if (process.platform === "win32" && existsSync(target)) {
    const old = `${target}.old`;
    rmSync(old, { force: true });
    renameSync(target, old);
  }
  renameSync(next, target);
}

/**
 * Installs the manifest's agent (and its runtime, when `runtime.node` changed) over `layout`. Everything is
 * downloaded and checked first, beside its final place; only then are the files renamed over the old ones (each
 * rename is atomic), the old agent kept as hearth.cjs.previous, and install.json updated. A checksum mismatch
 * throws a `refused` DownloadError and replaces nothing.
 */
export async function applyUpdate(layout: InstalledLayout, manifest: AgentManifest, server: string, say: (line: string) => void): Promise<UpdateOutcome> {
  const runtimeChanged = manifest.runtime.node !== layout.record.node;
  const pinned = manifest.runtime.platforms[PLATFORM];
  if (runtimeChanged && !pinned) throw new DownloadError(`The new agent needs Node ${manifest.runtime.node}, and ${server} pins no runtime for ${PLATFORM}. Nothing was replaced.`);
  const staging = mkdtempSync(join(dirname(layout.app), ".update-"));
  try {
    let runtimeNext: string | null = null;
    if (runtimeChanged && pinned) {
      const url = `${manifest.runtime.base.replace(/\/+$/, "")}/${pinned.path}`;
      say(`… Downloading Node ${manifest.runtime.node} (${Math.round(pinned.size / 1048576)} MB)`);
      const tgz = join(staging, "runtime.tgz");
      await downloadVerified(url, tgz, pinned, `the Node runtime (${url})`, UPDATE_TIMEOUTS.runtimeMs);
      await extractMember(tgz, pinned.binary, staging);
      // Beside the runtime, so the final rename stays on one file system.
      runtimeNext = `${layout.runtime}.new`;
      renameSync(join(staging, pinned.binary), runtimeNext);
      await chmod(runtimeNext, 0o755);
      say(`✓ Node ${manifest.runtime.node} downloaded and checked (SHA-256)`);
    }
    const appUrl = new URL(manifest.app.path, server).href;
    say(`… Downloading the Hearth agent ${manifest.version}`);
    const appNext = join(staging, "hearth.cjs");
    await downloadVerified(appUrl, appNext, manifest.app, `the agent (${appUrl})`, UPDATE_TIMEOUTS.appMs);
    say("✓ Agent downloaded and checked (SHA-256)");

    if (runtimeNext) swapInto(runtimeNext, layout.runtime);
    copyFileSync(layout.app, layout.previousApp);
    renameSync(appNext, layout.app);
    writeInstallRecord(layout.recordFile, { ...layout.record, version: manifest.version, node: manifest.runtime.node });
    return { from: layout.record.version, to: manifest.version, runtime: runtimeChanged ? { from: layout.record.node, to: manifest.runtime.node } : null };
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(`${layout.runtime}.new`, { force: true });
  }
}
