import { spawn } from "node:child_process";
import { realpath } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { bwrapArguments } from "./os-sandbox.ts";
import type { SandboxLayout } from "./os-sandbox.ts";
import type { Sandbox } from "./sandbox.ts";
import { bareEntries, matchesPattern, patternPrograms } from "./shell-patterns.ts";
import type { CommandPattern } from "./shell-patterns.ts";
import { refusedArgument, refusedProgram } from "./shell-rules.ts";
import { ActionError, defineAction } from "./types.ts";
import type { Connector } from "./types.ts";

export type ShellOptions = {
  patterns: readonly CommandPattern[];
  timeoutMs: number;
  maxOutputBytes: number;
  configPath: string;
  /** Whether commands may use the network (shell.network). */
  network: boolean;
  /** The bubblewrap to run every command in (see os-sandbox.ts). */
  bwrap: string;
  /** Folders to hide from commands even inside a root: the agent's own settings. */
  hidden: readonly string[];
};

/**
 * The shell connector: runs a command that a `shell.allow` pattern allows, as an argument array. There is no shell
 * in between, so no quoting, globbing, pipes or `;`; options that would run something else or reach outside the
 * folders are refused (shell-rules.ts); every path-like argument must lie inside the roots; and the program runs in
 * an OS sandbox (os-sandbox.ts) that holds it to the roots even where those checks miss something.
 */
export function createShellConnector(options: ShellOptions, sandbox: Sandbox): Connector {
  const allowed = options.patterns.map((pattern) => pattern.text).join(", ");
  const programs = patternPrograms(options.patterns).join(", ");
  return {
    target: "shell",
    description: `Run allowlisted commands: ${allowed}.`,
    actions: {
      run: defineAction({
        description: `Run a command that matches one of: ${allowed} (no shell syntax, in a sandbox). Times out after ${options.timeoutMs} ms.`,
        readOnly: false,
        parameters: z.object({
          program: z.string().min(1).max(4096).describe(`One of: ${programs}.`),
          args: z.array(z.string().max(32_768)).max(200).default([]),
          cwd: z.string().min(1).max(4096).optional().describe("The working folder, inside the allowed folders. Defaults to the first one; a relative path is read from the home folder."),
        }),
        // Checked before any permission is asked. What no pattern could ever allow (a refused program or option, a
        // path outside the folders) is reported first, so the message never suggests a pattern that would not help.
        scopes: async (params) => {
          const refused = refusedProgram(params.program) ?? refusedArgument(params.program, params.args);
          if (refused) throw new ActionError("denied_locally", refused);
          const cwd = await workingFolder(sandbox, params.cwd);
          for (const arg of params.args) {
            const path = pathIn(arg);
            // The shell's own sandbox hides Hearth's settings folder, so naming a folder that holds it is no way in.
            if (path !== null) await sandbox.resolve(resolve(cwd, path), { mayHold: true });
          }
          if (!options.patterns.some((pattern) => matchesPattern(pattern, params.program, params.args))) {
            throw new ActionError("denied_locally", notAllowedMessage(params.program, params.args, options));
          }
          return [params.program];
        },
        run: async (params) => {
          const cwd = await workingFolder(sandbox, params.cwd);
          const hidden = await Promise.all(options.hidden.map((dir) => realpath(dir).catch(() => dir)));
          const layout: SandboxLayout = { roots: await sandbox.realRoots(), hidden, home: sandbox.home, cwd, network: options.network, ...(process.env.LANG ? { lang: process.env.LANG } : {}) };
          return runProgram(options.bwrap, params.program, params.args, layout, { timeoutMs: options.timeoutMs, maxOutputBytes: options.maxOutputBytes });
        },
      }),
    },
  };
}

/** The command's folder: the one given (inside the roots), else the first root. */
async function workingFolder(sandbox: Sandbox, cwd: string | undefined): Promise<string> {
  if (cwd !== undefined) return (await sandbox.resolve(cwd, { mayHold: true })).real;
  const [first] = await sandbox.realRoots();
  if (first === undefined) throw new ActionError("outside_roots", "No folders are configured. Add one to filesystem.roots in config.json.");
  return first;
}

/**
 * The part of an argument that names a path, or null: the argument itself, the value of `--opt=value`, or the value
 * glued to a short option (`-C/etc`, `-o../x`, from its first `.`, `/` or `~`). Only text with a `/` (or `..`) can
 * leave the working folder, so a plain word such as `main` or `-la` is no path.
 */
export function pathIn(arg: string): string | null {
  let value = arg;
  if (arg.startsWith("--")) {
    const equals = arg.indexOf("=");
    if (equals === -1) return null;
    value = arg.slice(equals + 1);
  } else if (arg.startsWith("-")) {
    const start = arg.slice(1).search(/[./~]/);
    if (start === -1) return null;
    value = arg.slice(1 + start);
  }
  return value.includes("/") || value === ".." || isAbsolute(value) ? value : null;
}

function notAllowedMessage(program: string, args: readonly string[], options: ShellOptions): string {
  const command = [program, ...args].join(" ");
  const shown = command.length > 200 ? `${command.slice(0, 200)}…` : command;
  const suggestion = args.length > 0 ? `${program} ${args[0]}` : program;
  let message = `"${shown}" is not allowed by this computer's shell.allow (${options.patterns.map((pattern) => pattern.text).join(", ")}). To allow it, add a pattern such as "${suggestion} *" to shell.allow in ${options.configPath}.`;
  if (args.length > 0 && bareEntries(options.patterns).includes(program)) {
    message += ` A program named alone ("${program}") allows only ${program} with no arguments.`;
  }
  return message;
}

type RunLimits = { timeoutMs: number; maxOutputBytes: number };

/** Runs a program to completion inside bubblewrap, keeping at most `maxOutputBytes` of each stream. */
function runProgram(bwrap: string, program: string, args: readonly string[], layout: SandboxLayout, limits: RunLimits): Promise<Record<string, unknown>> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const child = spawn(bwrap, bwrapArguments(layout, program, args), { shell: false, stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    const streams = { stdout: collector(limits.maxOutputBytes), stderr: collector(limits.maxOutputBytes) };
    child.stdout.on("data", (chunk: Buffer) => streams.stdout.add(chunk));
    child.stderr.on("data", (chunk: Buffer) => streams.stderr.add(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL"); // bwrap's --die-with-parent takes the program down with it
    }, limits.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new ActionError("execution_failed", `Could not start the sandbox for ${program}: ${error.message}.`));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new ActionError("timeout", `${program} did not finish within ${limits.timeoutMs} ms and was stopped. Raise shell.timeout_ms in config.json if it needs longer.`));
        return;
      }
      const stderr = streams.stderr.text();
      if (code !== 0 && stderr.startsWith("bwrap: execvp")) {
        reject(new ActionError("execution_failed", `${program} was not found among the system's programs, which are all the sandbox can see (/usr, /bin, /opt): ${stderr.trim()}.`));
        return;
      }
      resolvePromise({
        program,
        args,
        exit_code: code,
        signal,
        stdout: streams.stdout.text(),
        stderr,
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
