import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Json } from "#protocol";
import { parseMessage } from "./parser.ts";
import type { ParsedIntent } from "./parser.ts";

type Row = [text: string, action: string, parameters: Record<string, Json>];

/** What a user sees of a command: which action, with which parameters. */
const actionOf = (intent: ParsedIntent) =>
  intent.kind === "command" ? { action: `${intent.command.target}.${intent.command.action}`, parameters: intent.command.parameters } : intent;

const SLASH: Row[] = [
  ["/ls ~/Documents", "filesystem.list", { path: "~/Documents" }],
  ["/ls", "filesystem.list", {}],
  ["/ls Documents", "filesystem.list", { path: "~/Documents" }],
  ["/ls Documents/taxes", "filesystem.list", { path: "~/Documents/taxes" }],
  ["/ls documents/taxes", "filesystem.list", { path: "~/Documents/taxes" }],
  ["/ls projects/hearth", "filesystem.list", { path: "~/projects/hearth" }],
  ["/cat notes.txt", "filesystem.read", { path: "~/Documents/notes.txt" }],
  ["/ls downloads", "filesystem.list", { path: "~/Downloads" }],
  ['/ls "~/My Projects"', "filesystem.list", { path: "~/My Projects" }],
  ["/list ~/code", "filesystem.list", { path: "~/code" }],
  ["/cat ~/notes.txt", "filesystem.read", { path: "~/notes.txt" }],
  ["/read ~/a b.txt", "filesystem.read", { path: "~/a b.txt" }],
  ["/CAT ~/x.md", "filesystem.read", { path: "~/x.md" }],
  ["/find resume", "filesystem.search", { name: "resume" }],
  ["/find *.pdf in ~/Downloads", "filesystem.search", { path: "~/Downloads", name: "*.pdf" }],
  ["/find *.pdf in downloads", "filesystem.search", { path: "~/Downloads", name: "*.pdf" }],
  ['/find "in review" in "~/Work Docs"', "filesystem.search", { path: "~/Work Docs", name: "in review" }],
  ["/find Bob's CV", "filesystem.search", { name: "Bob's CV" }],
  ["/grep invoice", "filesystem.search", { content: "invoice" }],
  ["/grep TODO in ~/projects", "filesystem.search", { path: "~/projects", content: "TODO" }],
  ["/open https://github.com", "browser.open", { url: "https://github.com" }],
  ["/open github.com/anthropics", "browser.open", { url: "https://github.com/anthropics" }],
  ["/open <https://example.com/a?b=1>", "browser.open", { url: "https://example.com/a?b=1" }],
  ["/open localhost:5173", "browser.open", { url: "http://localhost:5173" }],
  ["/run git status", "shell.run", { program: "git", args: ["status"] }],
  ["/run ls", "shell.run", { program: "ls", args: [] }],
  ['/run git commit -m "fix the bug"', "shell.run", { program: "git", args: ["commit", "-m", "fix the bug"] }],
  ["/run echo 'single quoted' plain", "shell.run", { program: "echo", args: ["single quoted", "plain"] }],
  ['/run git log --format="%h %s"', "shell.run", { program: "git", args: ["log", "--format=%h %s"] }],
  ['/run printf ""', "shell.run", { program: "printf", args: [""] }],
  ["/run ls *.txt | wc -l; rm -rf ~", "shell.run", { program: "ls", args: ["*.txt", "|", "wc", "-l;", "rm", "-rf", "~"] }],
  ["/run   git    status  ", "shell.run", { program: "git", args: ["status"] }],
  ["/run echo \u201Csmart quotes\u201D", "shell.run", { program: "echo", args: ["smart quotes"] }],
  ["/launch spotify", "apps.launch", { name: "spotify" }],
  ["/start Visual Studio Code", "apps.launch", { name: "vscode" }],
  ["/info", "system.info", {}],
  ["/system", "system.info", {}],
  ["/trash ~/Downloads/old.log", "filesystem.trash", { path: "~/Downloads/old.log" }],
  ['/trash "~/Downloads/old file.log"', "filesystem.trash", { path: "~/Downloads/old file.log" }],
  ["  /ls ~/Desktop  ", "filesystem.list", { path: "~/Desktop" }],
];

