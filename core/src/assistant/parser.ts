import type { Json } from "#protocol";
import {
  ACTION_WORDS, ACTIVITY_SENTENCES, AND_READ, CHAINED, APP_ALIASES, APP_SUFFIX, CAN_DO, CONTAINING, CONTENTS_OF, FILE_TYPES, FIND, FOLDER_WORDS, GO_TO,
  HAVE_FILE, HELP_SENTENCE, LAUNCH, LEADING_FILLER, NAMED, NEEDS_ADDRESS, NOT_APPS, NOT_A_NAME, NO_MEMORY, PERMANENTLY, QUANTIFIERS,
  QUESTION_SENTENCE, SEARCH_IN, SEE_OPENING, SHELL_LOOKALIKE, SHELL_REASON, SHELL_SENTENCE, SLASH_COMMANDS, SYSTEM_SENTENCES, TO_TRASH,
  TRAILING_FILLER, TRASH, VIEW, WEB_PREFIX, WEB_SEARCH, WEB_SUFFIX, WEB_VERB, WEB_WORDS, WHATS_IN, WHOLESALE, WRITING_SENTENCE,
} from "./phrases.ts";
import { agentPath, clip, EXPLICIT_PATH, EXTENSION, homePath, isVague, parseLocation, pathPlace, unquote, webAddress, type Place } from "./places.ts";
import { writeRequest } from "./write-rule.ts";
import type { SlashSpec } from "./phrases.ts";
import { parseActivityQuestion, type ActivityAsk } from "./activity/index.ts";
import { parseToolCommand } from "./mcp-tools.ts";

// The assistant's deterministic parser: one chat message in, one intent out, with no model and no I/O.
// What must stay true: it never throws, the same text always gives the same intent, and only the explicit
// `/run` slash command can produce shell.run (a sentence that mentions running something never does).
// Permission checks happen later, on the server and on the agent; this only decides what was asked.

export type ParsedCommand = { target: string; action: string; parameters: Record<string, Json> };
export type ParsedIntent =
  | { kind: "command"; command: ParsedCommand; summary: string }
  | { kind: "help" }
  /** A question about what the user did, answered from activity data; `query` is null when no phrasing fits ("how much time …"). */
  | { kind: "activity_query"; question: string; query: ActivityAsk | null }
  | { kind: "unknown"; reason: string };
/** One action a connected device offers; `mcpTool` is set when it is a bridged MCP tool (its name on the server). */
export type Capability = { target: string; action: string; mcpTool?: string | undefined };
export type ParseContext = {
  /** How paths name the home folder; only "~" (the agent expands it on the computer). */
  home?: "~";
  /** What the connected devices offer; a command outside it comes back `unknown`. Omit to skip the check. */
  capabilities?: readonly Capability[];
};
type CommandIntent = Extract<ParsedIntent, { kind: "command" }>;
type Token = { value: string; quoted: boolean };

/** Longer sentences are not commands; the cap also keeps every pattern cheap. */
const MAX_SENTENCE_CHARS = 1000;
const MAX_PATH_CHARS = 4096;
const MAX_QUERY_CHARS = 200;
const MAX_ARGS = 200;
const APP_NAME = /^[a-z][a-z0-9_]{0,39}$/;
/** How a summary names "no folder given": the agent then uses all of its folders. */
const AGENT_FOLDERS = "the agent's folders";

/** Turns one chat message into a command, help, an activity question, or a reason it was not understood; never throws. @example parseMessage("list my downloads") */
export function parseMessage(text: string, context: ParseContext = {}): ParsedIntent {
  const clean = text.replace(/[\u2018\u2019\u201B]/g, "'").replace(/[\u201C\u201D\u201E]/g, '"').trim();
  const intent = clean.startsWith("/") ? parseSlash(clean, context) : parseSentence(clean);
  return intent.kind === "command" && context.capabilities ? checkCapability(intent, context.capabilities) : intent;
}

// ---- slash commands -------------------------------------------------------------------------------------

const SLASH = /^\/(\S+)([\s\S]*)$/;
const SLASH_BY_NAME: ReadonlyMap<string, SlashSpec> = new Map(
  SLASH_COMMANDS.flatMap((spec) => [spec.name, ...spec.aliases].map((name): [string, SlashSpec] => [name, spec])),
);

