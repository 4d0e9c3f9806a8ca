import { appendFileSync, readFileSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/temp.ts";
import { RotatingLogFile } from "./log-file.ts";
import { followLog, lastLogLines, prettyLogLine } from "./log-reader.ts";

const line = (n: number) => JSON.stringify({ time: "2026-12-06T09:40:00.123Z", level: "info", event: "test.line", msg: `line ${n}` });

describe("the service's log file", () => {
  it("is private (file 0600, folder 0700) and rotates into agent.log.1 when the next line would pass the limit", async () => {
    const dir = await tempDir();
    const file = join(dir, "logs", "agent.log");
    const log = new RotatingLogFile(file, 1000);
    const size = Buffer.byteLength(line(0)) + 1;
    const perFile = Math.floor(1000 / size);
    for (let n = 0; n < perFile * 2 + 3; n++) log.write(line(n));
    expect(statSync(join(dir, "logs")).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Two rotations: .1 holds the second batch (the first is gone), the current file the last three lines.
    const current = readFileSync(file, "utf8").trim().split("\n");
    const old = readFileSync(`${file}.1`, "utf8").trim().split("\n");
    expect(current).toEqual([perFile * 2, perFile * 2 + 1, perFile * 2 + 2].map(line));
    expect(old).toHaveLength(perFile);
    expect(old[0]).toBe(line(perFile));
    expect(statSync(file).size).toBeLessThanOrEqual(1000);
    expect(statSync(`${file}.1`).size).toBeLessThanOrEqual(1000);
  });

  it("continues an existing file and counts its size (a restart does not start the 5 MB over)", async () => {
    const dir = await tempDir();
    const file = join(dir, "agent.log");
    new RotatingLogFile(file, 1000).write("x".repeat(900));
    new RotatingLogFile(file, 1000).write("y".repeat(200));
    expect(readFileSync(`${file}.1`, "utf8")).toBe(`${"x".repeat(900)}\n`);
    expect(readFileSync(file, "utf8")).toBe(`${"y".repeat(200)}\n`);
  });

  it("shows the last lines readably, reaching into agent.log.1", async () => {
    const dir = await tempDir();
    const file = join(dir, "agent.log");
    appendFileSync(`${file}.1`, `${line(1)}\n${line(2)}\n`);
    appendFileSync(file, `${line(3)}\nnot json\n`);
    expect(lastLogLines(file, 3)).toEqual([line(2), line(3), "not json"]);
    expect(prettyLogLine(line(3))).toBe("2026-12-06 09:40:00Z INFO  test.line  line 3");
    expect(prettyLogLine("not json")).toBe("not json");
  });

  it("follows the file across a rotation: the old file's last lines, then the new file's", async () => {
    const dir = await tempDir();
    const file = join(dir, "agent.log");
    appendFileSync(file, `${line(0)}\n`);
    const seen: string[] = [];
    const stop = new AbortController();
    const following = followLog(file, (text) => seen.push(text), stop.signal, undefined, 20);
    const until = async (count: number) => {
      const deadline = Date.now() + 5_000;
      while (seen.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    appendFileSync(file, `${line(1)}\n`);
    await until(1);
    // Written, then rotated before the follower looked again: line 2 is only in agent.log.1 now.
    appendFileSync(file, `${line(2)}\n`);
    renameSync(file, `${file}.1`);
    appendFileSync(file, `${line(3)}\n`);
    await until(3);
    appendFileSync(file, `${line(4)}\n`);
    await until(4);
    stop.abort();
    await following;
    expect(seen).toEqual([1, 2, 3, 4].map(line));
  });
});
