import { describe, expect, it } from "vitest";
import { formatDuration, formatSize, readFileListing, readFileText, readSearch, readSystemInfo, resultImages, resultSentence } from "./result.ts";

// How agents' answers are read for display. Agents describe a listing in several reasonable ways; each must come
// out as the same list a user sees, and anything else must come out as "not this kind of result" (null).

describe("file sizes and durations for people", () => {
  it("counts bytes, then KB, MB, GB and TB, with one decimal under ten", () => {
    expect(formatSize(0)).toBe("0 bytes");
    expect(formatSize(1)).toBe("1 byte");
    expect(formatSize(1023)).toBe("1023 bytes");
    expect(formatSize(1024)).toBe("1.0 KB");
    expect(formatSize(1536)).toBe("1.5 KB");
    expect(formatSize(20 * 1024)).toBe("20 KB");
    expect(formatSize(5.25 * 1024 ** 2)).toBe("5.3 MB");
    expect(formatSize(512 * 1024 ** 3)).toBe("512 GB");
    expect(formatSize(3 * 1024 ** 5)).toBe("3072 TB");
  });

  it("says an uptime in minutes, hours, then days", () => {
    expect(formatDuration(59)).toBe("less than a minute");
    expect(formatDuration(12 * 60 + 30)).toBe("12 min");
    expect(formatDuration(2 * 3600)).toBe("2 h");
    expect(formatDuration(2 * 3600 + 5 * 60)).toBe("2 h 5 min");
    expect(formatDuration(47 * 3600 + 59 * 60)).toBe("47 h 59 min");
    expect(formatDuration(3 * 86400)).toBe("3 days");
    expect(formatDuration(3 * 86400 + 4 * 3600 + 59)).toBe("3 days 4 h");
  });
});

describe("a folder listing", () => {
  const expected = {
    path: "~/Documents",
    total: 3,
    entries: [
      { name: "taxes", directory: true, size: null, modified: null },
      { name: "a.txt", directory: false, size: 9, modified: 1_700_000_000_000 },
      { name: "b.pdf", directory: false, size: null, modified: null },
    ],
  };

  it("reads the same from objects with `entries`, `files`, or type words, folders first", () => {
    expect(
      readFileListing({
        path: "~/Documents",
        entries: [
          { name: "b.pdf" },
          { name: "a.txt", size: 9, modified: 1_700_000_000_000 },
          { name: "taxes", type: "directory" },
        ],
      }),
    ).toEqual(expected);
    expect(
      readFileListing({
        path: "~/Documents",
        files: [
          { name: "taxes", is_dir: true },
          { name: "b.pdf", kind: "file" },
          { name: "a.txt", size: 9, mtime: new Date(1_700_000_000_000).toISOString() },
        ],
      }),
    ).toEqual(expected);
  });

  it("reads a bare list of names, where a trailing slash marks a folder", () => {
    expect(readFileListing(["notes.md", "photos/"])).toEqual({
      path: null,
      total: 2,
      entries: [
        { name: "photos", directory: true, size: null, modified: null },
        { name: "notes.md", directory: false, size: null, modified: null },
      ],
    });
  });

  it("keeps the agent's total when it sent only the first entries, and never less than it sent", () => {
    expect(readFileListing({ entries: ["a", "b"], total: 500 })?.total).toBe(500);
    expect(readFileListing({ entries: ["a", "b"], total: 1 })?.total).toBe(2);
  });

  it("is null for results that are not listings", () => {
    expect(readFileListing({ content: "hello" })).toBeNull();
    expect(readFileListing("hello")).toBeNull();
    expect(readFileListing(null)).toBeNull();
  });
});

describe("other results", () => {
  it("reads a search, naming the folders searched", () => {
    expect(
      readSearch({
        searched: ["~/Documents", "~/Downloads"],
        matches: [{ path: "~/Downloads/invoice.txt", line: 2, preview: "Invoice 42" }, { path: "~/Documents/taxes", type: "directory" }],
        truncated: true,
      }),
    ).toEqual({
      folders: ["~/Documents", "~/Downloads"],
      matches: [
        { path: "~/Downloads/invoice.txt", directory: false, line: 2, preview: "Invoice 42" },
        { path: "~/Documents/taxes", directory: true, line: null, preview: null },
      ],
      truncated: true,
    });
    expect(readSearch({ path: "~", matches: [] })).toEqual({ folders: ["~"], matches: [], truncated: false });
    expect(readSearch({ entries: [] })).toBeNull();
  });

  it("reads system facts, leaving out disks whose size is unknown", () => {
    expect(
      readSystemInfo({
        hostname: "mac",
        os: { type: "Darwin", release: "24.1", arch: "arm64" },
        uptime_s: 7500,
        memory: { free_bytes: 1, total_bytes: 2 },
        disks: [
          { path: "~", free_bytes: 10, total_bytes: 20 },
          { path: "/Volumes/Gone", free_bytes: null, total_bytes: null },
        ],
      }),
    ).toEqual({ hostname: "mac", os: "Darwin 24.1 (arm64)", uptimeSeconds: 7500, memory: { free: 1, total: 2 }, disks: [{ path: "~", free: 10, total: 20 }] });
    expect(readSystemInfo({})).toEqual({ hostname: null, os: null, uptimeSeconds: null, memory: null, disks: [] });
    expect(readSystemInfo({ memory: { free_bytes: -1, total_bytes: 2 } })).toBeNull();
  });

  it("reads a file's text, and says when it was cut short", () => {
    expect(readFileText({ path: "~/todo.txt", content: "buy milk", truncated: true })).toEqual({ path: "~/todo.txt", content: "buy milk", truncated: true });
    expect(readFileText({ content: "x" })).toEqual({ path: null, content: "x", truncated: false });
    expect(readFileText({ path: "~/todo.txt" })).toBeNull();
  });

  it("finds images a connector returned, however deep, up to the limit, and only real image data URLs", () => {
    const png = "data:image/png;base64,iVBORw0KGgo=";
    expect(resultImages({ shots: [png, { nested: png }], other: "data:text/html;base64,PGI+" })).toEqual([png, png]);
    expect(resultImages([png, png, png], 2)).toHaveLength(2);
    expect(resultImages({ a: "data:image/png;base64,<script>" })).toEqual([]);
  });

  it("says in one sentence what a receipt-like action did", () => {
    expect(resultSentence("browser", "open", { url: "https://example.com" })).toBe("Opened https://example.com in the browser.");
    expect(resultSentence("filesystem", "write", { path: "~/Documents/todo.txt", bytes_written: 9 })).toBe("Created ~/Documents/todo.txt (9 bytes).");
    expect(resultSentence("filesystem", "write", { path: "~/a.txt", mode: "append", bytes_written: 2048 })).toBe("Added to ~/a.txt (2.0 KB).");
    expect(resultSentence("filesystem", "write", { path: "~/a.txt", mode: "overwrite" })).toBe("Replaced the text of ~/a.txt.");
    expect(resultSentence("filesystem", "trash", { path: "~/old.txt", trashed_to: "~/.Trash/old.txt" })).toBe(
      "Moved ~/old.txt to the trash (~/.Trash/old.txt); it can be restored from there.",
    );
    expect(resultSentence("apps", "launch", { name: "Calculator" })).toBe("Started Calculator.");
    expect(resultSentence("apps", "launch", {})).toBeNull();
    expect(resultSentence("shell", "run", { stdout: "hi" })).toBeNull();
    expect(resultSentence("browser", "open", "https://example.com")).toBeNull();
  });
});
