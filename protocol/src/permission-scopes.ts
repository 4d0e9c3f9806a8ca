import { globMatch } from "./glob.ts";
import type { Json } from "./command.ts";

// The scopes a prompt's "Allow for 1 hour" and "Always allow" can grant. The prompt shows them and the server
// checks the one chosen, from this one module, so what is stored is exactly what the user saw: the narrowest
// meaningful scope first (the folder for files, the site for a URL, the program or app itself), then wider ones,
// "everything" last.

/** What a command acts on, as a scope is matched against it: the path, URL, program, app name or query. */
const SUBJECT_PARAMETERS = ["path", "url", "program", "name", "query"] as const;
type SubjectKey = (typeof SUBJECT_PARAMETERS)[number];

/** Actions whose path is a folder they look into (so the folder itself is the narrowest scope, not its parent). */
const FOLDER_ACTIONS = new Set(["list", "search"]);

/** A command, or a permission request: what the scope is about. */
type Asked = { target: string; action: string; parameters: Record<string, Json> };

/** One scope a grant can have, and how the prompt says it. `scope: null` covers everything. */
export type ScopeChoice = { scope: string | null; label: string };

/**
 * The one parameter a built-in connector's scope is about. A filesystem command with no path covers the agent's
 * folders, so its file name or query must not stand in for a path: a grant for `~/Documents/**` would otherwise
 * cover a search of every folder for a name written `~/Documents/x`.
 */
const SUBJECT_OF_TARGET: Record<string, SubjectKey> = { filesystem: "path", browser: "url", shell: "program", apps: "name" };

function subjectOf(asked: Asked): { key: SubjectKey; value: string } | null {
  const only = Object.hasOwn(SUBJECT_OF_TARGET, asked.target) ? SUBJECT_OF_TARGET[asked.target] : undefined;
  for (const key of only ? [only] : SUBJECT_PARAMETERS) {
    const value = asked.parameters[key];
    if (typeof value === "string") return { key, value };
  }
  return null;
}

/** What a command acts on, for scope matching; null when it names nothing a scope could cover. */
export function commandSubject(asked: Asked): string | null {
  return subjectOf(asked)?.value ?? null;
}

/** True when a grant with `scope` covers this command or request (null covers everything). */
export function scopeCovers(scope: string | null, asked: Asked): boolean {
  if (scope === null) return true;
  const subject = commandSubject(asked);
  return subject !== null && globMatch(scope, subject);
}

/** The folder a path is in: `~/a/b` → `~/a`, `/a` → `/`; null for `~`, `/` and a bare relative name. */
function parentOf(path: string): string | null {
  const cut = path.lastIndexOf("/");
  if (cut < 0) return null;
  if (cut === 0) return path === "/" ? null : "/";
  return path.slice(0, cut);
}

/** `~/a` and everything in it (a trailing `/**` also matches the folder itself, see glob.ts). */
function folderChoice(folder: string): ScopeChoice {
  return { scope: folder === "/" ? "/**" : `${folder}/**`, label: `${folder} and everything in it` };
}

function pathChoices(action: string, raw: string): ScopeChoice[] {
  // `~/Documents/` and `~/Documents` are one folder.
  const path = raw.length > 1 ? raw.replace(/\/+$/, "") || "/" : raw;
  const folder = FOLDER_ACTIONS.has(action) ? path : parentOf(path);
  // A bare relative file name (the chat always sends `~/…`; a script may not): the file alone.
  if (folder === null) return [{ scope: path, label: `only ${path}` }];
  const choices = [folderChoice(folder)];
  const parent = parentOf(folder);
  if (parent !== null) choices.push(folderChoice(parent));
  return choices;
}

/** A web address's site as written: scheme and host (with any port or user part, so the label hides nothing). */
const SITE = /^(https?:\/\/)([^/?#]+)/i;

function urlChoices(raw: string): ScopeChoice[] {
  // The site as the text writes it, not normalised: the scope is matched against this very text.
  const site = SITE.exec(raw);
  if (site) return [{ scope: `${site[0]}/**`, label: `any page on ${site[2]}` }];
  return [{ scope: raw, label: `only ${raw}` }];
}

const EVERYTHING: Record<SubjectKey | "none", string> = {
  path: "everywhere (any path)",
  url: "any site",
  program: "any program",
  name: "any app",
  query: "anything",
  none: "everything",
};

/**
 * The scopes a grant for this request can have, narrowest first; the first is the default. Only scopes that cover
 * the request itself are offered, and "everything" (`scope: null`) is always the last.
 * @example scopeChoices({ target: "filesystem", action: "list", parameters: { path: "~/Documents" } })
 * // [{ scope: "~/Documents/**", … }, { scope: "~/**", … }, { scope: null, … }]
 */
export function scopeChoices(asked: Asked): ScopeChoice[] {
  const subject = subjectOf(asked);
  const everything: ScopeChoice = { scope: null, label: EVERYTHING[subject?.key ?? "none"] };
  if (!subject) return [everything];
  const narrow = subject.key === "path" ? pathChoices(asked.action, subject.value) : subject.key === "url" ? urlChoices(subject.value) : [{ scope: subject.value, label: `only ${subject.value}` }];
  // A path with glob characters in it could make a scope that misses it; such a choice is left out, not shown wrong.
  return [...narrow.filter((choice) => scopeCovers(choice.scope, asked)), everything];
}

/** The default scope of a grant for this request: the narrowest on offer. */
export function defaultScope(asked: Asked): string | null {
  return scopeChoices(asked)[0]?.scope ?? null;
}