function parseSlash(text: string, context: ParseContext): ParsedIntent {
  const match = SLASH.exec(text);
  const word = match?.[1] ?? "";
  const spec = SLASH_BY_NAME.get(word.toLowerCase());
  if (!spec) return unknown(`${word ? `There is no /${clip(word)} command.` : "Type a command after the /."} Type /help for the ones you can use.`);
  const arg = (match?.[2] ?? "").trim();
  const usage = `Give it like this: ${spec.usage}.`;
  switch (spec.name) {
    case "help": return { kind: "help" };
    case "tool": return parseToolCommand(arg, context.capabilities);
    case "info": return systemInfo();
    case "ls": return list(arg ? slashPlace(arg) : null);
    case "cat": return arg ? read(slashPlace(arg)) : unknown(`Which file? ${usage}`);
    case "find": return slashSearch(arg, "name", usage);
    case "grep": return slashSearch(arg, "content", usage);
    case "open": return slashOpen(unquote(arg) ?? arg);
    case "run": return slashRun(arg);
    case "launch":
      return launchNamed(unquote(arg) ?? arg) ?? unknown(`Give the app's name as it is set in the agent's config.json (a lower-case word). ${usage}`);
    case "trash":
      if (!arg) return unknown(`Which file or folder? ${usage}`);
      return /[*?]/.test(arg) ? unknown(`/trash takes one exact path, not a pattern. ${usage}`) : trash(slashPlace(arg));
  }
}

function slashPlace(arg: string): Place {
  const value = unquote(arg) ?? arg;
  const folder = FOLDER_WORDS.get(value.toLowerCase().replace(/^my\s+/, ""));
  return folder === undefined ? pathPlace(value, "either") : { path: homePath(folder), kind: "folder", standard: true };
}

function slashSearch(arg: string, field: "name" | "content", usage: string): ParsedIntent {
  // Names and text may hold apostrophes ("Bob's CV"), so a lone quote is just a character here.
  const split = splitArgs(arg);
  const tokens = typeof split === "string" ? arg.split(/\s+/).filter(Boolean).map((value) => ({ value, quoted: false })) : split;
  const at = tokens.findLastIndex((token) => !token.quoted && token.value.toLowerCase() === "in");
  const hasFolder = at > 0 && at < tokens.length - 1;
  const query = (hasFolder ? tokens.slice(0, at) : tokens).map((token) => token.value).join(" ");
  if (!query) return unknown(`What should I look for? ${usage}`);
  return search(query, field, hasFolder ? slashPlace(tokens.slice(at + 1).map((token) => token.value).join(" ")) : null);
}

function slashOpen(target: string): ParsedIntent {
  const address = webAddress(target);
  if (address) return "href" in address ? openUrl(address.href) : unknown(address.reason);
  if (!target) return unknown("Which page? Give its address: /open https://example.com.");
  if (EXPLICIT_PATH.test(target) || EXTENSION.test(target)) {
    const instead = EXTENSION.test(target) ? `/cat ${clip(target)} reads a file` : `/ls ${clip(target)} lists a folder`;
    return unknown(`/open opens web pages (http:// or https://); ${instead}.`);
  }
  return unknown(`"${clip(target)}" is not a web address. Give one like /open https://example.com, or start an app with /launch ${clip(target)}.`);
}

function slashRun(arg: string): ParsedIntent {
  const tokens = splitArgs(arg);
  if (typeof tokens === "string") return unknown(tokens);
  const [program, ...args] = tokens.map((token) => token.value);
  if (!program) return unknown("Name the program, then its arguments: /run git status. There is no shell, so no pipes, globbing or ;.");
  if (args.length > MAX_ARGS || program.length > MAX_PATH_CHARS) return unknown(`That is too long to run: at most ${MAX_ARGS} arguments.`);
  return command("shell", "run", { program, args }, `Run ${[program, ...args].map(showArg).join(" ")}`);
}

/** Splits arguments the way a shell would quote them ("like this", 'or this', adjacent parts join) but expands nothing. */
function splitArgs(text: string): Token[] | string {
  const tokens: Token[] = [];
  let value = "";
  let quoted = false;
  let started = false; // so that "" is an argument of its own
  let quote = "";
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = "";
      else value += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      quoted = started = true;
    } else if (ch.trim() === "") {
      if (started) tokens.push({ value, quoted });
      value = "";
      quoted = started = false;
    } else {
      value += ch;
      started = true;
    }
  }
  if (quote) return `A ${quote === '"' ? "double" : "single"} quote is never closed. Close it, or leave the quotes out.`;
  if (started) tokens.push({ value, quoted });
  return tokens;
}

