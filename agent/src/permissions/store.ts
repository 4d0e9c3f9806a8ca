import { randomBytes } from "node:crypto";
import { homedir } from "node:os";
import { isAbsolute, relative, sep } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { decide } from "./rules.ts";
import type { Effect, LocalDecision, LocalRule, PermissionQuery } from "./rules.ts";

const RuleRow = z.object({
  id: z.string(),
  target: z.string(),
  action: z.string(),
  scope: z.string().nullable(),
  effect: z.enum(["allow", "ask", "deny"]),
  expires_at: z.number().nullable(),
  created_at: z.number(),
  source: z.enum(["user", "prompt"]),
});

/** A rule to add; the store assigns the id and the creation time. */
export type NewRule = { target: string; action: string; scope: string | null; effect: Effect; expires_at: number | null; source: "user" | "prompt" };

/**
 * The machine's own permission rules, kept in state.db: the final authority over what runs here, whatever the
 * server allowed. It is read on every decision, so `hearth permissions` takes effect on a running agent at once.
 */
export class PermissionStore {
  readonly #db: DatabaseSync;
  readonly #home: string;

  /** `home` is what `~` means in scopes; tests pass a temporary one. */
  constructor(db: DatabaseSync, home: string = homedir()) {
    this.#db = db;
    this.#home = home;
  }

  /** Adds a rule and returns it. A scope under the home folder is stored as `~/…`, the form commands are matched in. */
  add(rule: NewRule, now: number = Date.now()): LocalRule {
    const stored: LocalRule = { ...rule, scope: rule.scope === null ? null : homeRelative(rule.scope, this.#home), id: `p_${randomBytes(5).toString("hex")}`, created_at: now };
    this.#db
      .prepare("INSERT INTO permission_rules (id, target, action, scope, effect, expires_at, created_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .run(stored.id, stored.target, stored.action, stored.scope, stored.effect, stored.expires_at, stored.created_at, stored.source);
    return stored;
  }

  /** Removes a rule. Returns whether it existed. */
  remove(id: string): boolean {
    return Number(this.#db.prepare("DELETE FROM permission_rules WHERE id = ?").run(id).changes) > 0;
  }

  /** The user's rules, oldest first (expired ones too, unless `liveAt` is given). */
  list(liveAt?: number): LocalRule[] {
    const rows = this.#db
      .prepare("SELECT id, target, action, scope, effect, expires_at, created_at, source FROM permission_rules ORDER BY created_at, id")
      .all()
      .map((row) => RuleRow.parse(row));
    return liveAt === undefined ? rows : rows.filter((rule) => rule.expires_at === null || rule.expires_at > liveAt);
  }

  /** Decides a command against the user's rules, then the built-in defaults. */
  decide(query: PermissionQuery, now: number = Date.now()): LocalDecision {
    return decide(this.list(now), query, now);
  }
}

/** Writes a path (or a glob over paths) under the home folder as `~/…`; anything else is returned as it is. */
export function homeRelative(path: string, home: string = homedir()): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(home, path);
  if (rel === "") return "~";
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return path;
  return `~/${rel.split(sep).join("/")}`;
}
