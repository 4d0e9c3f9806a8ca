import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/temp.ts";
import { createFilesystemConnector } from "./filesystem.ts";
import { Sandbox } from "./sandbox.ts";
import { ActionError } from "./types.ts";

async function layout() {
  const base = await tempDir();
  const root = join(base, "home", "Documents");
  const outside = join(base, "secret");
  await mkdir(root, { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(join(outside, "passwords.txt"), "hunter2");
  await writeFile(join(root, "notes.txt"), "hello");
  return { base, home: join(base, "home"), root, outside };
}

async function refusal(promise: Promise<unknown>): Promise<ActionError> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  if (!(error instanceof ActionError)) throw new Error(`expected an ActionError, got ${String(error)}`);
  return error;
}

describe("the filesystem sandbox", () => {
  it("accepts paths inside a root, written with ~, absolute or relative", async () => {
    const { home, root } = await layout();
    const sandbox = new Sandbox(["~/Documents"], home);
    expect((await sandbox.resolve("~/Documents/notes.txt")).real).toBe(join(root, "notes.txt"));
    expect((await sandbox.resolve(join(root, "notes.txt"))).display).toBe("~/Documents/notes.txt");
    // A relative path is read from home, whatever the roots: Documents/notes.txt, not a second Documents inside the first.
    expect((await sandbox.resolve("Documents/notes.txt")).path).toBe(join(root, "notes.txt"));
    expect((await sandbox.resolve("Documents")).path).toBe(root);
    expect((await refusal(sandbox.resolve("notes.txt"))).code).toBe("outside_roots");
    expect((await sandbox.resolve("~/Documents/new/deeper.txt")).real).toBe(join(root, "new", "deeper.txt"));
  });

  it("refuses `..` traversal out of a root", async () => {
    const { home } = await layout();
    const sandbox = new Sandbox(["~/Documents"], home);
    const error = await refusal(sandbox.resolve("~/Documents/../../secret/passwords.txt"));
    expect(error.code).toBe("outside_roots");
    expect(error.message).toContain("outside the folders");
    expect((await refusal(sandbox.resolve("../secret/passwords.txt"))).code).toBe("outside_roots");
  });

  it("refuses an absolute path outside the roots, and a sibling that only shares a prefix", async () => {
    const { home, outside, root } = await layout();
    const sandbox = new Sandbox([root], home);
    expect((await refusal(sandbox.resolve(join(outside, "passwords.txt")))).code).toBe("outside_roots");
    expect((await refusal(sandbox.resolve(`${root}-evil/x.txt`))).code).toBe("outside_roots");
    expect((await refusal(sandbox.resolve("/etc/passwd"))).code).toBe("outside_roots");
  });

  it("refuses a symlink inside a root that points outside, for files, folders and dangling links", async () => {
    const { home, root, outside } = await layout();
    await symlink(join(outside, "passwords.txt"), join(root, "innocent.txt"));
    await symlink(outside, join(root, "linked-dir"));
    await symlink(join(outside, "not-yet.txt"), join(root, "dangling.txt"));
    const sandbox = new Sandbox([root], home);
    const error = await refusal(sandbox.resolve("Documents/innocent.txt"));
    expect(error.code).toBe("outside_roots");
    expect(error.message).toContain("link");
    expect((await refusal(sandbox.resolve("Documents/linked-dir/passwords.txt"))).code).toBe("outside_roots");
    expect((await refusal(sandbox.resolve("Documents/linked-dir/new-file.txt"))).code).toBe("outside_roots");
    expect((await refusal(sandbox.resolve("Documents/dangling.txt"))).code).toBe("outside_roots");
  });

  it("keeps every action of the connector inside: read and write through an escaping link fail with outside_roots", async () => {
    const { home, root, outside } = await layout();
    await symlink(outside, join(root, "linked-dir"));
    const fs = createFilesystemConnector({ roots: [root], home, trash: { dataHome: join(home, ".local", "share") } });
    for (const [action, parameters] of [
      ["read", { path: "Documents/linked-dir/passwords.txt" }],
      ["write", { path: "Documents/linked-dir/planted.txt", content: "x" }],
      ["list", { path: "Documents/linked-dir" }],
      ["trash", { path: "../secret/passwords.txt" }],
      ["search", { path: "Documents/linked-dir", name: "pass" }],
    ] as const) {
      const prepared = await fs.actions[action]?.prepare(parameters);
      expect(prepared?.ok === false && prepared.error.code, `${action} ${JSON.stringify(parameters)}`).toBe("outside_roots");
    }
  });
});
