import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectData, expectFailure } from "../../test/run-action.ts";
import { tempDir } from "../../test/temp.ts";
import { createFilesystemConnector } from "./filesystem.ts";

async function setup(options: { maxReadBytes?: number; searchMaxVisited?: number } = {}) {
  const home = await tempDir();
  const root = join(home, "Documents");
  await mkdir(join(root, "taxes", "2025"), { recursive: true });
  await writeFile(join(root, "notes.txt"), "first line\nthe Invoice number is 42\n");
  await writeFile(join(root, ".hidden"), "shh");
  await writeFile(join(root, "taxes", "2025", "invoice-march.pdf"), "%PDF");
  await writeFile(join(root, "taxes", "summary.md"), "# Summary\nTotal: 1200\n");
  await writeFile(join(root, "photo.bin"), Buffer.from([0x89, 0x50, 0, 0, 1]));
  const dataHome = join(home, ".local", "share");
  const fs = createFilesystemConnector({ roots: ["~/Documents"], home, trash: { dataHome, platform: "linux" }, ...options });
  return { home, root, dataHome, fs };
}

describe("filesystem connector", () => {
  it("lists a folder, hiding dotfiles unless asked, and says when the list was cut", async () => {
    const { fs } = await setup();
    expect(await expectData(fs, "list", { path: "~/Documents" })).toMatchObject({
      path: "~/Documents",
      entries: [
        { name: "notes.txt", type: "file", size: 36 },
        { name: "photo.bin", type: "file" },
        { name: "taxes", type: "directory" },
      ],
      total: 3,
      truncated: false,
    });
    expect(await expectData(fs, "list", { path: "~/Documents", include_hidden: true, limit: 2 })).toMatchObject({
      entries: [{ name: ".hidden" }, { name: "notes.txt" }],
      total: 4,
      truncated: true,
    });
    expect((await expectFailure(fs, "list", { path: "~/Documents/nope" })).code).toBe("not_found");
  });

  it("stats a file and reports a symlink inside the roots", async () => {
    const { fs, root } = await setup();
    await symlink(join(root, "notes.txt"), join(root, "shortcut.txt"));
    expect(await expectData(fs, "stat", { path: "~/Documents/notes.txt" })).toMatchObject({ type: "file", size: 36, symlink: null });
    expect(await expectData(fs, "stat", { path: "~/Documents/shortcut.txt" })).toMatchObject({ type: "file", symlink: "~/Documents/notes.txt" });
  });

  it("reads text up to the cap and says when it was truncated", async () => {
    const { fs, root } = await setup({ maxReadBytes: 16 });
    expect(await expectData(fs, "read", { path: "~/Documents/taxes/summary.md" })).toMatchObject({ truncated: true, content: "# Summary\nTotal:", size: 22 });
    await writeFile(join(root, "short.txt"), "héllo");
    expect(await expectData(fs, "read", { path: "Documents/short.txt" })).toEqual({ path: "~/Documents/short.txt", size: 6, content: "héllo", truncated: false });
    // A cut through a two-byte character drops the broken half instead of returning garbage.
    expect(await expectData(fs, "read", { path: "Documents/short.txt", max_bytes: 2 })).toMatchObject({ content: "h", truncated: true });
    expect((await expectFailure(fs, "read", { path: "Documents/photo.bin" })).message).toContain("not a text file");
    expect((await expectFailure(fs, "read", { path: "Documents/taxes" })).code).toBe("invalid_parameters");
    expect((await expectFailure(fs, "read", { path: "Documents/notes.txt", max_bytes: 17 })).code).toBe("invalid_parameters");
  });

  it("writes: create refuses to replace, overwrite replaces, append appends, folders on request", async () => {
    const { fs, root } = await setup();
    expect(await expectData(fs, "write", { path: "~/Documents/todo.txt", content: "milk\n" })).toEqual({ path: "~/Documents/todo.txt", mode: "create", bytes_written: 5 });
    const conflict = await expectFailure(fs, "write", { path: "~/Documents/todo.txt", content: "eggs\n" });
    expect(conflict.code).toBe("conflict");
    expect(conflict.message).toContain("overwrite");
    await expectData(fs, "write", { path: "~/Documents/todo.txt", content: "eggs\n", mode: "append" });
    expect(await readFile(join(root, "todo.txt"), "utf8")).toBe("milk\neggs\n");
    await expectData(fs, "write", { path: "~/Documents/todo.txt", content: "bread\n", mode: "overwrite" });
    expect(await readFile(join(root, "todo.txt"), "utf8")).toBe("bread\n");
    expect((await expectFailure(fs, "write", { path: "~/Documents/new/deep/file.txt", content: "x" })).code).toBe("not_found");
    await expectData(fs, "write", { path: "~/Documents/new/deep/file.txt", content: "x", create_folders: true });
    expect(await readFile(join(root, "new", "deep", "file.txt"), "utf8")).toBe("x");
    expect((await expectFailure(fs, "write", { path: "~/Documents/x.txt" })).code).toBe("invalid_parameters");
  });

  it("searches by name (substring or glob) and by content, within bounds", async () => {
    const { fs } = await setup();
    expect(await expectData(fs, "search", { path: "~/Documents", name: "INVOICE" })).toMatchObject({
      matches: [{ path: "~/Documents/taxes/2025/invoice-march.pdf", type: "file" }],
      truncated: false,
    });
    expect(await expectData(fs, "search", { path: "~/Documents", name: "*.md" })).toMatchObject({ matches: [{ path: "~/Documents/taxes/summary.md" }] });
    expect(await expectData(fs, "search", { path: "~/Documents", content: "invoice number" })).toMatchObject({
      matches: [{ path: "~/Documents/notes.txt", line: 2, preview: "the Invoice number is 42" }],
    });
    expect(await expectData(fs, "search", { path: "~/Documents", name: "i", max_results: 1 })).toMatchObject({ truncated: true });
    expect(await expectData(fs, "search", { path: "~/Documents", name: "invoice", max_depth: 1 })).toMatchObject({ matches: [] });
    expect((await expectFailure(fs, "search", { path: "~/Documents" })).code).toBe("invalid_parameters");
  });

  it("with no folder named, searches every allowed folder and lists them", async () => {
    const home = await tempDir();
    await mkdir(join(home, "Documents", "taxes"), { recursive: true });
    await mkdir(join(home, "Downloads"));
    await writeFile(join(home, "Documents", "taxes", "taxes.pdf"), "%PDF");
    await writeFile(join(home, "Downloads", "invoice.pdf"), "%PDF");
    await writeFile(join(home, "Downloads", "invoice.txt"), "Invoice 7\n");
    await writeFile(join(home, "outside.pdf"), "%PDF");
    const fs = createFilesystemConnector({ roots: ["~/Documents", "~/Downloads", "~/Desktop"], home });
    expect(await expectData(fs, "search", { name: "*.pdf" })).toMatchObject({
      path: null,
      searched: ["~/Documents", "~/Downloads"],
      matches: [{ path: "~/Downloads/invoice.pdf" }, { path: "~/Documents/taxes/taxes.pdf" }],
    });
    expect(await expectData(fs, "search", { content: "invoice" })).toMatchObject({ matches: [{ path: "~/Downloads/invoice.txt", line: 1 }] });
    expect(await expectData(fs, "list", {})).toMatchObject({
      path: null,
      entries: [{ name: "~/Documents", type: "directory" }, { name: "~/Downloads", type: "directory" }, { name: "~/Desktop" }],
    });
    // A relative path is read from home, so Documents and Documents/taxes are the folders the user sees.
    expect(await expectData(fs, "list", { path: "Documents" })).toMatchObject({ path: "~/Documents", entries: [{ name: "taxes" }] });
    expect(await expectData(fs, "list", { path: "Documents/taxes" })).toMatchObject({ path: "~/Documents/taxes", entries: [{ name: "taxes.pdf" }] });
    const single = createFilesystemConnector({ roots: ["~/Documents"], home });
    expect(await expectData(single, "list", {})).toMatchObject({ path: "~/Documents", entries: [{ name: "taxes", type: "directory" }] });
  });

  it("stops a search that visits too many entries and says so", async () => {
    const { fs } = await setup({ searchMaxVisited: 3 });
    expect(await expectData(fs, "search", { path: "~/Documents", name: "zzz" })).toMatchObject({ matches: [], truncated: true, visited: 3 });
  });

  it("moves to the XDG trash with an info file, never deletes, and never trashes a root", async () => {
    const { fs, root, dataHome } = await setup();
    expect(await expectData(fs, "trash", { path: "~/Documents/notes.txt" })).toEqual({ path: "~/Documents/notes.txt", trashed_to: "~/.local/share/Trash/files/notes.txt" });
    expect(existsSync(join(root, "notes.txt"))).toBe(false);
    expect(await readFile(join(dataHome, "Trash", "files", "notes.txt"), "utf8")).toContain("Invoice");
    const info = await readFile(join(dataHome, "Trash", "info", "notes.txt.trashinfo"), "utf8");
    expect(info).toMatch(new RegExp(`^\\[Trash Info\\]\\nPath=${join(root, "notes.txt").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\nDeletionDate=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\n$`));
    // A second item with the same name gets a new name rather than replacing the first.
    await writeFile(join(root, "notes.txt"), "again");
    expect(await expectData(fs, "trash", { path: "Documents/notes.txt" })).toMatchObject({ trashed_to: "~/.local/share/Trash/files/notes 2.txt" });
    await expectData(fs, "trash", { path: "Documents/taxes" });
    expect((await readdir(join(dataHome, "Trash", "files"))).sort()).toEqual(["notes 2.txt", "notes.txt", "taxes"]);
    expect((await expectFailure(fs, "trash", { path: "~/Documents" })).code).toBe("outside_roots");
    expect((await expectFailure(fs, "trash", { path: "Documents/gone.txt" })).code).toBe("not_found");
  });
});
