import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { z } from "zod";

/** A line of the agent's JSON log, as `createLogger({json: true})` writes it; extra fields are kept but not shown. */
const LogLine = z.looseObject({ time: z.string(), level: z.string(), event: z.string(), msg: z.string() });

/** One log line for people: `2026-12-06 09:40:00 INFO  agent.started  Hearth agent 0.1.0 …`. Other text as it is. */
export function prettyLogLine(line: string): string {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return line;
  }
  const parsed = LogLine.safeParse(json);
  if (!parsed.success) return line;
  const { time, level, event, msg } = parsed.data;
  const when = time.replace("T", " ").replace(/\.\d+Z$/, "Z");
  return `${when} ${level.toUpperCase().padEnd(5)} ${event}  ${msg}`;
}

/** Where the log ends now: `lastLogLines` shows up to here and `followLog` goes on from here, so no line is lost or shown twice. */
export type LogPosition = { ino: number | null; offset: number };

/** The log's current end. */
export function logPosition(file: string): LogPosition {
  try {
    const stat = statSync(file);
    return { ino: stat.ino, offset: stat.size };
  } catch {
    return { ino: null, offset: 0 };
  }
}

/** The last `count` lines of the log up to `upTo` (default: its end now), reaching into `<file>.1` when needed. */
export function lastLogLines(file: string, count: number, upTo: LogPosition = logPosition(file)): string[] {
  const lines = linesOf(file, upTo.offset);
  if (lines.length >= count) return lines.slice(lines.length - count);
  return [...linesOf(`${file}.1`, Number.MAX_SAFE_INTEGER), ...lines].slice(-count);
}

function linesOf(file: string, upTo: number): string[] {
  if (!existsSync(file)) return [];
  // Both files stay under 5 MiB (the rotation limit), so reading one whole is fine.
  const text = readFileSync(file).subarray(0, upTo).toString("utf8");
  return text.split("\n").filter((line) => line !== "");
}

/**
 * Follows the log as `tail -F` does: prints what is appended, and after a rotation reads what was left in the old
 * file (now `<file>.1`) and then the new file from its start. Polls (fs.watch misses renames on some systems).
 * Starts at `from` (where the lines already shown end). Runs until `signal` aborts.
 */
export async function followLog(file: string, emit: (line: string) => void, signal: AbortSignal, from: LogPosition = logPosition(file), pollMs = 250): Promise<void> {
  let ino = from.ino;
  let offset = from.offset;
  // Only whole lines are taken (a line being written may be half there, even half a UTF-8 character); at a
  // rotation the old file is finished, so its last bytes are taken as they are.
  const drain = (path: string, finished: boolean) => {
    const bytes = readFrom(path, offset);
    const end = finished ? bytes.length : bytes.lastIndexOf(0x0a) + 1;
    offset += end;
    for (const line of bytes.subarray(0, end).toString("utf8").split("\n")) if (line !== "") emit(line);
  };
  while (!signal.aborted) {
    const now = inodeOf(file);
    if (ino !== null && now !== ino) {
      // Rotated: what was written to the old file after our last read is in <file>.1 now.
      if (inodeOf(`${file}.1`) === ino) drain(`${file}.1`, true);
      offset = 0;
    } else if (now !== null && statSync(file).size < offset) {
      offset = 0; // truncated in place
    }
    ino = now;
    if (now !== null) drain(file, false);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, pollMs);
      signal.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}

function inodeOf(path: string): number | null {
  try {
    return statSync(path).ino;
  } catch {
    return null;
  }
}

function readFrom(path: string, offset: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const chunks: Buffer[] = [];
    let position = offset;
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, position);
      if (read === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, read)));
      position += read;
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}
