import { stat, statfs } from "node:fs/promises";
import { arch, cpus, freemem, hostname, platform, release, totalmem, type, uptime } from "node:os";
import { z } from "zod";
import type { Sandbox } from "./sandbox.ts";
import { defineAction } from "./types.ts";
import type { Connector } from "./types.ts";

/** Free and total bytes of one filesystem, or nulls where it could not be read. */
type Space = { free_bytes: number | null; total_bytes: number | null };

/** How a folder's filesystem is read; a parameter so a test can make free space move between reads, as on a busy disk. */
export type DiskReader = {
  stat: (path: string) => Promise<{ dev: number }>;
  statfs: (path: string) => Promise<{ bavail: number; bsize: number; blocks: number }>;
};

const NODE_DISKS: DiskReader = { stat, statfs };

/**
 * Each folder's disk space, in the order given. Folders on one filesystem (the same device id) share a single
 * reading: whoever shows them (the assistant's reply, the web card) puts folders with equal figures on one line,
 * and free space read twice a moment apart can differ on a disk in use, which split one disk into two lines.
 */
export async function diskSpace(roots: readonly string[], read: DiskReader = NODE_DISKS): Promise<{ path: string; space: Space }[]> {
  const unknown: Space = { free_bytes: null, total_bytes: null };
  const byDevice = new Map<number, Promise<Space>>();
  const spaceOf = async (root: string): Promise<Space> => {
    const info = await read.statfs(root).catch(() => null);
    return info ? { free_bytes: info.bavail * info.bsize, total_bytes: info.blocks * info.bsize } : unknown;
  };
  return Promise.all(
    roots.map(async (root) => {
      const device = await read.stat(root).then((s) => s.dev).catch(() => null);
      if (device === null) return { path: root, space: unknown };
      let space = byDevice.get(device);
      if (!space) {
        space = spaceOf(root);
        byDevice.set(device, space);
      }
      return { path: root, space: await space };
    }),
  );
}

/** The system connector: facts about this computer. Read-only. */
export function createSystemConnector(sandbox: Sandbox, agentVersion: string): Connector {
  return {
    target: "system",
    description: "Facts about this computer: OS, disk space of the allowed folders, memory, uptime.",
    actions: {
      info: defineAction({
        description: "OS, hostname, uptime, memory, and free/total disk space for each allowed folder.",
        readOnly: true,
        parameters: z.object({}),
        run: async () => {
          const shown = sandbox.displayRoots();
          const disks = (await diskSpace(sandbox.roots)).map((disk, index) => ({ path: shown[index] ?? disk.path, ...disk.space }));
          return {
            os: { platform: platform(), type: type(), release: release(), arch: arch() },
            hostname: hostname(),
            uptime_s: Math.round(uptime()),
            memory: { total_bytes: totalmem(), free_bytes: freemem() },
            cpus: cpus().length,
            disks,
            agent_version: agentVersion,
          };
        },
      }),
    },
  };
}
