import { spawn } from "node:child_process";
import { z } from "zod";
import type { Sandbox } from "./sandbox.ts";
import { ActionError, defineAction } from "./types.ts";
import type { Connector } from "./types.ts";

export type ShellOptions = { allow: readonly string[]; timeoutMs: number; maxOutputBytes: number; configPath: string };

/**
 * The shell connector: runs an allowlisted program with an argument array. There is no shell in between, so no
 * quoting, globbing, pipes or `;` — an argument is only ever an argument. Output is capped and the run is timed out.
 */
export function createShellConnector(options: ShellOptions, sandbox: Sandbox): Connector {
  return {
    target: "shell",
    description: `Run allowlisted programs: ${options.allow.join(", ")}.`,
    actions: {
      run: defineAction({
        description: `Run one of ${options.allow.join(", ")} with arguments (no shell syntax). Times out after ${options.timeoutMs} ms.`,
        readOnly: false,
        parameters: z.object({
          program: z.string().min(1).max(4096).describe(`One of: ${options.allow.join(", ")}.`),
          args: z.array(z.string().max(32_768)).max(200).default([]),
          cwd: z.string().min(1).max(4096).optional().describe("The working folder, inside the allowed folders. Defaults to the first one; a relative path is read from the home folder."),
        }),
        // Checked before any permission is asked: a program off the allowlist is refused outright.
        scopes: async (params) => {
          if (!options.allow.includes(params.program)) {
            throw new ActionError("denied_locally", `${params.program} is not in this computer's shell allowlist (${options.allow.join(", ")}). Add it to shell.allow in ${options.configPath} to allow it.`);
          }
          if (params.cwd !== undefined) await sandbox.resolve(params.cwd);
          return [params.program];
        },
        run: async (params) => {
          const cwd = params.cwd === undefined ? (await sandbox.realRoots())[0] : (await sandbox.resolve(params.cwd)).real;
          return runProgram(params.program, params.args, { cwd, timeoutMs: options.timeoutMs, maxOutputBytes: options.maxOutputBytes });
        },
      }),
    },
  };
}

type RunLimits = { cwd: string | undefined; timeoutMs: number; maxOutputBytes: number };

/** Runs a program to completion, keeping at most `maxOutputBytes` of each stream. */
function runProgram(program: string, args: readonly string[], limits: RunLimits): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(program, args, { cwd: limits.cwd, shell: false, stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    const streams = { stdout: collector(limits.maxOutputBytes), stderr: collector(limits.maxOutputBytes) };
    child.stdout.on("data", (chunk: Buffer) => streams.stdout.add(chunk));
    child.stderr.on("data", (chunk: Buffer) => streams.stderr.add(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, limits.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new ActionError("execution_failed", `Could not start ${program}: ${error.message}.`));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new ActionError("timeout", `${program} did not finish within ${limits.timeoutMs} ms and was stopped. Raise shell.timeout_ms in config.json if it needs longer.`));
        return;
      }
      resolve({
        program,
        args,
        exit_code: code,
        signal,
        stdout: streams.stdout.text(),
        stderr: streams.stderr.text(),
        truncated: streams.stdout.truncated() || streams.stderr.truncated(),
        duration_ms: Date.now() - started,
      });
    });
  });
}

function collector(max: number) {
  const chunks: Buffer[] = [];
  let kept = 0;
  let dropped = false;
  return {
    add(chunk: Buffer) {
      if (kept >= max) {
        dropped = true;
        return;
      }
      const part = chunk.subarray(0, max - kept);
      if (part.length < chunk.length) dropped = true;
      chunks.push(part);
      kept += part.length;
    },
    text: () => Buffer.concat(chunks).toString("utf8"),
    truncated: () => dropped,
  };
}
