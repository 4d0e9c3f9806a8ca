import { AND_READ, CHAINED, CONTENT_LEAD, INTO_FILE, NO_MEMORY, OVERWRITE, WRITE_INTO, WRITE_NEW } from "./phrases.ts";
import { clip, isVague, parseLocation, unquote, type Place } from "./places.ts";

// Writing a file from a sentence. What must stay true: a sentence becomes filesystem.write only when it names a
// file (an extension, or the word "file") and says what goes in it; the mode is "create" (never replaces) unless
// the user said "add"/"append" or "overwrite", so a misread sentence cannot destroy a file. Anything less clear
// is null (the parser's other rules, then "I didn't understand") or a question back.

export type WriteAsk = { file: Place; content: string; mode: "create" | "append" | "overwrite" };

/** A write the sentence asks for, a reason to ask back, or null when the sentence is no write. */
export function writeRequest(s: string): WriteAsk | { reason: string } | null {
  const overwrite = OVERWRITE.exec(s);
  if (overwrite?.[1] !== undefined && overwrite[2] !== undefined) return ask(overwrite[1], overwrite[2], "overwrite");
  const into = WRITE_INTO.exec(s);
  if (into?.[1] !== undefined && into[2] !== undefined) {
    const found = splitInto(into[2], /^(?:add|append)$/i.test(into[1]) ? "append" : "create");
    if (found) return found;
  }
  const created = WRITE_NEW.exec(s);
  if (created?.[1] === undefined) return null;
  return ask(created[1], created[2] ?? "", "create");
}

/** "buy milk to todo.txt in Documents": the content and the file, trying the last "to/into/in …" first. */
function splitInto(phrase: string, mode: WriteAsk["mode"]): WriteAsk | { reason: string } | null {
  for (const cut of [...phrase.matchAll(INTO_FILE)].reverse()) {
    const found = ask(phrase.slice(cut.index + cut[0].length), phrase.slice(0, cut.index), mode);
    if (found) return found;
  }
  return null;
}

function ask(filePhrase: string, contentPhrase: string, mode: WriteAsk["mode"]): WriteAsk | { reason: string } | null {
  const file = parseLocation(filePhrase);
  if (!file || file.kind !== "file" || file.standard) return null;
  const raw = contentPhrase.trim();
  const content = unquote(raw) ?? raw.replace(CONTENT_LEAD, "");
  if (mode !== "create" && !content) return { reason: `What should I write to ${clip(file.path)}? e.g. "add buy eggs to todo.txt".` };
  if (isVague(content)) return { reason: `What should I write? ${NO_MEMORY}` };
  // "write hi to a.txt and read it back" is two requests; doing only the first half would surprise.
  if (unquote(raw) === null && (AND_READ.test(` ${content}`) || CHAINED.test(content))) return null;
  // A text file ends with a newline, so a later "add … to" starts on a line of its own.
  return { file, content: content && !content.endsWith("\n") ? `${content}\n` : content, mode };
}
