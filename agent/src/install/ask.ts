import { openSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import type { Interface } from "node:readline/promises";
import { ReadStream, WriteStream } from "node:tty";

/** Asks the user questions; null when there is no one to ask. `close` ends the conversation. */
export type Asker = { ask(question: string): Promise<string | null>; close(): void };

/**
 * Asks on the terminal itself (/dev/tty), not on stdin: `hearth uninstall` may run with stdin piped, or from a
 * script. The terminal is opened once, at the first question, as non-blocking tty streams (an fs stream would
 * leave a blocked read behind that swallows the next answer). No terminal (a service, CI): every answer is null.
 */
export function terminalAsker(): Asker {
  let rl: Interface | null | undefined;
  let streams: { input: ReadStream; output: WriteStream } | undefined;
  const open = (): Interface | null => {
    if (rl !== undefined) return rl;
    try {
      if (process.platform === "win32") {
        rl = process.stdin.isTTY ? createInterface({ input: process.stdin, output: process.stdout }) : null;
      } else {
        streams = { input: new ReadStream(openSync("/dev/tty", "r")), output: new WriteStream(openSync("/dev/tty", "w")) };
        rl = createInterface({ input: streams.input, output: streams.output });
      }
    } catch {
      rl = null;
    }
    return rl;
  };
  return {
    ask: async (question) => {
      const terminal = open();
      return terminal ? await terminal.question(question) : null;
    },
    close: () => {
      rl?.close();
      streams?.input.destroy();
      streams?.output.destroy();
    },
  };
}

/** Whether an answer is yes (`y`, `yes`, any case); anything else, and no answer, is no. */
export function isYes(answer: string | null): boolean {
  return answer !== null && /^\s*y(es)?\s*$/i.test(answer);
}
