import type { JobStatus } from "#protocol";
import { ACTIVITY_LIMITS, type ActivityAsk } from "./ask.ts";
import { MONTHS, type Period } from "./period.ts";

// The deterministic phrasings of activity questions: "how much did I spend on groceries last month", "my biggest
// purchases this week", "which jobs did I apply to in October", "show my Amazon orders" and close variants.
// What must stay true: pure and linear like the rest of the parser (anchored patterns, no nested quantifiers),
// and narrow — a sentence is only taken when it clearly asks about money or job applications, so the file,
// web and app phrasings keep theirs ("find my resume", "show my downloads", "list my orders folder").

const NUMBER_WORDS: ReadonlyMap<string, number> = new Map([
  ["a", 1], ["one", 1], ["two", 2], ["three", 3], ["four", 4], ["five", 5], ["six", 6], ["seven", 7], ["eight", 8], ["nine", 9],
  ["ten", 10], ["twelve", 12], ["fifteen", 15], ["twenty", 20], ["thirty", 30], ["sixty", 60], ["ninety", 90],
]);
const NUMBER = "\\d{1,3}|a|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|sixty|ninety";
const MONTH_WORDS = "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec";
const IN = "(?:in|during|for|over|from|of|within|throughout)";

/** Time phrases, tried in order anywhere in the sentence (with the preposition before them), each with the period it names. */
const PERIODS: readonly [RegExp, (match: RegExpExecArray) => Period | null][] = [
  [new RegExp(`(?:^|\\s)(?:${IN}\\s+)?(?:the\\s+)?(?:last|past|previous)\\s+(${NUMBER})\\s+(days?|weeks?|months?)(?=\\s|$)`, "i"), lastN],
  [new RegExp(`(?:^|\\s)(?:${IN}\\s+)?the\\s+past\\s+(day|week|month|year)(?=\\s|$)`, "i"), (m) => PAST.get((m[1] ?? "").toLowerCase()) ?? null],
  [/(?:^|\s)(?:so\s+far\s+)?(?:(?:in|during|for|over|from|of|within)\s+)?(?:this|the\s+current)\s+(week|month|year)(?:\s+so\s+far)?(?=\s|$)/i, (m) => `this_${unit(m[1])}`],
  [/(?:^|\s)(?:(?:in|during|for|over|from|of|within)\s+)?(?:the\s+)?(?:last|previous|past)\s+(week|month|year)(?=\s|$)/i, (m) => `last_${unit(m[1])}`],
  [/(?:^|\s)(?:so\s+far\s+)?today(?:\s+so\s+far)?(?=\s|$)/i, () => "today"],
  [/(?:^|\s)yesterday(?=\s|$)/i, () => "yesterday"],
  [/(?:^|\s)(?:year\s+to\s+date|ytd)(?=\s|$)/i, () => "this_year"],
  // A month needs a preposition or this/last before it: "may" and "march" are also everyday words.
  [new RegExp(`(?:^|\\s)(?:${IN}\\s+(?:(?:last|this)\\s+)?|(?:last|this)\\s+)(${MONTH_WORDS})(?:\\s+(\\d{4}))?(?=\\s|$)`, "i"), month],
  [new RegExp(`(?:^|\\s)${IN}\\s+(\\d{4})(?=\\s|$)`, "i"), (m) => m[1] ?? null],
  [/(?:^|\s)(?:of\s+all\s+time|all\s+time|ever|in\s+total|altogether|overall|so\s+far)(?=\s|$)/i, () => "all_time"],
];
const PAST: ReadonlyMap<string, Period> = new Map([["day", "last_1_days"], ["week", "last_7_days"], ["month", "last_30_days"], ["year", "last_12_months"]]);

