import { closeSync, createReadStream, createWriteStream, openSync } from "node:fs";
import { createInterface } from "node:readline/promises";

/**
 * Asks a question on the terminal itself (/dev/tty), not on stdin: `hearth uninstall` may run with stdin piped.
 * Resolves to the answer, or null when there is no terminal to ask (a service, CI, a pipe without a tty).
 */
export async function askOnTerminal(question: string): Promise<string | null> {
  if (process.platform === "win32") {
    if (!process.stdin.isTTY) return null;
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  }
  let fd: number;
  try {
    fd = openSync("/dev/tty", "r+");
  } catch {
    return null;
  }
  const input = createReadStream("", { fd, autoClose: false });
  const output = createWriteStream("", { fd, autoClose: false });
  const rl = createInterface({ input, output });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
    input.destroy();
    output.destroy();
    closeSync(fd);
  }
}

/** Whether an answer is yes (`y`, `yes`, any case); anything else, and no answer, is no. */
export function isYes(answer: string | null): boolean {
  return answer !== null && /^\s*y(es)?\s*$/i.test(answer);
}
