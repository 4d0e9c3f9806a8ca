import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../agent/bin/hearth.mjs", import.meta.url));

/** A real `hearth` agent process with its own config folder and a filesystem root, both temporary. */
export class AgentProcess {
  readonly home = mkdtempSync(join(tmpdir(), "hearth-e2e-home-"));
  readonly root = mkdtempSync(join(tmpdir(), "hearth-e2e-files-"));
  process: ChildProcess | null = null;
  output = "";

  constructor() {
    mkdirSync(this.home, { recursive: true });
    writeFileSync(join(this.home, "config.json"), JSON.stringify({ filesystem: { roots: [this.root] }, local_endpoint: { port: 0 } }));
  }

  /** Runs `hearth <args>` and resolves when `match` appears in its output. */
  run(args: string[], env: Record<string, string> = {}): ChildProcess {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, HEARTH_HOME: this.home, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    this.output = "";
    child.stdout?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    this.process = child;
    return child;
  }

  /**
   * Runs a one-off `hearth <args>` beside the running agent (same HEARTH_HOME), as the user would in a second
   * terminal on the computer; resolves with its exit code and output.
   */
  cli(args: string[], env: Record<string, string> = {}): { code: number | null; output: string } {
    const run = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, HOME: this.root, HEARTH_HOME: this.home, ...env }, encoding: "utf8", timeout: 30_000 });
    return { code: run.status, output: `${run.stdout}${run.stderr}` };
  }

  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`agent never printed ${pattern}; it printed:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async exited(timeoutMs = 15_000): Promise<number | null> {
    const child = this.process;
    if (!child) return null;
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent did not exit; it printed:\n${this.output}`)), timeoutMs);
      child.once("exit", (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    this.process?.kill(signal);
  }
}
