import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Approval } from "#protocol";
import { testExecutor } from "../../test/executor.ts";
import { decide } from "./rules.ts";
import type { LocalRule } from "./rules.ts";

const approved: Approval = { permission_id: "perm-1", kind: "always", expires_at: null };

function rule(partial: Partial<LocalRule> & Pick<LocalRule, "effect">): LocalRule {
  return { id: `r-${Math.random()}`, target: "filesystem", action: "write", scope: null, expires_at: null, created_at: 0, source: "user", ...partial };
}

describe("local permission rules", () => {
  it("default to: reads allowed, changes asked, shell denied", () => {
    const effect = (target: string, action: string) => decide([], { target, action, scopes: ["~/Documents/a.txt"] }).effect;
    expect(["list", "stat", "read", "search"].map((action) => effect("filesystem", action))).toEqual(["allow", "allow", "allow", "allow"]);
    expect(effect("system", "info")).toBe("allow");
    expect([effect("filesystem", "write"), effect("filesystem", "trash"), effect("browser", "open"), effect("apps", "launch")]).toEqual(["ask", "ask", "ask", "ask"]);
    expect(effect("shell", "run")).toBe("deny");
    expect(decide([], { target: "shell", action: "run", scopes: ["git"] }).reason).toContain("hearth permissions grant shell run");
  });

  it("let the user's rules outrank the defaults, any deny win, and otherwise the more specific rule", () => {
    const query = { target: "filesystem", action: "write", scopes: ["~/Documents/taxes/2025.pdf"] };
    expect(decide([rule({ effect: "allow", scope: "~/Documents/**" })], query).effect).toBe("allow");
    expect(decide([rule({ effect: "allow", scope: "~/Documents/**" }), rule({ effect: "deny", scope: "~/Documents/taxes/**" })], query).effect).toBe("deny");
    expect(decide([rule({ effect: "deny", scope: "~/Documents/**" }), rule({ effect: "allow", scope: "~/Documents/taxes/**" })], query).effect).toBe("deny");
    expect(decide([rule({ effect: "allow" }), rule({ effect: "deny" })], query).effect).toBe("deny");
    expect(decide([rule({ target: "*", action: "*", effect: "deny" }), rule({ effect: "allow" })], query).effect).toBe("deny");
    expect(decide([rule({ effect: "ask" }), rule({ effect: "allow", scope: "~/Documents/taxes/**" })], query).effect).toBe("allow");
    expect(decide([rule({ effect: "allow", scope: "~/Documents/**" }), rule({ effect: "ask", scope: "~/Documents/taxes/**" })], query).effect).toBe("ask");
    expect(decide([rule({ target: "shell", action: "run", effect: "allow", scope: "git" })], { target: "shell", action: "run", scopes: ["git"] }).effect).toBe("allow");
    expect(decide([rule({ target: "shell", action: "run", effect: "allow", scope: "git" })], { target: "shell", action: "run", scopes: ["rm"] }).effect).toBe("deny");
  });

  it("take the strictest answer when a path has two forms (through a link)", () => {
    const rules = [rule({ effect: "allow", scope: "~/Documents/**" }), rule({ effect: "deny", scope: "~/Private/**" })];
    expect(decide(rules, { target: "filesystem", action: "write", scopes: ["~/Documents/link/x", "~/Private/x"] }).effect).toBe("deny");
  });

  it("lapse when they expire", async () => {
    const { permissions } = await testExecutor();
    const now = Date.now();
    permissions.add({ target: "shell", action: "run", scope: null, effect: "allow", expires_at: now + 60_000, source: "user" });
    expect(permissions.decide({ target: "shell", action: "run", scopes: ["git"] }, now).effect).toBe("allow");
    expect(permissions.decide({ target: "shell", action: "run", scopes: ["git"] }, now + 60_001).effect).toBe("deny");
    expect(permissions.list(now + 60_001)).toEqual([]);
    expect(permissions.list()).toHaveLength(1);
  });

  it("store a scope under the home folder as ~/…", async () => {
    const { permissions, home } = await testExecutor();
    expect(permissions.add({ target: "filesystem", action: "write", scope: join(home, "Documents", "**"), effect: "allow", expires_at: null, source: "user" }).scope).toBe("~/Documents/**");
  });
});

