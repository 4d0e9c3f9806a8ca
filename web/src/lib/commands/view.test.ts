import { describe, expect, it } from "vitest";
import { commandProblem, diskLines, itemCount, matchCount, partialNote, resultView } from "./view.ts";

// What a command's card shows for each shape of result: the view it gets, and whether the raw JSON is offered.

const json = (value: unknown) => JSON.stringify(value, null, 2);

describe("the view of a finished command", () => {
  it("shows a listing as files, with the raw JSON one click away", () => {
    const result = { path: "~/Documents", entries: [{ name: "taxes", type: "directory" }, "notes.md"] };
    const { view, raw } = resultView({ target: "filesystem", action: "list", result });
    expect(view.kind).toBe("files");
    if (view.kind !== "files") return;
    expect(view.listing.entries.map((e) => e.name)).toEqual(["taxes", "notes.md"]);
    expect(itemCount(view.listing)).toBe("2 items");
    expect(partialNote(view.listing)).toBe("");
    expect(raw).toBe(json(result));
  });

  it("counts a listing's items, and says when only the first were sent", () => {
    const one = resultView({ target: "filesystem", action: "list", result: { entries: ["a"] } }).view;
    const cut = resultView({ target: "filesystem", action: "list", result: { entries: ["a", "b"], total: 900 } }).view;
    if (one.kind !== "files" || cut.kind !== "files") throw new Error("both are listings");
    expect(itemCount(one.listing)).toBe("1 item");
    expect(itemCount(cut.listing)).toBe("900 items");
    expect(partialNote(cut.listing)).toBe("; the first 2 were sent");
  });

  it("shows a search as matches, counted", () => {
    const { view, raw } = resultView({ target: "filesystem", action: "search", result: { searched: ["~/Documents"], matches: [{ path: "~/Documents/a.pdf" }] } });
    if (view.kind !== "search") throw new Error(`a search, not ${view.kind}`);
    expect(matchCount(view.search)).toBe("1 match");
    expect(raw).not.toBeNull();
    const none = resultView({ target: "filesystem", action: "search", result: { matches: [] } }).view;
    if (none.kind !== "search") throw new Error("a search");
    expect(matchCount(none.search)).toBe("Nothing found");
  });

  it("reads a listing only from filesystem.list: the same shape from another action is JSON", () => {
    expect(resultView({ target: "shell", action: "run", result: ["a", "b"] }).view).toEqual({ kind: "json", json: json(["a", "b"]) });
  });

  it("shows disk space once per disk, with every folder measured on it", () => {
    const { view } = resultView({
      target: "system",
      action: "info",
      result: {
        hostname: "mac",
        disks: [
          { path: "~/Documents", free_bytes: 50 * 1024 ** 3, total_bytes: 500 * 1024 ** 3 },
          { path: "~/Downloads", free_bytes: 50 * 1024 ** 3, total_bytes: 500 * 1024 ** 3 },
          { path: "/Volumes/USB", free_bytes: 1024 ** 3, total_bytes: 16 * 1024 ** 3 },
        ],
      },
    });
    if (view.kind !== "system") throw new Error(`system facts, not ${view.kind}`);
    expect(diskLines(view.facts)).toEqual([
      { text: "50 GB free", folders: ["~/Documents", "~/Downloads"], used: 450 * 1024 ** 3, total: 500 * 1024 ** 3 },
      { text: "1.0 GB free", folders: ["/Volumes/USB"], used: 15 * 1024 ** 3, total: 16 * 1024 ** 3 },
    ]);
  });

  it("links a web page the browser opened, and only a web address", () => {
    expect(resultView({ target: "browser", action: "open", result: { url: "https://example.com/a" } }).view).toEqual({ kind: "opened", url: "https://example.com/a" });
    expect(resultView({ target: "browser", action: "open", result: { url: "javascript:alert(1)" } }).view).toEqual({
      kind: "receipt",
      sentence: "Opened javascript:alert(1) in the browser.",
    });
  });

  it("says what a write did in a sentence, with the JSON still offered", () => {
    const result = { path: "~/Documents/todo.txt", bytes_written: 9 };
    expect(resultView({ target: "filesystem", action: "write", result })).toEqual({
      view: { kind: "receipt", sentence: "Created ~/Documents/todo.txt (9 bytes)." },
      raw: json(result),
    });
  });

  it("shows a file's text as text, with no raw view (the text is the result)", () => {
    expect(resultView({ target: "filesystem", action: "read", result: { path: "~/todo.txt", content: "buy milk\n", truncated: false } })).toEqual({
      view: { kind: "text", content: "buy milk\n", truncated: false },
      raw: null,
    });
  });

  it("shows images from a connector, then any other result as JSON, then nothing as no output", () => {
    const png = "data:image/png;base64,iVBORw0KGgo=";
    expect(resultView({ target: "mcp", action: "screenshot", result: { image: png } }).view).toEqual({ kind: "images", images: [png] });
    expect(resultView({ target: "shell", action: "run", result: { stdout: "hi", code: 0 } })).toEqual({ view: { kind: "json", json: json({ stdout: "hi", code: 0 }) }, raw: null });
    expect(resultView({ target: "shell", action: "run", result: undefined })).toEqual({ view: { kind: "empty" }, raw: null });
  });
});

describe("what went wrong", () => {
  it("announces a failure with the agent's reason and its code", () => {
    expect(commandProblem({ status: "failed", error: { code: "execution_failed", message: "No such folder: ~/Nope." } })).toEqual({
      label: "Failed",
      message: "No such folder: ~/Nope.",
      code: "execution_failed",
      alert: true,
    });
  });

  it("shows a denial as a failure with its code, so it reads as the user's own answer", () => {
    expect(commandProblem({ status: "failed", error: { code: "denied_by_user", message: "You denied this command." } })).toMatchObject({
      label: "Failed",
      code: "denied_by_user",
      alert: true,
    });
  });

  it("says an expiry quietly, with the reason where there is one", () => {
    expect(commandProblem({ status: "expired", error: { code: "expired", message: "The device was offline." } })).toMatchObject({ label: "Expired", alert: false });
    expect(commandProblem({ status: "expired" })).toEqual({ label: null, message: "Expired before the device could run it.", code: null, alert: false });
  });

  it("says nothing for a command that ran or is still on its way", () => {
    for (const status of ["done", "queued", "sent", "acked", "awaiting_permission"] as const) expect(commandProblem({ status })).toBeNull();
  });
});