const SENTENCES: Row[] = [
  // listing
  ["show me what's in my Downloads folder", "filesystem.list", { path: "~/Downloads" }],
  ["what's in ~/Documents", "filesystem.list", { path: "~/Documents" }],
  ["What\u2019s in ~/Documents?", "filesystem.list", { path: "~/Documents" }],
  ["list my documents", "filesystem.list", { path: "~/Documents" }],
  ["list the files on my desktop", "filesystem.list", { path: "~/Desktop" }],
  ["ls downloads", "filesystem.list", { path: "~/Downloads" }],
  ["what files are in downloads", "filesystem.list", { path: "~/Downloads" }],
  ["what do I have on my desktop?", "filesystem.list", { path: "~/Desktop" }],
  ["show my downloads", "filesystem.list", { path: "~/Downloads" }],
  ["open downloads", "filesystem.list", { path: "~/Downloads" }],
  ["open my downloads folder", "filesystem.list", { path: "~/Downloads" }],
  ["browse ~/projects", "filesystem.list", { path: "~/projects" }],
  ["list ~/projects/", "filesystem.list", { path: "~/projects/" }],
  ["Can you show me the contents of my Documents folder?", "filesystem.list", { path: "~/Documents" }],
  ["I want to see what's in my pictures", "filesystem.list", { path: "~/Pictures" }],
  ["let me see my music", "filesystem.list", { path: "~/Music" }],
  ["Hey Hearth, could you please list my docs?", "filesystem.list", { path: "~/Documents" }],
  ["please list my home folder", "filesystem.list", { path: "~" }],
  ["LIST MY VIDEOS!!", "filesystem.list", { path: "~/Videos" }],
  ["go to my documents", "filesystem.list", { path: "~/Documents" }],
  ["show me the projects folder in documents", "filesystem.list", { path: "~/Documents/projects" }],
  ["look in ~/Downloads/receipts", "filesystem.list", { path: "~/Downloads/receipts" }],
  ["what's inside the desktop", "filesystem.list", { path: "~/Desktop" }],
  ["could you list everything in my downloads folder for me please", "filesystem.list", { path: "~/Downloads" }],
  // reading
  ["read ~/notes.txt", "filesystem.read", { path: "~/notes.txt" }],
  ["open the file notes.md in Documents", "filesystem.read", { path: "~/Documents/notes.md" }],
  ["show me the contents of todo.txt", "filesystem.read", { path: "~/Documents/todo.txt" }],
  ["read the notes.txt file on my desktop", "filesystem.read", { path: "~/Desktop/notes.txt" }],
  ["cat ~/notes.txt", "filesystem.read", { path: "~/notes.txt" }],
  ["open 'My Notes.txt' in documents", "filesystem.read", { path: "~/Documents/My Notes.txt" }],
  ['read "~/My Notes/todo list.txt"', "filesystem.read", { path: "~/My Notes/todo list.txt" }],
  ["open readme.md", "filesystem.read", { path: "~/Documents/readme.md" }],
  ["what's in todo.txt", "filesystem.read", { path: "~/Documents/todo.txt" }],
  ["read ~/.bashrc", "filesystem.read", { path: "~/.bashrc" }],
  ["read the file Makefile", "filesystem.read", { path: "~/Documents/Makefile" }],
  ["read ~/projects/hearth/LICENSE", "filesystem.read", { path: "~/projects/hearth/LICENSE" }],
  // finding
  ["find my resume", "filesystem.search", { name: "resume" }],
  ["find files named *.pdf in Downloads", "filesystem.search", { path: "~/Downloads", name: "*.pdf" }],
  ["where is taxes.pdf", "filesystem.search", { name: "taxes.pdf" }],
  ["where's my resume?", "filesystem.search", { name: "resume" }],
  ["search my documents for invoice", "filesystem.search", { path: "~/Documents", name: "invoice" }],
  ["find files containing invoice in documents", "filesystem.search", { path: "~/Documents", content: "invoice" }],
  ["search for files that mention budget", "filesystem.search", { content: "budget" }],
  ["grep TODO in ~/projects", "filesystem.search", { path: "~/projects", content: "TODO" }],
  ["where did I put my passport scan", "filesystem.search", { name: "passport scan" }],
  ["look for taxes.pdf in my downloads folder", "filesystem.search", { path: "~/Downloads", name: "taxes.pdf" }],
  ["find the tax return in documents", "filesystem.search", { path: "~/Documents", name: "tax return" }],
  ["locate report.docx", "filesystem.search", { name: "report.docx" }],
  ["find all the jpg files on my desktop", "filesystem.search", { path: "~/Desktop", name: "*.jpg" }],
  ["find pdfs in downloads", "filesystem.search", { path: "~/Downloads", name: "*.pdf" }],
  ["do I have any pdfs in documents?", "filesystem.search", { path: "~/Documents", name: "*.pdf" }],
  ["is there a file named budget.xlsx on my desktop", "filesystem.search", { path: "~/Desktop", name: "budget.xlsx" }],
  ['find "notes in progress" in documents', "filesystem.search", { path: "~/Documents", name: "notes in progress" }],
  ["look through my downloads for receipts", "filesystem.search", { path: "~/Downloads", name: "receipts" }],
  ["find files with the word hearth in ~/code", "filesystem.search", { path: "~/code", content: "hearth" }],
  ["find taxes.pdf", "filesystem.search", { name: "taxes.pdf" }],
  ["find pdf files", "filesystem.search", { name: "*.pdf" }],
  // web pages
  ["open github.com", "browser.open", { url: "https://github.com" }],
  ["go to https://news.ycombinator.com", "browser.open", { url: "https://news.ycombinator.com" }],
  ["visit example.org", "browser.open", { url: "https://example.org" }],
  ["open www.example.com", "browser.open", { url: "https://www.example.com" }],
  ["open https://example.com/path?q=1 in a new tab", "browser.open", { url: "https://example.com/path?q=1" }],
  ["open localhost:3000", "browser.open", { url: "http://localhost:3000" }],
  ["take me to the website news.bbc.co.uk", "browser.open", { url: "https://news.bbc.co.uk" }],
  ["could you pull up wikipedia.org in my browser?", "browser.open", { url: "https://wikipedia.org" }],
  ["Open HTTPS://Example.com.", "browser.open", { url: "HTTPS://Example.com" }],
  // apps
  ["launch spotify", "apps.launch", { name: "spotify" }],
  ["open the calculator app", "apps.launch", { name: "calculator" }],
  ["start vscode", "apps.launch", { name: "vscode" }],
  ["open spotify", "apps.launch", { name: "spotify" }],
  ["open Visual Studio Code", "apps.launch", { name: "vscode" }],
  ["launch Google Chrome", "apps.launch", { name: "chrome" }],
  ["fire up slack", "apps.launch", { name: "slack" }],
  ["run the calculator app", "apps.launch", { name: "calculator" }],
  ["please start the obsidian application", "apps.launch", { name: "obsidian" }],
  // the machine
  ["how much disk space do I have", "system.info", {}],
  ["what OS am I running", "system.info", {}],
  ["system info", "system.info", {}],
  ["how long has my computer been up", "system.info", {}],
  ["how much memory do I have left?", "system.info", {}],
  ["what's my hostname", "system.info", {}],
  ["check disk space", "system.info", {}],
  ["is my disk full", "system.info", {}],
  ["tell me about my computer", "system.info", {}],
  ["uptime", "system.info", {}],
  ["what operating system is this laptop running", "system.info", {}],
  // trash
  ["delete old.log from Downloads", "filesystem.trash", { path: "~/Downloads/old.log" }],
  ["throw away old.log in downloads", "filesystem.trash", { path: "~/Downloads/old.log" }],
  ["move ~/Downloads/x.zip to the trash", "filesystem.trash", { path: "~/Downloads/x.zip" }],
  ["put report.pdf from desktop in the recycle bin", "filesystem.trash", { path: "~/Desktop/report.pdf" }],
  ["remove the old-builds folder from downloads", "filesystem.trash", { path: "~/Downloads/old-builds" }],
  ["delete old.log permanently", "filesystem.trash", { path: "~/Documents/old.log" }],
  ["get rid of ~/Desktop/screenshot 1.png", "filesystem.trash", { path: "~/Desktop/screenshot 1.png" }],
  // writing: "create" never replaces a file; only "add"/"append" and "overwrite" say otherwise
  ["create a file todo.txt that says buy milk", "filesystem.write", { path: "~/Documents/todo.txt", content: "buy milk\n", mode: "create" }],
  ["create a new text file called notes.md in Downloads with the text hello there", "filesystem.write", { path: "~/Downloads/notes.md", content: "hello there\n", mode: "create" }],
  ['make a file ~/Desktop/a.txt containing "Dear Sam, hello"', "filesystem.write", { path: "~/Desktop/a.txt", content: "Dear Sam, hello\n", mode: "create" }],
  ["create todo.txt", "filesystem.write", { path: "~/Documents/todo.txt", content: "", mode: "create" }],
  ["write buy milk to todo.txt in Documents", "filesystem.write", { path: "~/Documents/todo.txt", content: "buy milk\n", mode: "create" }],
  ["save 'see you at 5' as ~/Desktop/reminder.txt", "filesystem.write", { path: "~/Desktop/reminder.txt", content: "see you at 5\n", mode: "create" }],
  ["add eggs to todo.txt", "filesystem.write", { path: "~/Documents/todo.txt", content: "eggs\n", mode: "append" }],
  ["append the line call mum to ~/Documents/todo.txt", "filesystem.write", { path: "~/Documents/todo.txt", content: "call mum\n", mode: "append" }],
  ["overwrite todo.txt with nothing left to do", "filesystem.write", { path: "~/Documents/todo.txt", content: "nothing left to do\n", mode: "overwrite" }],
  // one request said with "and": the whole sentence is read, not a path that swallows the rest
  ["open ~/Documents/todo.md and show me its contents", "filesystem.read", { path: "~/Documents/todo.md" }],
  ["open todo.md and read it", "filesystem.read", { path: "~/Documents/todo.md" }],
  ["show ~/Documents/notes.txt and tell me what it says", "filesystem.read", { path: "~/Documents/notes.txt" }],
];

