// The assistant parser's vocabulary: words and sentence shapes, kept apart from the matching logic so that
// adding a phrasing is a one-line change here. Every pattern is anchored and free of nested quantifiers,
// so matching stays linear on the (length-capped) sentence: the parser runs on every user turn.

/** Folder words and the path under the home folder each one names ("" is home itself). */
export const FOLDER_WORDS: ReadonlyMap<string, string> = new Map([
  ["home", ""],
  ["home folder", ""],
  ["home directory", ""],
  ["home dir", ""],
  ["~", ""],
  ["documents", "Documents"],
  ["docs", "Documents"],
  ["document folder", "Documents"],
  ["downloads", "Downloads"],
  ["download folder", "Downloads"],
  ["desktop", "Desktop"],
  ["pictures", "Pictures"],
  ["photos", "Pictures"],
  ["pics", "Pictures"],
  ["music", "Music"],
  ["videos", "Videos"],
  ["movies", "Movies"],
  ["public", "Public"],
]);

/** Top-level domains a bare "name.tld" may end with to count as a web address; file extensions that are also TLDs (md, sh, py, pl, zip, mov, rs) are left out on purpose. */
export const WEB_TLDS: ReadonlySet<string> = new Set(
  ("com net org io dev app ai co uk de fr es it nl se no dk fi ch at be ca au nz jp cn in br ru edu gov info biz me tv us eu " +
    "xyz tech site online blog news gg fm ly cc ie pt gr cz hu ro il kr tw hk sg za mx ar cl is ee lt lv ua tr vn id my ph th " +
    "page wiki store shop cloud design art so to").split(" "),
);

/** File kinds "find pdfs" / "find pdf files" may name; they become a `*.ext` glob. */
export const FILE_TYPES: ReadonlySet<string> = new Set(
  ("pdf doc docx txt md csv xls xlsx ppt pptx jpg jpeg png gif svg webp heic mp3 wav flac mp4 mov mkv avi zip tar gz " +
    "json xml yaml yml html css js ts py rb go rs java log ini toml epub").split(" "),
);

