import {
  CHAINED, PATH_STOP_WORDS, DETERMINERS, FILE_WORD, FOLDER_SUFFIX, FOLDER_WORDS, HOST, LOCAL_HOST, OTHER_SCHEME, QUANTIFIERS, VAGUE_OBJECTS, WEB_TLDS, WHOLESALE,
} from "./phrases.ts";

// Where a request points: files and folders named in words, and web addresses. Shared by the parser's rules.
// What must stay true: every path that leaves here is one the agent reads the same way: `~/…`, absolute, or
// explicitly relative (`./`, `../`); a bare relative path is made `~/…` (the agent's rule: relative is read
// from home), and a lone file name with no folder is taken to be in Documents (see README, "The assistant").

export type Place = { path: string; kind: "folder" | "file" | "either"; standard: boolean };

export const EXPLICIT_PATH = /^(?:~(?:[/\\]|$)|\.{1,2}[/\\]|\/|[a-z]:[/\\])/i;
export const EXTENSION = /\.[a-z0-9]{1,10}$/i;

/** A file or folder named in words: "my Downloads folder", "notes.md in Documents", "~/a b.txt", or null when it names none. */
export function parseLocation(phrase: string, allowSplit = true): Place | null {
  const quoted = unquote(phrase.trim());
  if (quoted !== null) return quoted ? pathPlace(quoted, "either") : null;
  let p = phrase.trim().replace(DETERMINERS, "");
  const standard = FOLDER_WORDS.get(p.toLowerCase()) ?? FOLDER_WORDS.get(p.toLowerCase().replace(FOLDER_SUFFIX, ""));
  if (standard !== undefined) return { path: homePath(standard), kind: "folder", standard: true };
  if (VAGUE_OBJECTS.has(p.toLowerCase()) || WHOLESALE.test(p)) return null;
  if (allowSplit) {
    for (const cut of p.matchAll(/\s(?:in|inside|on|from|under|within|at)\s/gi)) {
      const item = parseLocation(p.slice(0, cut.index), false);
      const folder = item && parseLocation(p.slice(cut.index + cut[0].length), false);
      if (item && folder && folder.kind !== "file" && !item.standard && !EXPLICIT_PATH.test(item.path)) {
        return { path: joinPath(folder.path, item.path), kind: item.kind, standard: false };
      }
    }
  }
  let hint: Place["kind"] = "either";
  if (FOLDER_SUFFIX.test(p)) [hint, p] = ["folder", p.replace(FOLDER_SUFFIX, "")];
  else if (FILE_WORD.test(p)) [hint, p] = ["file", p.replace(FILE_WORD, "").replace(DETERMINERS, "")];
  const inner = unquote(p);
  if (inner) return pathPlace(inner, hint);
  if (!p || VAGUE_OBJECTS.has(p.toLowerCase()) || CHAINED.test(p)) return null;
  const oneWord = !/\s/.test(p);
  // An unquoted path with spaces is read as one only when it plainly is one: "~/notes.txt to me" is not.
  if (EXPLICIT_PATH.test(p) && !oneWord && !EXTENSION.test(p) && PATH_STOP_WORDS.test(p)) return null;
  if (EXPLICIT_PATH.test(p) || (oneWord && /[/\\]/.test(p))) return pathPlace(p, hint);
  if (oneWord && (EXTENSION.test(p) || hint !== "either")) return pathPlace(p, hint);
  return hint !== "either" && p.split(" ").length <= 4 ? pathPlace(p, hint) : null; // "the tax returns folder"
}

export function pathPlace(path: string, hint: Place["kind"]): Place {
  const kind = hint !== "either" ? hint : /[/\\]$/.test(path) ? "folder" : EXTENSION.test(path.replace(/^.*[/\\]/, "")) ? "file" : "either";
  return { path, kind, standard: false };
}

export const homePath = (under: string) => (under ? `~/${under}` : "~");
const joinPath = (folder: string, name: string) => (/[/\\]$/.test(folder) ? folder + name : `${folder}/${name}`);

/** An http(s) address in a phrase ("github.com" gets https://), a reason when it is another scheme, or null when it is no address. */
export function webAddress(phrase: string): { href: string } | { reason: string } | null {
  const text = phrase.replace(/^<(.*)>$/, "$1").replace(/[),.;!]+$/, "");
  if (!text || /\s/.test(text) || text.length > 8192) return null;
  let href: string | null = null;
  if (/^https?:\/\//i.test(text)) href = text;
  else if (OTHER_SCHEME.test(text)) return { reason: "I only open http:// and https:// addresses; other links can run code or open local files. For a file, say \"read\" and its path." };
  else if (LOCAL_HOST.test(text)) href = `http://${text}`;
  else {
    const tld = HOST.exec(text)?.[1]?.toLowerCase();
    if (tld !== undefined && (WEB_TLDS.has(tld) || /^www\./i.test(text))) href = `https://${text}`;
  }
  if (href === null) return null;
  try {
    new URL(href);
    return { href };
  } catch {
    return { reason: `"${clip(text)}" is not a valid web address. Give one like https://example.com.` };
  }
}


/** The text inside matching surrounding quotes ("a b" → a b), or null when it is not wholly quoted. */
export function unquote(text: string): string | null {
  const first = text[0];
  if (text.length < 2 || (first !== '"' && first !== "'" && first !== "`") || text.at(-1) !== first) return null;
  const inner = text.slice(1, -1);
  return inner.includes(first) ? null : inner;
}

/** A message clipped for quoting back in a reason. */
export const clip = (text: string, max = 60) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Objects too vague to act on ("it", "all files"): the parser asks which one instead of guessing. */
export const isVague = (text: string) => VAGUE_OBJECTS.has(text.trim().toLowerCase().replace(QUANTIFIERS, ""));

/** Standard folder names a relative path may start with, matched without case: "documents/taxes" is ~/Documents/taxes. */
const CANONICAL_FOLDERS: ReadonlyMap<string, string> = new Map(
  [...FOLDER_WORDS.values()].filter(Boolean).map((name) => [name.toLowerCase(), name]),
);

/**
 * The path as the agent should get it. A lone file name ("todo.txt", no folder) is in ~/Documents; any other
 * path that starts with neither ~, / nor ./ is read from home, with a standard folder's name set right.
 * @example agentPath("documents/taxes") // "~/Documents/taxes"
 */
export function agentPath(path: string, kind: Place["kind"]): string {
  if (EXPLICIT_PATH.test(path)) return path;
  const [first = "", ...rest] = path.split(/[/\\]/);
  if (rest.length === 0 && kind === "file") return `~/Documents/${path}`;
  const folder = CANONICAL_FOLDERS.get(first.toLowerCase());
  return folder === undefined ? `~/${path}` : `~/${[folder, ...rest].join("/")}`;
}