describe("the executor's permission check", () => {
  it("refuses with denied_locally when a local rule denies, even with the server's approval, and writes nothing", async () => {
    const { executor, permissions, root, auditPath } = await testExecutor();
    const denial = permissions.add({ target: "filesystem", action: "write", scope: `${root}/**`, effect: "deny", expires_at: null, source: "user" });
    const result = await executor.execute({ commandId: "c1", source: "relay", target: "filesystem", action: "write", parameters: { path: "Documents/x.txt", content: "hi" }, approval: approved });
    expect(result.outcome).toMatchObject({ status: "failed", error: { code: "denied_locally" } });
    expect(result.outcome.status === "failed" && result.outcome.error.message).toContain(`hearth permissions revoke ${denial.id}`);
    expect(existsSync(join(root, "x.txt"))).toBe(false);
    const audit = (await readFile(auditPath, "utf8")).trim().split("\n").map((line): unknown => JSON.parse(line));
    expect(audit).toEqual([expect.objectContaining({ command_id: "c1", target: "filesystem", action: "write", decision: `deny:${denial.id}`, outcome: "failed:denied_locally", scope: "~/Documents/x.txt" })]);
  });

  it("runs an `ask` command the user approved in the web app, and records on what authority", async () => {
    const { executor, root, auditPath } = await testExecutor();
    const result = await executor.execute({ commandId: "c2", source: "relay", target: "filesystem", action: "write", parameters: { path: "Documents/x.txt", content: "hi" }, approval: approved });
    expect(result.outcome).toEqual({ status: "done", data: { path: "~/Documents/x.txt", mode: "create", bytes_written: 2 } });
    expect(await readFile(join(root, "x.txt"), "utf8")).toBe("hi");
    expect(await readFile(auditPath, "utf8")).toContain('"decision":"ask:approved_always","scope":');
  });

  it("asks the user for an `ask` command without approval, and fails clearly when it cannot ask", async () => {
    const questions: string[] = [];
    const { executor, root } = await testExecutor({
      ask: async (question) => {
        questions.push(question.context);
        return questions.length === 1 ? { ok: true, decision: "deny" } : { ok: false, reason: "offline" };
      },
    });
    const request = { commandId: "l1", source: "local" as const, target: "filesystem", action: "write", parameters: { path: "Documents/y.txt", content: "hi" }, approval: null };
    expect((await executor.execute(request)).outcome).toMatchObject({ status: "failed", error: { code: "permission_denied" } });
    const offline = (await executor.execute(request)).outcome;
    expect(offline).toMatchObject({ status: "failed", error: { code: "denied_locally" } });
    expect(offline.status === "failed" && offline.error.message).toContain("not connected");
    expect(questions[0]).toContain("filesystem.write on ~/Documents/y.txt");
    expect(existsSync(join(root, "y.txt"))).toBe(false);
  });

  it("reports unknown actions and invalid parameters before any permission is checked", async () => {
    const { executor } = await testExecutor();
    const run = (target: string, action: string, parameters: Record<string, string>) =>
      executor.execute({ commandId: "c", source: "relay", target, action, parameters, approval: approved }).then((r) => r.outcome);
    expect(await run("teleport", "go", {})).toMatchObject({ error: { code: "unknown_action" } });
    expect(await run("filesystem", "read", {})).toMatchObject({ error: { code: "invalid_parameters", message: expect.stringContaining("path") } });
    expect(await run("shell", "run", { program: "ls" })).toMatchObject({ error: { code: "unknown_action", message: expect.stringContaining("shell.allow") } });
  });
});
