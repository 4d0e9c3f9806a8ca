/** Where `hearth start` reports what happens: readable lines, or JSON lines with `--json`. */
export type Logger = {
  info: (event: string, message: string, fields?: Record<string, unknown>) => void;
  warn: (event: string, message: string, fields?: Record<string, unknown>) => void;
  error: (event: string, message: string, fields?: Record<string, unknown>) => void;
};

type Sink = (line: string) => void;

/**
 * A logger writing to `sink`. Readable lines send warnings and errors to `errorSink`; JSON lines all go to `sink`, one
 * stream for a log collector. Callers never pass secrets in fields; the token is not even available to them.
 */
export function createLogger(options: { json: boolean; sink?: Sink; errorSink?: Sink }): Logger {
  const out = options.sink ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = options.errorSink ?? out;
  const write = (level: "info" | "warn" | "error") => (event: string, message: string, fields: Record<string, unknown> = {}) => {
    if (options.json) {
      out(JSON.stringify({ time: new Date().toISOString(), level, event, msg: message, ...fields }));
      return;
    }
    const sink = level === "info" ? out : err;
    const time = new Date().toTimeString().slice(0, 8);
    const tag = level === "info" ? "" : `${level.toUpperCase()}: `;
    sink(`${time} ${tag}${message}`);
  };
  return { info: write("info"), warn: write("warn"), error: write("error") };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
