import { statfs } from "node:fs/promises";
import { arch, cpus, freemem, hostname, platform, release, totalmem, type, uptime } from "node:os";
import { z } from "zod";
import type { Sandbox } from "./sandbox.ts";
import { defineAction } from "./types.ts";
import type { Connector } from "./types.ts";

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
          const disks = await Promise.all(
            sandbox.roots.map(async (root, index) => {
              const info = await statfs(root).catch(() => null);
              return { path: shown[index] ?? root, free_bytes: info ? info.bavail * info.bsize : null, total_bytes: info ? info.blocks * info.bsize : null };
            }),
          );
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