/** Web address shapes: a host with a dot-separated name, a local host (http), and schemes that are refused. */
export const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,24})(?::\d{1,5})?(?:[/?#]\S*)?$/i;
export const LOCAL_HOST = /^(?:localhost|\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?(?:[/?#]\S*)?$/i;
export const OTHER_SCHEME = /^(?:[a-z][a-z0-9+.-]*:\/\/|javascript:|data:|mailto:|file:|vbscript:)/i;

/** Everyday names for apps, mapped to the short config name they are most often given. */
export const APP_ALIASES: ReadonlyMap<string, string> = new Map([
  ["visual_studio_code", "vscode"],
  ["vs_code", "vscode"],
  ["google_chrome", "chrome"],
  ["mozilla_firefox", "firefox"],
  ["the_terminal", "terminal"],
]);

/** Words after "start"/"open" that name an activity or a thing, not an application. */
export const NOT_APPS: ReadonlySet<string> = new Set(
  ("over again it this that them something anything everything stuff timer download upload meeting call new now " +
    "file files folder folders page site website link tab window").split(" "),
);

/** Small words that show a phrase is a description ("the pdf in downloads"), not an app's name. */
export const NOT_A_NAME = /\b(?:in|on|from|for|to|with|at|and|or|of|into|about|your|this|that)\b/i;

/** Objects too vague to act on: the parser asks which file or folder instead of guessing. */
export const VAGUE_OBJECTS: ReadonlySet<string> = new Set(
  ("it that this them those these something anything everything stuff things files file all folder folders " +
    "all files all of them everything else one").split(" "),
);

/** Greetings and polite openings dropped before matching ("hey hearth, could you please …"). */
export const LEADING_FILLER =
  /^(?:(?:hey|hi|hello|ok|okay|yo)(?:[\s,!.:]+hearth)?|hearth|please|pls|plz|kindly|(?:can|could|would|will) (?:you|u)(?: please)?|would you mind|i (?:want|need|would like|'d like|d like)(?: you)? to|i wanna|go ahead and|let'?s|just|quickly|help me|try to|now|also|and then|then)(?:[\s,!.:]+|$)/i;

/** Polite or punctuation endings dropped before matching ("… for me, please?"). */
export const TRAILING_FILLER = /(?:[\s,]+(?:please|pls|plz|thanks|thank you|thx|for me|now|right now|quickly|hearth)|[\s.!?…,;:]+)$/i;

/** "Let me see X" and friends mean "show X". */
export const SEE_OPENING = /^(?:let me see|can i see|could i see|may i see|i (?:want|would like|'d like) to see|i wanna see)\s+/i;

export const HELP_SENTENCE =
  /^(?:help|\?|commands|what can you do|what can you help(?: me)? with|what do you do|how does this work|how do i use (?:this|you|hearth)|what are (?:the|your) commands|(?:show|list)(?: me)?(?: the| your)? commands)$/i;

/** Questions about what the user did: answered from activity data, not by a device command. */
export const ACTIVITY_SENTENCES: readonly RegExp[] = [
  /^how much (?:time |money )?(?:did|have) i (?:spend|spent)\b/i,
  /^how (?:long|much time|many hours) (?:did|have) i (?:spend|spent|been|use|used|work|worked|watch|watched)\b/i,
  /^what (?:did|have) i (?:do|done|work on|worked on|been doing|been working on|read|watch|browse|visit|buy|bought|listen to)\b/i,
  /^what was i (?:doing|working on|reading|watching)\b/i,
  /^(?:which|what) (?:apps|applications|programs|sites|websites|pages) (?:did|have|do) i\b/i,
  /^when did i (?:last )?\w/i,
  /^(?:how much|what) (?:is|was) my screen ?time\b/i,
  /^(?:show|give) me (?:my |a )?(?:activity|screen ?time|summary of my (?:day|week|month|activity))\b/i,
];

/** Questions the system connector answers: OS, hostname, uptime, memory, disk. */
export const SYSTEM_SENTENCES: readonly RegExp[] = [
  /^(?:show |get |give me |tell me |check )?(?:(?:my|the|this) )?(?:system|computer|machine|device|pc|laptop|mac)(?:'s)? ?(?:info|information|details|specs|specifications|stats|status)$/i,
  /^(?:sys|system) ?info(?:rmation)?$/i,
  /^(?:show |get |check |what'?s |what is )?(?:my |the )?(?:free |available )?(?:disk space|disk usage|storage|memory|ram|memory usage|ram usage|uptime|hostname|os version|os)$/i,
  /^how much (?:free |available |empty )?(?:disk space|disk|storage|storage space|space|memory|ram|room)(?: (?:is there|do i have|have i got|does (?:my|this|the) (?:computer|machine|laptop|pc|mac|disk|drive) have))?(?: (?:left|free|available|remaining|used))?(?: on (?:my|this|the) (?:computer|machine|laptop|pc|mac|disk|drive))?$/i,
  /^(?:what|which) (?:os|operating system)(?: (?:am i|is this|is my (?:computer|machine|laptop)|does (?:my|this) (?:computer|machine|laptop) (?:use|run))(?: running| on| using)?)?$/i,
  /^what (?:os|operating system) (?:is|does) (?:this|my) (?:computer|machine|laptop|pc|mac)(?: (?:run|running|use|using|have))?$/i,
  /^how long (?:has|have) (?:my|this|the) (?:computer|machine|laptop|pc|mac|system) been (?:up|on|running)(?: for)?$/i,
  /^(?:what'?s|what is) (?:my|this|the) (?:computer'?s |machine'?s )?(?:hostname|host name|computer name|machine name)$/i,
  /^(?:is my (?:disk|drive|hard drive|ssd) (?:full|almost full|running out of space)|am i running out of (?:disk )?space)$/i,
  /^(?:tell me |show me )?about (?:my|this) (?:computer|machine|system|laptop|pc|mac)$/i,
];

/** A shell command said in words: it never becomes shell.run (only the explicit /run form does). */
export const SHELL_SENTENCE = /^(?:run|execute|exec)\s+(?!.*\b(?:app|application|program)$)\S|\b(?:in|from|on) (?:the |a |my )?(?:terminal|shell|command line|console|bash|zsh|powershell|cmd)$/i;
export const SHELL_LOOKALIKE = /^(?:(?:sudo|rm|rmdir|mv|cp|chmod|chown|mkfs|dd|kill|killall|pkill|shutdown|reboot|git|npm|npx|node|python3?|curl|wget|cd|echo)\s|ls\s+-)/i;

/** Requests to write, explain or create: the assistant has no model to do these yet. */
export const WRITING_SENTENCE = /^(?:write|compose|draft|generate|create|make|translate|summari[sz]e|explain|rewrite|tell me a|sing|edit|rename|copy|move)\b/i;
export const QUESTION_SENTENCE = /^(?:what|who|whom|whose|why|when|where|how|which|is|are|was|were|does|do|did|can|could|will|would|should)\b/i;

/** Words that say a request is about a web page even without an address. */
export const WEB_WORDS = /\b(?:page|site|website|webpage|web page|link|url|homepage|portal|tab|dashboard|inbox)\b/i;


// Sentence shapes, one per kind of request. The captured group is the object the parser reads a place or a query from.
export const TRASH = /^(?:delete|remove|trash|erase|discard|bin|throw (?:away|out)|get rid of|dump)\s+(.+)$/i;
export const TO_TRASH = /^(?:move|put|send|drag|throw)\s+(.+?)\s+(?:to|in|into)\s+(?:the\s+)?(?:trash|bin|rubbish bin|recycle bin|recycling bin|wastebasket|garbage)(?: can)?$/i;
export const PERMANENTLY = /\s+(?:permanently|for good|forever|completely)$/i;
export const WEB_SEARCH = /^(?:google|bing)\s|^search (?:the )?(?:web|internet|online)\b|\s(?:on|with|using) (?:google|bing|duckduckgo|the web|the internet)$/i;
export const SEARCH_IN = /^(?:search|look|check|dig|go)(?:\s+(?:in|inside|through|within))?\s+(.+?)\s+for\s+(.+)$/i;
export const FIND = /^(find|locate|look for|search for|search|hunt for|track down|where(?:'s| is| are)|where did i (?:put|save|leave)|grep(?: for)?)\s+(.+)$/i;
export const HAVE_FILE = /^(?:is there|are there|do i have|have i got)\s+(?:a|an|any|some)\s+(.+)$/i;
export const CONTAINING = /^(?:(?:files?|documents?|docs?|anything|something|notes?)\s+)?(?:(?:that|which)\s+)?(?:contain(?:s|ing)?|mention(?:s|ing)?|say(?:s|ing)?|include(?:s|ing)?|with the (?:word|text|phrase)s?|with text)\s+(.+)$/i;
export const NAMED = /^(?:(?:files?|documents?|docs?|folders?|anything|something)\s+)?(?:named|called|matching|titled|with (?:the )?names?(?: like)?|whose names? (?:is|contains?|includes?|matches|has))\s+(.+)$/i;
export const QUANTIFIERS = /^(?:(?:all|any|every|the|my|a|an|some|of)\s+)+/i;
export const WEB_VERB = /^(open(?: up)?|go ?to|visit|browse to|browse|navigate to|take me to|head(?: over)? to|pull up|load|show(?: me)?|bring up|launch|check out)\s+(.+)$/i;
export const WEB_PREFIX = /^(?:the\s+)?(?:(?:web ?)?(?:site|page|website|url|link|address|homepage)\s+)?/i;
export const WEB_SUFFIX = /\s+(?:(?:in|on|with|using) (?:my |the |a )?(?:new )?(?:default )?(?:browser|tab|window|chrome|firefox|safari|edge)|website|web ?site|site|page|web ?page|homepage)$/i;
export const GO_TO = /^(?:go ?to|visit|browse to|navigate to|take me to|head(?: over)? to)$/i;
export const WHATS_IN = /^(?:(?:show|tell)(?: me)? )?what(?:'s|s| is| are)?(?: all)?(?: the| my)?(?: files| stuff| things)?(?: (?:are|do i have|i have|have i got|is there))? (?:in|inside|on|under|within) (.+)$/i;
export const VIEW = /^(list|ls|dir|browse|show(?: me)?|display|view|open(?: up)?|see|check|look (?:in|inside|at|through)|print|read|cat|pull up|bring up|give me)\s+(.+)$/i;
export const CONTENTS_OF = /^(?:(?:all|every) )?(?:of )?(?:the |my )?(?:(?:list of )?files|contents?|stuff|things|items|everything|entries|text|what'?s|what is)(?: (?:that (?:are|is)|are|is|that i have|i have|saved|stored))? (?:in|inside|on|under|of|within|at|from) /i;
export const LAUNCH = /^(launch|start(?: up)?|open(?: up)?|run|fire up|boot up|load|bring up|pull up)\s+(.+)$/i;
export const APP_SUFFIX = /\s+(?:app|application|program)$/i;
export const DETERMINERS = /^(?:(?:the|my|your|our|this|that)\s+)+/i;
export const FOLDER_SUFFIX = /\s+(?:folder|directory|dir)$/i;
export const FILE_WORD = /^(?:file|document)\s+|\s+(?:file|document)$/i;
export const WHOLESALE = /\b(?:entire|whole|all|every|everything)\b/i;

// Writing a file: "create a file todo.txt that says buy milk", "add eggs to todo.txt", "overwrite a.txt with hi".
// The file part must read as a file (an extension, or the word "file"), or the sentence is not a write at all.
export const WRITE_NEW =
  /^(?:create|make|write|save|start)\s+(?:(?:a|an)\s+)?(?:new\s+)?(?:(?:text|empty|blank)\s+)?(?:(?:file|note|document)\s+)?(?:(?:named|called|titled)\s+)?(.+?)(?:\s+(?:that says|which says|saying|that reads|that contains|containing|with the (?:text|words?|contents?|line)|with (?:text|contents?))\s+(.+))?$/i;
export const WRITE_INTO = /^(write|save|put|add|append)\s+(.+)$/i;
export const OVERWRITE = /^(?:overwrite|replace (?:the (?:contents?|text) of )?)(.+?)\s+with\s+(.+)$/i;
/** Where the content ends and the file begins in "write buy milk to todo.txt"; the last one that names a file wins. */
export const INTO_FILE = /\s(?:to|into|in|onto|as)\s(?:the end of\s)?/gi;
/** Words that say what is written, dropped from the front of the content ("add the line buy eggs to todo.txt"). */
export const CONTENT_LEAD = /^(?:the\s+)?(?:text|line|words?|sentence|note)\s+/i;

/** A request chained to another with "and …": "open a.md and show me its contents" asks for the file's text. */
export const AND_READ =
  /\s+and\s+(?:then\s+)?(?:show|tell|give|read|print|display)\b(?:\s+(?:me|it))?(?:\s+(?:its|the)\s+(?:contents?|text)|\s+what(?:'s| is)?\s+in\s+it|\s+what\s+it\s+says)?$/i;
/** Joins two requests in one message; a place that contains one is not a place (quote a name that really does). */
export const CHAINED = /\s(?:and|then|and then|after that|also)\s|[,;]\s/i;
/** Words that end a path written without quotes and start the rest of a sentence ("~/notes.txt to me"). */
export const PATH_STOP_WORDS = /\s(?:and|then|to|me|for|with|it|its|show|tell|read|open|please|what|so|but)(?=\s|$)/i;

export { SLASH_COMMANDS } from "#protocol";
export type { SlashName, SlashSpec } from "#protocol";

/** What each action does, in words, for reasons that name what the connected devices can do. */
export const ACTION_WORDS: ReadonlyMap<string, string> = new Map([
  ["filesystem.list", "list folders"],
  ["filesystem.stat", "describe files"],
  ["filesystem.read", "read files"],
  ["filesystem.search", "find files"],
  ["filesystem.write", "write files"],
  ["filesystem.trash", "move files to the trash"],
  ["browser.open", "open web pages"],
  ["shell.run", "run programs"],
  ["apps.launch", "start apps"],
  ["system.info", "report system info"],
]);

// Reasons shared by several rules.
export const SHELL_REASON =
  "I only run programs from an explicit /run command, so nothing said in passing runs on your computer. " +
  "Type /run, the program and its arguments, e.g. /run git status (the command must match a pattern in the agent's shell.allow, such as `git status` or `git log *`).";
export const NEEDS_ADDRESS = "I need the page's address to open it (I can't look sites up by name yet), e.g. \"open https://example.com/jobs\".";
export const NO_MEMORY = "I don't remember earlier messages yet, so name the file or folder.";

/** The pointer every "I could not do that" reason ends with: /help lists what the connected devices can do. */
export const CAN_DO = "Type /help to see what I can do.";

/** A sentence that works, per action, for /help: only those the connected devices offer are shown. */
export const SENTENCE_EXAMPLES: ReadonlyMap<string, string> = new Map([
  ["filesystem.list", '"list my Downloads"'],
  ["filesystem.read", '"read ~/Documents/notes.txt"'],
  ["filesystem.search", '"find taxes.pdf", "find pdf files in Downloads"'],
  ["filesystem.write", '"create a file todo.txt that says buy milk", "add eggs to todo.txt"'],
  ["filesystem.trash", '"delete old.log from Downloads"'],
  ["browser.open", '"open github.com"'],
  ["apps.launch", '"launch spotify"'],
  ["system.info", '"how much disk space do I have?"'],
]);
