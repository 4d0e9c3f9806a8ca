import { describe, expect, it } from "vitest";
import { parseMessage } from "./parser.ts";
import { answerFor } from "./respond.ts";
import type { Json } from "#protocol";

/** The answer a user reads for a message whose command finished with `data`. */
function answer(text: string, data: Json): string {
  const intent = parseMessage(text);
  if (intent.kind !== "command") throw new Error(`${text} is not a command`);
  return answerFor({ kind: "done", data }, { command: intent.command, summary: intent.summary, deviceName: "laptop" });
}

const GIB = 2 ** 30;
const INFO: Json = {
  os: { platform: "linux", type: "Linux", release: "6.8.0", arch: "x64" },
  hostname: "laptop",
  uptime_s: 7200,
  memory: { total_bytes: 16 * GIB, free_bytes: 6 * GIB },
  cpus: 8,
  disks: [
    { path: "~/Documents", free_bytes: 120 * GIB, total_bytes: 500 * GIB },
    { path: "~/Downloads", free_bytes: 120 * GIB, total_bytes: 500 * GIB },
    { path: "/mnt/photos", free_bytes: 10 * GIB, total_bytes: 2000 * GIB },
  ],
  agent_version: "0.1.0",
};

describe("answers written from a command's result", () => {
  it("answers a disk-space question with disk space, one line per disk, before memory", () => {
    const text = answer("how much disk space do I have?", INFO);
    expect(text.split("\n\n")).toEqual([
      "Disk space: 120.0 GiB free of 500.0 GiB (~/Documents, ~/Downloads).",
      "Disk space: 10.0 GiB free of 2000.0 GiB (/mnt/photos).",
      expect.stringMatching(/^laptop: Linux 6\.8\.0 \(x64\), .*6\.0 GiB of 16\.0 GiB memory free\.$/),
    ]);
  });

  it("says where a search looked when it found nothing, and what a write did", () => {
    expect(answer("find taxes.pdf", { path: null, searched: ["~/Documents", "~/Downloads"], matches: [], truncated: false, visited: 4 })).toBe(
      'Nothing found (Find files named "taxes.pdf" in the agent\'s folders); I looked in ~/Documents, ~/Downloads.',
    );
    expect(answer("/ls", { path: null, entries: [{ name: "~/Documents", type: "directory" }, { name: "~/Downloads", type: "directory" }], total: 2, truncated: false })).toBe(
      "The agent may use 2 folders:\n- ~/Documents/\n- ~/Downloads/",
    );
    expect(answer("add eggs to todo.txt", { path: "~/Documents/todo.txt", mode: "append", bytes_written: 5 })).toBe("Added to ~/Documents/todo.txt (5 bytes).");
  });
});