/** Every example in README.md's assistant section, as written there (e2e/chat-results.spec.ts runs them on a real agent). */
const README_EXAMPLES: Row[] = [
  ["/ls ~/Documents", "filesystem.list", { path: "~/Documents" }],
  ["list my Documents", "filesystem.list", { path: "~/Documents" }],
  ["what's in my Downloads folder?", "filesystem.list", { path: "~/Downloads" }],
  ["/cat ~/Documents/notes.txt", "filesystem.read", { path: "~/Documents/notes.txt" }],
  ["read notes.txt", "filesystem.read", { path: "~/Documents/notes.txt" }],
  ["open ~/Documents/todo.md and show me its contents", "filesystem.read", { path: "~/Documents/todo.md" }],
  ["/find *.pdf in ~/Documents", "filesystem.search", { path: "~/Documents", name: "*.pdf" }],
  ["find taxes.pdf", "filesystem.search", { name: "taxes.pdf" }],
  ["find pdf files", "filesystem.search", { name: "*.pdf" }],
  ["/grep invoice", "filesystem.search", { content: "invoice" }],
  ["create a file todo.txt that says buy milk", "filesystem.write", { path: "~/Documents/todo.txt", content: "buy milk\n", mode: "create" }],
  ["add eggs to todo.txt", "filesystem.write", { path: "~/Documents/todo.txt", content: "eggs\n", mode: "append" }],
  ["overwrite todo.txt with done", "filesystem.write", { path: "~/Documents/todo.txt", content: "done\n", mode: "overwrite" }],
  ["/open https://example.com", "browser.open", { url: "https://example.com" }],
  ["go to github.com", "browser.open", { url: "https://github.com" }],
  ["/launch Spotify", "apps.launch", { name: "spotify" }],
  ["open the calculator app", "apps.launch", { name: "calculator" }],
  ["/info", "system.info", {}],
  ["how much disk space do I have?", "system.info", {}],
  ["/trash ~/Downloads/old.txt", "filesystem.trash", { path: "~/Downloads/old.txt" }],
  ["delete old.log from Downloads", "filesystem.trash", { path: "~/Downloads/old.log" }],
  ["/run git status", "shell.run", { program: "git", args: ["status"] }],
  ["/ls Documents", "filesystem.list", { path: "~/Documents" }],
  ["/ls Documents/taxes", "filesystem.list", { path: "~/Documents/taxes" }],
];

