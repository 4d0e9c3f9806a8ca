import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../bin/hearth.mjs", import.meta.url));

/** Runs the real `hearth` executable in a child process, as a user would. */
function hearth(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("hearth CLI", () => {
  it("prints its help and version", async () => {
    const help = await hearth("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^hearth \d+\.\d+\.\d+/);
    expect(help.stdout).toContain("status");
    expect((await hearth("--version")).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("gives every command its own help", async () => {
    const help = await hearth("status", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: hearth status");
  });

  it("refuses an unknown command or option with a hint and exit code 2", async () => {
    const unknown = await hearth("fly");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "fly"');
    expect(unknown.stderr).toContain("hearth --help");
    const badOption = await hearth("status", "--loud");
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain("hearth status --help");
  });

  it("says plainly that it is not paired yet", async () => {
    const status = await hearth("status");
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/not paired/i);
  });
});