const showArg = (arg: string) => (/^[^\s"'\\]+$/.test(arg) ? arg : JSON.stringify(arg));

// ---- sentences ------------------------------------------------------------------------------------------

// In order: the first rule that answers wins. Trash and find come before the open/show family, which tries
// a web address, then a file or folder, then an app.
const RULES: readonly ((s: string, original: string) => ParsedIntent | null)[] = [
  (s, original) => {
    const query = parseActivityQuestion(s);
    return query || ACTIVITY_SENTENCES.some((pattern) => pattern.test(s)) ? { kind: "activity_query", question: original, query } : null;
  },
  (s) => (SYSTEM_SENTENCES.some((pattern) => pattern.test(s)) ? systemInfo() : null),
  (s) => (SHELL_SENTENCE.test(s) || SHELL_LOOKALIKE.test(s) ? unknown(SHELL_REASON) : null),
  trashRule, findRule, writeRule, webRule, viewRule, launchRule,
];

function parseSentence(text: string): ParsedIntent {
  if (!text) return unknown(`Type what you'd like me to do. ${CAN_DO}`);
  if (text.length > MAX_SENTENCE_CHARS) return unknown(`That is too long for me to act on; ask for one thing at a time, in a sentence. ${CAN_DO}`);
  const s = tidy(text);
  if (HELP_SENTENCE.test(s) || (!s && /^help\b/i.test(text))) return { kind: "help" };
  if (!s) return unknown(`What should I do? ${CAN_DO}`);
  for (const rule of RULES) {
    const intent = rule(s, text);
    if (intent) return intent;
  }
  if (WRITING_SENTENCE.test(s)) return unknown(`I can't compose, edit or explain things; I can write a file you name, e.g. "create a file todo.txt that says buy milk". ${CAN_DO}`);
  if (QUESTION_SENTENCE.test(s)) return unknown(`I can't answer general questions yet; I only act on your computer. ${CAN_DO}`);
  return unknown(`I didn't understand "${clip(s)}" as something to do on your computer. ${CAN_DO}`);
}

/** Drops greetings, politeness and end punctuation, repeatedly: "Hey Hearth, could you please list my docs?" → "list my docs". */
function tidy(text: string): string {
  let s = text.replace(/\s+/g, " ");
  for (let previous = ""; previous !== s; ) {
    previous = s;
    s = s.replace(LEADING_FILLER, "").replace(TRAILING_FILLER, "").replace(SEE_OPENING, "show ").trim();
  }
  return s;
}

function trashRule(s: string): ParsedIntent | null {
  const object = (TO_TRASH.exec(s) ?? TRASH.exec(s))?.[1]?.replace(PERMANENTLY, "");
  if (object === undefined) return null;
  if (/[*?]/.test(object) || /^(?:all|every|everything|each)\b/i.test(object) || WHOLESALE.test(object)) {
    return unknown('I move one file or folder to the trash at a time, one you name exactly, e.g. "delete old.log from Downloads".');
  }
  if (isVague(object)) return unknown(`Which file do you mean? ${NO_MEMORY}`);
  const place = parseLocation(object);
  if (!place && CHAINED.test(object)) return oneAtATime(s);
  if (!place) return unknown(`Which file is "${clip(object)}"? Name it with its extension and folder ("delete old.log from Downloads"), or give its path.`);
  if (place.standard) return unknown(`I won't move a whole standard folder like ${place.path} to the trash from a sentence. If you mean it, use /trash ${place.path}.`);
  return trash(place);
}

function findRule(s: string): ParsedIntent | null {
  if (WEB_SEARCH.test(s)) return unknown("I can't search the web yet. I can open a page if you give me its address, e.g. open duckduckgo.com.");
  const inside = SEARCH_IN.exec(s);
  const folder = inside?.[1] === undefined ? null : parseLocation(inside[1], false);
  if (inside?.[2] !== undefined && folder && folder.kind !== "file") return findQuery(inside[2], folder, false, false);
  const have = HAVE_FILE.exec(s)?.[1];
  const found = FIND.exec(s);
  const phrase = have ?? found?.[2];
  if (phrase === undefined) return null;
  const { query, path } = splitFolder(phrase);
  return findQuery(query, path, /^grep/i.test(s), have !== undefined);
}

/** "invoice in my documents" → the query and the folder, trying the last "in/on/under …" first; no folder means the agent's folders. */
function splitFolder(phrase: string): { query: string; path: Place | null } {
  const cuts = [...phrase.matchAll(/\s(?:in|inside|under|on|within|from|at)\s/gi)].reverse();
  for (const cut of cuts) {
    const place = parseLocation(phrase.slice(cut.index + cut[0].length), false);
    if (place && place.kind !== "file") return { query: phrase.slice(0, cut.index), path: place };
  }
  return { query: phrase, path: null };
}

function findQuery(phrase: string, path: Place | null, byContent: boolean, needsFileWord: boolean): ParsedIntent | null {
  const p = phrase.trim().replace(QUANTIFIERS, "");
  const quoted = unquote(p);
  if (quoted !== null) return search(quoted, byContent ? "content" : "name", path);
  const containing = CONTAINING.exec(p)?.[1];
  if (containing !== undefined) return search(cleanQuery(containing), "content", path);
  const named = NAMED.exec(p)?.[1];
  if (named !== undefined) return search(cleanQuery(named), byContent ? "content" : "name", path);
  const type = /^(\w+?)s$/i.exec(p)?.[1] ?? /^(\w+) (?:files?|documents?|docs?)$/i.exec(p)?.[1];
  if (type !== undefined && FILE_TYPES.has(type.toLowerCase()) && !byContent) return search(`*.${type.toLowerCase()}`, "name", path);
  if (needsFileWord) return null; // "is there a meeting today" is not about files
  const query = cleanQuery(p.replace(/\s+(?:files?|documents?|docs?)$/i, ""));
  if (isVague(query) || query.split(" ").length > 5) return unknown(`What should I look for? Give a name or part of one, e.g. "find taxes.pdf" or "find files named *.pdf in Downloads".`);
  return search(query, byContent ? "content" : "name", path);
}

const cleanQuery = (text: string) => unquote(text.trim()) ?? text.trim().replace(QUANTIFIERS, "");

function webRule(s: string): ParsedIntent | null {
  const match = WEB_VERB.exec(s);
  if (!match?.[1] || match[2] === undefined) return null;
  const object = match[2].replace(WEB_PREFIX, "").replace(WEB_SUFFIX, "").trim();
  const address = webAddress(object);
  if (address) return "href" in address ? openUrl(address.href) : unknown(address.reason);
  if (!GO_TO.test(match[1])) return null;
  const place = parseLocation(object);
  return place && place.kind !== "file" ? list(place) : unknown(NEEDS_ADDRESS);
}

function viewRule(s: string): ParsedIntent | null {
  const whats = WHATS_IN.exec(s)?.[1];
  const view = whats === undefined ? VIEW.exec(s) : null;
  const phrase = (whats ?? view?.[2])?.replace(CONTENTS_OF, "");
  if (phrase === undefined) return null;
  // "open a.md and show me its contents" is one request: read a.md.
  const andRead = AND_READ.test(phrase);
  const object = phrase.replace(AND_READ, "");
  const verb = (view?.[1] ?? "show").toLowerCase();
  const mode = andRead || /^(?:read|cat|print)$/.test(verb) ? "read" : /^(?:list|ls|dir|browse)$/.test(verb) ? "list" : "view";
  const place = isVague(object) ? null : parseLocation(object);
  if (!place && CHAINED.test(object)) return oneAtATime(s);
  if (!place && mode === "list") return unknown(`Which folder should I list? e.g. "list my Downloads" or "list ~/projects". ${isVague(object) ? NO_MEMORY : ""}`.trim());
  if (!place && mode === "read") return unknown(`Which file should I read? Give its name with its extension, e.g. "read ~/notes.txt". ${isVague(object) ? NO_MEMORY : ""}`.trim());
  if (!place) return isVague(object) ? unknown(`Which file or folder do you mean? ${NO_MEMORY}`) : null;
  return place.kind === "file" || (mode === "read" && place.kind === "either") ? read({ ...place, kind: "file" }) : list(place);
}

function writeRule(s: string): ParsedIntent | null {
  const found = writeRequest(s);
  if (!found) return null;
  if ("reason" in found) return unknown(found.reason);
  const path = agentPath(found.file.path, "file");
  if (path.length > MAX_PATH_CHARS) return unknown(`That path is too long; paths are at most ${MAX_PATH_CHARS} characters.`);
  const { content, mode } = found;
  const preview = `"${clip(content.trimEnd(), 40)}"`;
  const summary = mode === "append" ? `Add ${preview} to ${path}` : mode === "overwrite" ? `Replace what ${path} says with ${preview}` : `Create ${path}${content ? ` saying ${preview}` : " (empty)"}`;
  return command("filesystem", "write", { path, content, mode }, summary);
}

function launchRule(s: string): ParsedIntent | null {
  const web = WEB_VERB.exec(s)?.[2];
  if (web !== undefined && WEB_WORDS.test(web)) return unknown(NEEDS_ADDRESS);
  const match = LAUNCH.exec(s);
  if (!match?.[1] || match[2] === undefined) return null;
  const mine = /^my\s/i.test(match[2]);
  const named = match[2].replace(/^(?:the|my)\s+/i, "");
  const isApp = APP_SUFFIX.test(named);
  const name = named.replace(APP_SUFFIX, "");
  if (!isApp && mine) return unknown(`Which file is "my ${clip(name)}"? Give its name with the extension ("open ${name.split(" ")[0]}.pdf"), or find it first: "find ${clip(name)}".`);
  if (!isApp && (/^(?:run|load|bring up|pull up)$/i.test(match[1]) || /^(?:a|an|some)\s/i.test(name) || NOT_APPS.has(name.toLowerCase()) || NOT_A_NAME.test(name) || name.split(" ").length > 3)) return null;
  if (isVague(name)) return unknown(`Which app? ${NO_MEMORY}`);
  return launchNamed(name) ?? unknown(`"${clip(name)}" can't be an app name: apps are named in the agent's config.json with a lower-case word, like "spotify".`);
}

function launchNamed(raw: string): ParsedIntent | null {
  const key = raw.trim().toLowerCase().replace(/[\s-]+/g, "_").replace(/[^a-z0-9_]/g, "");
  const name = APP_ALIASES.get(key) ?? key;
  return APP_NAME.test(name) ? command("apps", "launch", { name }, `Launch ${name}`) : null;
}

// ---- results --------------------------------------------------------------------------------------------

function command(target: string, action: string, parameters: Record<string, Json>, summary: string): ParsedIntent {
  return { kind: "command", command: { target, action, parameters }, summary };
}

function pathCommand(action: "list" | "read" | "trash", place: Place, summary: (path: string) => string): ParsedIntent {
  const path = agentPath(place.path, place.kind);
  if (path.length > MAX_PATH_CHARS) return unknown(`That path is too long; paths are at most ${MAX_PATH_CHARS} characters.`);
  return command("filesystem", action, { path }, summary(path));
}

/** A folder to list, or null for the agent's own folders (the agent lists them when no path is given). */
const list = (place: Place | null) => (place ? pathCommand("list", place, (path) => `List ${path}`) : command("filesystem", "list", {}, `List ${AGENT_FOLDERS}`));
const read = (place: Place) => pathCommand("read", place, (path) => `Read ${path}`);
const trash = (place: Place) => pathCommand("trash", place, (path) => `Move ${path} to the trash (not deleted; you can restore it)`);
const openUrl = (url: string) => command("browser", "open", { url }, `Open ${url} in your browser`);
const systemInfo = () => command("system", "info", {}, "Show this computer's OS, disk space, memory and uptime");

/** A search in one folder, or (folder null) in every folder the agent may use. */
function search(query: string, field: "name" | "content", folder: Place | null): ParsedIntent {
  if (!query.trim()) return unknown('What should I look for? e.g. "find taxes.pdf".');
  if (query.length > MAX_QUERY_CHARS) return unknown(`That is too long to search for; use at most ${MAX_QUERY_CHARS} characters.`);
  const path = folder ? agentPath(folder.path, "folder") : null;
  if (path && path.length > MAX_PATH_CHARS) return unknown(`That path is too long; paths are at most ${MAX_PATH_CHARS} characters.`);
  const where = path ?? AGENT_FOLDERS;
  const summary = field === "name" ? `Find files named "${query}" in ${where}` : `Search ${where} for files containing "${query}"`;
  return command("filesystem", "search", { ...(path ? { path } : {}), [field]: query }, summary);
}

function checkCapability(intent: CommandIntent, capabilities: readonly Capability[]): ParsedIntent {
  const { target, action } = intent.command;
  if (capabilities.some((c) => c.target === target && c.action === action)) return intent;
  const wanted = `${describeAction(target, action)} (${target}.${action})`;
  if (capabilities.length === 0) {
    return unknown(`I can't ${wanted} right now: no connected device offers anything. Start the agent on your computer with \`npx hearth start\`, or pair one with \`npx hearth pair\`.`);
  }
  const offered = [...new Set(capabilities.map((c) => describeAction(c.target, c.action)))];
  const hint = target === "shell" ? " The shell stays off until the agent's config.json lists command patterns under shell.allow (e.g. `git status`)." : "";
  return unknown(`None of your connected devices can ${wanted}. They can ${joinWords(offered)}.${hint}`);
}

const describeAction = (target: string, action: string) => ACTION_WORDS.get(`${target}.${action}`) ?? `${target}.${action}`;
const joinWords = (words: string[]) => (words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`);
const unknown = (reason: string): ParsedIntent => ({ kind: "unknown", reason });
/** Two requests in one sentence: doing only the first half (or reading both as one path) would surprise. */
const oneAtATime = (s: string) => unknown(`I didn't understand "${clip(s)}" as one thing to do; ask for one thing per message. ${CAN_DO}`);