/** Sentences that once became a wrong command: each must now be a clear "I didn't understand" (or a question back). */
const MISREADS: string[] = [
  "open ~/Documents/todo.md and then delete it",
  "read ~/notes.txt to me",
  "list ~/Documents and ~/Downloads",
  "list ~/Documents, then open github.com",
  "show ~/projects and open github.com",
  "delete old.log and new.log from downloads",
  "write hello to a.txt and read it back",
  "add milk to my shopping list",
  "save this page to bookmarks",
  "write a letter to mom",
  "create a folder called x",
  "make it say hello",
  "put the kettle on",
  "open ~/My Documents and show the pictures",
];

const DECLINED: [text: string, reason: RegExp][] = [
  ["what's the weather", /general questions/],
  ["write me a poem", /can't compose/],
  ["tell me a joke", /can't compose/],
  ["who is the president", /general questions/],
  ["create a folder called x", /can't compose/],
  ["open the Greenhouse page for my application", /need the page's address/],
  ["go to the settings page", /need the page's address/],
  ["go to my bank", /need the page's address/],
  ["run rm -rf ~", /explicit \/run/],
  ["rm -rf ~", /explicit \/run/],
  ["sudo reboot", /explicit \/run/],
  ["git status", /explicit \/run/],
  ["execute ls", /explicit \/run/],
  ["run ls in the terminal", /explicit \/run/],
  ["please run git push --force", /explicit \/run/],
  ["delete it", /don't remember earlier messages/],
  ["open it", /don't remember earlier messages/],
  ["list files", /Which folder/],
  ["read notes", /Which file should I read/],
  ["find files", /What should I look for/],
  ["find something", /What should I look for/],
  ["delete all pdfs in downloads", /one file or folder/],
  ["delete *.log", /one file or folder/],
  ["delete everything in my downloads", /one file or folder/],
  ["delete my entire home folder", /one file or folder/],
  ["delete my documents", /won't move a whole standard folder/],
  ["delete ~", /won't move a whole standard folder/],
  ["delete my account", /Which file is "my account"/],
  ["open my resume", /find resume/],
  ["open javascript:alert(1)", /only open http/],
  ["open file:///etc/passwd", /only open http/],
  ["search the web for cats", /can't search the web/],
  ["google cheap flights", /can't search the web/],
  ["open 1password", /can't be an app name/],
  ["start a timer", /didn't understand/],
  ["open the pdf in downloads", /didn't understand/],
  ["what's on my calendar", /general questions/],
  ["", /what you'd like/],
  ["please", /What should I do/],
  ["x".repeat(1001), /too long/],
  ["/foo bar", /^There is no \/foo command\. Type \/help for the ones you can use\.$/],
  ["/", /Type a command after the \//],
  ["/cat", /Which file\? Give it like this: \/cat <file>/],
  ["/run", /Name the program/],
  ['/run echo "unclosed', /double quote is never closed/],
  ["/open ~/notes.txt", /\/cat ~\/notes.txt reads a file/],
  ["/open ~/projects", /\/ls ~\/projects lists a folder/],
  ["/open spotify", /\/launch spotify/],
  ["/open ftp://example.com", /only open http/],
  ["/trash ~/Downloads/*.log", /one exact path/],
  ["/find", /What should I look for/],
  ["/launch", /config.json/],
  ["/launch 7zip", /config.json/],
];

describe("parseMessage", () => {
  it.each(SLASH)("understands the slash command %j", (text, action, parameters) => {
    expect(actionOf(parseMessage(text))).toEqual({ action, parameters });
  });

  it.each(SENTENCES)("understands %j", (text, action, parameters) => {
    expect(actionOf(parseMessage(text))).toEqual({ action, parameters });
  });

  it.each(DECLINED)("declines %j with a reason that helps", (text, reason) => {
    const intent = parseMessage(text);
    expect(intent.kind).toBe("unknown");
    if (intent.kind === "unknown") expect(intent.reason).toMatch(reason);
  });

  it.each(README_EXAMPLES)("runs the README's example %j as the README says", (text, action, parameters) => {
    expect(actionOf(parseMessage(text))).toEqual({ action, parameters });
  });

  it("answers the README's chained example with I didn't understand", () => {
    expect(parseMessage("list ~/Documents and open github.com")).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/^I didn't understand/) });
  });

  it.each(MISREADS)("does not guess at %j", (text) => {
    expect(parseMessage(text).kind).toBe("unknown");
  });

  it.each(["/help", "help", "Help!", "help me", "what can you do?", "/?", "show me the commands"])("answers %j with help", (text) => {
    expect(parseMessage(text)).toEqual({ kind: "help" });
  });

  it.each([
    "How much time did I spend on YouTube this week?",
    "what did I work on yesterday",
    "which apps did I use most today",
    "when did I last open Figma",
  ])("recognises the activity question %j", (text) => {
    expect(parseMessage(text)).toEqual({ kind: "activity_query", question: text, query: null });
  });

  it("reads the activity questions it has phrasings for (activity/phrasings.test.ts has the rest)", () => {
    const text = "how much did I spend last month";
    expect(parseMessage(text)).toEqual({ kind: "activity_query", question: text, query: { kind: "spending", period: "last_month" } });
  });

  it("writes a short summary for the command card", () => {
    const summary = (text: string) => {
      const intent = parseMessage(text);
      return intent.kind === "command" ? intent.summary : intent.kind;
    };
    expect(summary("list my downloads")).toBe("List ~/Downloads");
    expect(summary("open github.com")).toBe("Open https://github.com in your browser");
    expect(summary("read ~/notes.txt")).toBe("Read ~/notes.txt");
    expect(summary("find taxes.pdf in documents")).toBe('Find files named "taxes.pdf" in ~/Documents');
    expect(summary("/grep invoice")).toBe('Search the agent\'s folders for files containing "invoice"');
    expect(summary("create a file todo.txt that says buy milk")).toBe('Create ~/Documents/todo.txt saying "buy milk"');
    expect(summary("launch spotify")).toBe("Launch spotify");
    expect(summary('/run git commit -m "fix it"')).toBe('Run git commit -m "fix it"');
    expect(summary("delete old.log from downloads")).toBe("Move ~/Downloads/old.log to the trash (not deleted; you can restore it)");
    expect(summary("system info")).toMatch(/OS, disk space, memory and uptime/);
  });

  it("refuses what the connected devices cannot do, and says what they can", () => {
    const capabilities = [
      { target: "filesystem", action: "list" },
      { target: "filesystem", action: "read" },
      { target: "system", action: "info" },
    ];
    expect(actionOf(parseMessage("list my downloads", { home: "~", capabilities }))).toEqual({ action: "filesystem.list", parameters: { path: "~/Downloads" } });
    const web = parseMessage("open github.com", { capabilities });
    expect(web).toEqual({ kind: "unknown", reason: expect.stringMatching(/can open web pages \(browser\.open\)\. They can list folders, read files and report system info\./) });
    expect(parseMessage("/run git status", { capabilities })).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/run programs.*shell\.allow/) });
    expect(parseMessage("list my downloads", { capabilities: [] })).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/npx hearth start/) });
    // Help and declines do not depend on what is connected.
    expect(parseMessage("/help", { capabilities: [] })).toEqual({ kind: "help" });
  });
});

// Sentences built from the words that matter most, so the properties reach the interesting rules often.
const WORDS = [
  "run", "/run", "execute", "rm", "-rf", "~", "/", "please", "open", "launch", "start", "the", "app", "git", "status", "delete",
  "sudo", "terminal", "in", "on", "my", "documents", "downloads", "find", "files", "named", "*.pdf", "notes.txt", "github.com",
  "https://x.org", "what's", "list", "read", "trash", "to", "'", '"', "hey hearth,", "for", "?", "shell", "bash", "-c", "/RUN", "\u00A0",
  "and", "then", "show", "me", "its", "contents", "create", "a file", "todo.txt", "that says", "add", "write", "overwrite", "with", ",",
];
const sentence = fc.array(fc.constantFrom(...WORDS), { maxLength: 12 }).map((words) => words.join(" "));
const anyText = fc.oneof(fc.string(), fc.string({ unit: "binary", maxLength: 300 }), sentence);

describe("parseMessage, for any text", () => {
  it("never throws and always gives one of the four kinds", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const intent = parseMessage(text);
        return ["command", "help", "activity_query", "unknown"].includes(intent.kind);
      }),
      { numRuns: 2000 },
    );
  });

  it("gives the same intent for the same text", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(parseMessage(text)).toEqual(parseMessage(text));
      }),
      { numRuns: 500 },
    );
  });

  it("never makes a shell command unless the message starts with /run", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const intent = parseMessage(text);
        return intent.kind !== "command" || intent.command.target !== "shell" || /^\/run(?:\s|$)/i.test(text.trim());
      }),
      { numRuns: 3000 },
    );
  });

  it("only makes commands the agent's connectors accept", () => {
    const known = ["filesystem.list", "filesystem.read", "filesystem.search", "filesystem.write", "filesystem.trash", "browser.open", "shell.run", "apps.launch", "system.info"];
    fc.assert(
      fc.property(anyText, (text) => {
        const intent = parseMessage(text);
        if (intent.kind !== "command") return true;
        const { target, action, parameters } = intent.command;
        const path = parameters["path"];
        const url = parameters["url"];
        const name = parameters["name"];
        return (
          known.includes(`${target}.${action}`) &&
          intent.summary.length > 0 &&
          (path === undefined || (typeof path === "string" && path.length >= 1 && path.length <= 4096)) &&
          (url === undefined || (typeof url === "string" && /^https?:\/\//i.test(url))) &&
          (target !== "apps" || (typeof name === "string" && /^[a-z][a-z0-9_]{0,39}$/.test(name)))
        );
      }),
      { numRuns: 2000 },
    );
  });
});

// Names a user might give a file or folder: plain words, no spaces, sometimes with an extension.
const segment = fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/);
const fileName = fc.tuple(segment, fc.constantFrom("txt", "md", "pdf", "csv")).map(([name, ext]) => `${name}.${ext}`);
const folderPath = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join("/"));
const pathOf = (intent: ParsedIntent) => (intent.kind === "command" ? intent.command.parameters["path"] : undefined);

