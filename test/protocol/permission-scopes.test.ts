import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scopeChoices, scopeCovers } from "../../protocol/src/permission-scopes.ts";

const ask = (target: string, action: string, parameters: Record<string, string>) => ({ target, action, parameters });
const scopes = (target: string, action: string, parameters: Record<string, string>) => scopeChoices(ask(target, action, parameters)).map((c) => c.scope);

describe("scopeChoices", () => {
  it("offers the narrowest meaningful scope first, wider ones after, everything last", () => {
    expect(scopes("filesystem", "list", { path: "~/Documents" })).toEqual(["~/Documents/**", "~/**", null]);
    expect(scopes("filesystem", "list", { path: "~/Documents/" })).toEqual(["~/Documents/**", "~/**", null]);
    expect(scopes("filesystem", "read", { path: "~/Documents/taxes/2025.pdf" })).toEqual(["~/Documents/taxes/**", "~/Documents/**", null]);
    expect(scopes("filesystem", "write", { path: "/tmp/a.txt" })).toEqual(["/tmp/**", "/**", null]);
    expect(scopes("filesystem", "write", { path: "todo.txt" })).toEqual(["todo.txt", null]);
    expect(scopes("browser", "open", { url: "https://example.com/jobs/1?x=2" })).toEqual(["https://example.com/**", null]);
    expect(scopes("shell", "run", { program: "git" })).toEqual(["git", null]);
    expect(scopes("apps", "launch", { name: "editor" })).toEqual(["editor", null]);
    expect(scopes("system", "info", {})).toEqual([null]);
    expect(scopeChoices(ask("filesystem", "list", { path: "~/Documents" }))[0]?.label).toBe("~/Documents and everything in it");
  });

  it("reads a filesystem command's scope from its path alone: a search with no path is not covered by a folder", () => {
    const everyFolder = ask("filesystem", "search", { name: "~/Documents/taxes.pdf" });
    expect(scopeCovers("~/Documents/**", everyFolder)).toBe(false);
    expect(scopes("filesystem", "search", { name: "taxes.pdf" })).toEqual([null]);
    expect(scopeCovers("~/Documents/**", ask("filesystem", "search", { path: "~/Documents", name: "taxes.pdf" }))).toBe(true);
  });

  it("never offers a scope that misses what was asked, nor one for a look-alike site", () => {
    expect(scopeCovers("https://example.com/**", ask("browser", "open", { url: "https://example.com.evil.test/" }))).toBe(false);
    const segment = fc.stringMatching(/^[A-Za-z0-9 ._-]{1,12}$/).filter((s) => s !== "." && s !== "..");
    const path = fc.tuple(fc.constantFrom("~", "", "/home"), fc.array(segment, { minLength: 0, maxLength: 4 })).map(([root, parts]) => [root, ...parts].join("/") || "/");
    fc.assert(
      fc.property(fc.constantFrom("list", "read", "write", "search"), path, (action, p) => {
        const asked = ask("filesystem", action, { path: p });
        const choices = scopeChoices(asked);
        expect(choices.at(-1)?.scope).toBeNull();
        for (const choice of choices) expect(scopeCovers(choice.scope, asked)).toBe(true);
      }),
    );
  });
});