// Sentence shapes, once the time phrase is out. Captured groups are read by name.
const VERB = "(?:(?:show|list|give|get|see|display|tell)(?:\\s+me)?|what(?:'s|\\s+(?:are|were|was|is))|which\\s+(?:are|were|was|is))";
const DET = "(?:all\\s+)?(?:of\\s+)?(?:my\\s+|the\\s+)?";
/** An optional "show me all my". */
const SHOW = `(?:${VERB}\\s+)?${DET}`;
/** "show me the" or at least "my": without either, "open applications" or "read orders" is no question about activity. */
const MINE = `(?:${VERB}\\s+${DET}|(?:all\\s+)?(?:of\\s+)?my\\s+)`;
const SPENT = /^(?:how\s+much|what)(?:\s+money)?\s+(?:did|have|do|had)\s+i(?:\s+ever)?\s+(?:spend|spent|pay|paid)(?:\s+(?:on|at|for|with|to|in)\s+(?<about>.+))?$/i;
const SPENDING =
  /^(?:what(?:'s|\s+is|\s+was|\s+were)\s+|how\s+much\s+(?:is|was)\s+|show(?:\s+me)?\s+|give\s+me\s+|tell\s+me\s+)?(?:my\s+|the\s+)?(?:total\s+)?(?:spending|expenses|expenditure|outgoings)(?:\s+(?:on|at|for|with)\s+(?<about>.+))?$/i;
const BIGGEST = new RegExp(
  `^${SHOW}(?:top\\s+)?(?:(?<count>${NUMBER})\\s+)?(?:biggest|largest|most\\s+expensive|highest|priciest|costliest|top)(?:\\s+(?<after>${NUMBER}))?\\s+` +
    "(?<noun>purchases?|expenses?|spends?|transactions?|payments?|buys?|orders?|charges?|bills?)(?:\\s+(?:at|from|on|with)\\s+(?<about>.+))?$",
  "i",
);
const MONEY_LIST = new RegExp(
  `^${MINE}(?:recent\\s+|latest\\s+|last\\s+)?(?:(?<count>${NUMBER})\\s+)?(?:(?<before>[^/~\\\\]{1,40}?)\\s+)?(?<noun>orders|purchases|payments|charges|subscriptions|transactions)(?:\\s+(?:at|from|on|with|to)\\s+(?<about>.+))?$`,
  "i",
);
const BOUGHT = /^what\s+(?:did|have)\s+i\s+(?:buy|bought|order|ordered|purchase|purchased)(?:\s+(?:at|from|on)\s+(?<about>.+))?$/i;
const APPLIED = new RegExp(
  "^(?:which|what|how\\s+many)(?:\\s+(?:jobs?|companies|positions|roles|places|openings|(?:job\\s+)?applications))?(?:\\s+(?:did|have|do))?\\s+i(?:'ve)?(?:\\s+ever)?\\s+" +
    "(?:apply|applied)(?:\\s+(?:to|for|at|with)(?:\\s+(?:jobs?|positions|roles))?)?(?:\\s+(?:at|to|with)\\s+(?<about>.+))?$",
  "i",
);
const APPLICATIONS_SENT = /^(?:how\s+many|which|what)\s+(?:job\s+)?applications\s+(?:did|have)\s+i\s+(?:send|sent|submit|submitted|make|made)$/i;
const JOBS_I_APPLIED = new RegExp(`^${SHOW}(?:jobs?|positions|roles|companies|places)(?:\\s+that)?\\s+i(?:'ve|\\s+have)?\\s+(?:applied|apply)\\s+(?:to|for|at)$`, "i");
const APPLICATIONS = new RegExp(
  `^(?<lead>how\\s+many\\s+|${MINE})?(?:(?<status>rejected|interview|interviewing|offer|assessment|screening|withdrawn|ghosted|accepted|wishlist|pending|active)\\s+)?` +
    "(?<job>job\\s+)?(?<noun>applications|job\\s+apps|interviews|offers|rejections)(?:\\s+(?:at|to|with|for)\\s+(?<about>.+))?$",
  "i",
);
/** "what subscriptions do I have", "show my subscriptions and bills", "list my recurring payments". */
const SUBSCRIPTIONS = new RegExp(
  "^(?:(?:what|which)\\s+(?:are\\s+)?(?:my\\s+)?(?:subscriptions|recurring\\s+(?:payments|bills|charges)|regular\\s+payments)(?:\\s+and\\s+bills)?(?:\\s+(?:do|have)\\s+i(?:\\s+(?:got|have|pay(?:\\s+for)?))?)?" +
    `|${MINE}(?:subscriptions|recurring\\s+(?:payments|bills|charges)|regular\\s+payments)(?:\\s+and\\s+bills)?` +
    "|(?:what|which)\\s+(?:am\\s+i|do\\s+i)\\s+(?:subscribed\\s+to|paying\\s+for\\s+every\\s+month))$",
  "i",
);
/** "did my salary come (this month)", "has my paycheck arrived", "did I get paid", "have I been paid". */
const SALARY = /^(?:(?:did|has|have|is)\s+(?:my\s+|the\s+)?(?:salary|pay\s*(?:check|cheque)|paycheck|wages?|pay|income)\s+(?:come|came|come\s+in|arrived?|landed|land|been\s+paid|gone\s+in|in)|(?:did|have)\s+i\s+(?:get|got|been)\s+paid|(?:was|were)\s+i\s+paid|(?:did|has)\s+(?:my\s+)?(?:employer|work)\s+paid?\s+me)(?:\s+yet)?$/i;
/** "why is this month higher" (the period taken out), "why is my spending so high", "why did I spend more". */
const WHY_HIGHER =
  /^why\s+(?:(?:is|was|are|were)\s+(?:my\s+|the\s+)?(?:spending|expenses|outgoings|costs|it|everything)?\s*(?:so\s+)?(?:higher|high|up|bigger|more)|did\s+i\s+spend\s+(?:so\s+)?(?:much\s+)?more|did\s+(?:my\s+)?(?:spending|expenses)\s+go\s+up|am\s+i\s+spending\s+more)(?:\s+than\s+(?:usual|normal|before|average))?$/i;

const SEARCH = [
  /^(?:search|look\s+through|look\s+in|check|go\s+through)\s+(?:my\s+|the\s+)?(?<where>activity|activities|history|transactions|records)\s+for\s+(?<about>.+)$/i,
  /^(?:find|show(?:\s+me)?|list)\s+(?<about>.+?)\s+in\s+(?:my\s+|the\s+)?(?<where>activity|activities|transactions)$/i,
  /^(?:show(?:\s+me)?|list|find)\s+(?:my\s+|the\s+)?(?<where>activity|activities|transactions)\s+(?:about|for|from|with|matching|mentioning|at)\s+(?<about>.+)$/i,
];

const STATUS_WORDS: ReadonlyMap<string, JobStatus> = new Map([
  ["rejected", "rejected"], ["rejections", "rejected"], ["interview", "interview"], ["interviewing", "interview"], ["interviews", "interview"],
  ["offer", "offer"], ["offers", "offer"], ["assessment", "assessment"], ["screening", "assessment"], ["withdrawn", "withdrawn"], ["ghosted", "ghosted"], ["accepted", "accepted"], ["wishlist", "wishlist"], ["pending", "applied"], ["active", "applied"],
]);
/** Every shape below has one of these words; a sentence without any is not an activity question. */
const ABOUT_ACTIVITY =
  /\b(?:spend|spent|spending|pay|paid|salary|paycheck|paycheque|wages?|income|recurring|subscribed|higher|purchases?|expenses?|expenditure|outgoings|spends|buys?|bought|orders?|ordered|purchased|payments?|charges?|bills?|subscriptions|transactions?|jobs?|apply|applied|applications|apps|interviews|offers|rejections|activity|activities|history|records)\b/i;
/** Words around a topic that add nothing to it: "my grocery shopping", "the Amazon stuff". */
const TOPIC_NOISE = /^(?:the|my|all|some|any)\s+|\s+(?:shopping|stuff|things|items|purchases|orders|bills)$/i;
/** A topic that names a file or folder is not about money ("list my orders folder", "show my payments.csv"). */
const NOT_A_TOPIC = /[/~\\]|\.[a-z0-9]{1,5}$|\b(?:folder|directory|file|files|documents?|downloads?|desktop)\b/i;

/**
 * The structured question a tidied sentence asks about the user's activity, or null when it asks none of the shapes above.
 * @example parseActivityQuestion("how much did I spend on groceries last month") // { kind: "spending", about: "groceries", period: "last_month" }
 */
export function parseActivityQuestion(sentence: string): ActivityAsk | null {
  if (!ABOUT_ACTIVITY.test(sentence)) return null; // most messages are not: one cheap test instead of every shape
  const { rest, period } = takePeriod(sentence);
  const when = period ? { period } : {};
  if (SUBSCRIPTIONS.test(rest)) return { kind: "subscriptions" };
  if (SALARY.test(rest)) return { kind: "salary", ...when };
  if (WHY_HIGHER.test(rest)) return { kind: "why_higher", ...when };
  const spent = SPENT.exec(rest) ?? SPENDING.exec(rest);
  if (spent) return withTopic({ kind: "spending", ...when }, spent.groups?.about);
  const biggest = BIGGEST.exec(rest);
  if (biggest) {
    const count = toNumber(biggest.groups?.count ?? biggest.groups?.after);
    const singular = !/s$/i.test(biggest.groups?.noun ?? "s");
    const limit = count ?? (singular ? 1 : undefined);
    return withTopic({ kind: "purchases", order: "amount", ...when, ...(limit ? { limit: Math.min(limit, ACTIVITY_LIMITS.maxRows) } : {}) }, biggest.groups?.about);
  }
  const bought = BOUGHT.exec(rest);
  if (bought) return withTopic({ kind: "purchases", order: "recent", ...when }, bought.groups?.about);
  const list = MONEY_LIST.exec(rest);
  if (list) {
    const topic = [list.groups?.before, list.groups?.about].filter((part) => part !== undefined).join(" ");
    const count = toNumber(list.groups?.count);
    const limit = count ? { limit: Math.min(count, ACTIVITY_LIMITS.maxRows) } : {};
    if (/^transactions$/i.test(list.groups?.noun ?? "")) return withTopic({ kind: "search", type: "financial", ...when, ...limit }, topic);
    return withTopic({ kind: "purchases", order: "recent", ...when, ...limit }, topic);
  }
  const applied = APPLIED.exec(rest) ?? JOBS_I_APPLIED.exec(rest) ?? APPLICATIONS_SENT.exec(rest);
  if (applied) return withTopic({ kind: "applications", ...when }, applied.groups?.about);
  const applications = APPLICATIONS.exec(rest);
  // "applications" alone may be the apps folder; "my applications", "job applications" or "rejected applications" are not.
  if (applications?.groups && (applications.groups.lead ?? applications.groups.status ?? applications.groups.job) !== undefined) {
    const word = (applications.groups?.status ?? applications.groups?.noun ?? "").toLowerCase();
    const status = STATUS_WORDS.get(word);
    return withTopic({ kind: "applications", ...when, ...(status ? { status } : {}) }, applications.groups?.about);
  }
  for (const pattern of SEARCH) {
    const found = pattern.exec(rest);
    if (!found) continue;
    const money = /^transactions$/i.test(found.groups?.where ?? "");
    return withTopic({ kind: "search", ...when, ...(money ? { type: "financial" } : {}) }, found.groups?.about);
  }
  return null;
}

/** The sentence without its first time phrase, and the period that phrase names. */
function takePeriod(sentence: string): { rest: string; period: Period | null } {
  for (const [pattern, read] of PERIODS) {
    const match = pattern.exec(sentence);
    if (!match) continue;
    const period = read(match);
    if (!period) continue;
    const rest = `${sentence.slice(0, match.index)} ${sentence.slice(match.index + match[0].length)}`.replace(/\s+/g, " ").replace(/[\s,]+$/, "").trim();
    return { rest, period };
  }
  return { rest: sentence, period: null };
}

/** Adds the topic, or gives null when the topic is no topic (a file, a folder, a sentence); no topic at all is fine. */
function withTopic(ask: ActivityAsk, topic: string | undefined): ActivityAsk | null {
  if (topic === undefined || !topic.trim()) return ask;
  let about = topic.trim().replace(/^["'](.*)["']$/, "$1");
  for (let previous = ""; previous !== about; ) [previous, about] = [about, about.replace(TOPIC_NOISE, "").trim()];
  if (!about || NOT_A_TOPIC.test(about) || about.split(" ").length > 5 || about.length > ACTIVITY_LIMITS.aboutChars) return null;
  return { ...ask, about };
}

function lastN(match: RegExpExecArray): Period | null {
  const n = toNumber(match[1]);
  if (!n) return null;
  return `last_${n}_${unit(match[2])}s`;
}

function month(match: RegExpExecArray): Period | null {
  const word = (match[1] ?? "").toLowerCase();
  const index = MONTHS.findIndex((name) => name.startsWith(word.slice(0, 3)));
  const name = MONTHS[index];
  if (!name) return null;
  const year = match[2];
  return year ? `${year}-${String(index + 1).padStart(2, "0")}` : name;
}

const unit = (word: string | undefined): "day" | "week" | "month" | "year" => {
  const base = (word ?? "").toLowerCase().replace(/s$/, "");
  return base === "day" || base === "week" || base === "year" ? base : "month";
};
const toNumber = (word: string | undefined): number | undefined => {
  if (word === undefined) return undefined;
  const n = /^\d+$/.test(word) ? Number(word) : NUMBER_WORDS.get(word.toLowerCase());
  return n !== undefined && n > 0 ? n : undefined;
};