describe("parseMessage is conservative", () => {
  it("reads a relative path one way: /ls A/B is the folder B inside what /ls A lists", () => {
    fc.assert(
      fc.property(fc.oneof(folderPath, fc.constantFrom("Documents", "documents", "Downloads", "desktop")), segment, (a, b) => {
        const outer = pathOf(parseMessage(`/ls ${a}`));
        const inner = pathOf(parseMessage(`/ls ${a}/${b}`));
        expect(typeof outer === "string" && outer.startsWith("~/")).toBe(true);
        expect(inner).toBe(`${String(outer)}/${b}`);
      }),
      { numRuns: 500 },
    );
  });

  it("never makes a path that swallows the rest of the sentence (and, then, commas)", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const path = pathOf(parseMessage(text));
        const quoted = /["'`]/.test(text);
        return typeof path !== "string" || quoted || !/\s(?:and|then)\s|,\s/i.test(path);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads "open FILE and show me its contents" as reading FILE, for any file', () => {
    const place = fc.oneof(fileName, fc.tuple(folderPath, fileName).map(([folder, file]) => `~/${folder}/${file}`));
    const ending = fc.constantFrom("and show me its contents", "and read it", "and show me what's in it", "and tell me what it says");
    fc.assert(
      fc.property(place, ending, (file, tail) => {
        const intent = actionOf(parseMessage(`open ${file} ${tail}`));
        expect(intent).toEqual({ action: "filesystem.read", parameters: { path: file.startsWith("~/") ? file : `~/Documents/${file}` } });
      }),
      { numRuns: 300 },
    );
  });

  it("never replaces a file unless the message says overwrite or replace", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const intent = parseMessage(text);
        return intent.kind !== "command" || intent.command.parameters["mode"] !== "overwrite" || /overwrite|replace/i.test(text);
      }),
      { numRuns: 2000 },
    );
  });

  it("writes what the sentence says into the file it names, for any words", () => {
    const words = fc.array(fc.constantFrom("buy", "milk", "call", "Sam", "at", "5pm", "eggs", "bread", "tomorrow"), { minLength: 1, maxLength: 6 }).map((w) => w.join(" "));
    fc.assert(
      fc.property(fileName, words, (file, content) => {
        expect(actionOf(parseMessage(`create a file ${file} that says ${content}`))).toEqual({
          action: "filesystem.write",
          parameters: { path: `~/Documents/${file}`, content: `${content}\n`, mode: "create" },
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe("parseMessage throughput", () => {
  it("parses a few thousand everyday messages in one go", () => {
    const messages = [...SLASH, ...SENTENCES].map(([text]) => text).concat(DECLINED.map(([text]) => text));
    const started = performance.now();
    let commands = 0;
    for (let round = 0; round < 30; round++) {
      for (const text of messages) if (parseMessage(text).kind === "command") commands++;
    }
    const perMessage = (performance.now() - started) / (30 * messages.length);
    // No timing assertion (CI machines vary); the figure is printed to notice regressions by eye.
    console.log(`parseMessage: ${(perMessage * 1000).toFixed(1)} µs per message over ${30 * messages.length} messages`);
    expect(commands).toBe(30 * (SLASH.length + SENTENCES.length));
  });
});
