// The demo account's job search: 25 applications over the last four months, through the usual applicant
// tracking systems, each one row whose status is where it stands now (as the dashboard's pipeline counts them),
// at every stage from the wishlist to ghosted. `jobExtras` adds what the board's details show: each move with its
// date, notes, contacts and the résumé version sent, and interviews (one of them tomorrow).
// The companies are the well-known made-up ones (Contoso, Fabrikam, Northwind…), so no real employer is implied.
// Also a little browser research around the interviews, and a few system rows, for the combined timeline.
import { DAY_MS, dateOf, localDay, stamp } from "./calendar.mjs";
import { seededRandom } from "./random.mjs";

/** @typedef {import("./money.mjs").DemoEvent} DemoEvent */
/** @typedef {import("./random.mjs").Random} Random */

/** Its own random stream, so changing the money leaves the job search as it was. */
const SEED = 0x4ea7_0002;

/** @typedef {"Greenhouse" | "Lever" | "Workday" | "Ashby" | "LinkedIn"} Board */

/**
 * Oldest first. The statuses follow the age: the oldest have an answer, the newest mostly wait.
 * @type {[company: string, slug: string, board: Board, role: string, location: string, status: string][]}
 */
const APPLICATIONS = [
  ["Fabrikam", "fabrikam", "Workday", "Senior Software Engineer, Payments", "San Francisco, CA", "rejected"],
  ["Tailspin Toys", "tailspintoys", "Greenhouse", "Senior Frontend Engineer", "Remote (US)", "withdrawn"],
  ["Wide World Importers", "wideworldimporters", "Workday", "Software Engineer III", "Oakland, CA", "rejected"],
  ["Northwind Traders", "northwind", "Greenhouse", "Staff Frontend Engineer", "San Francisco, CA", "accepted"],
  ["Adventure Works", "adventureworks", "Lever", "Full-Stack Engineer", "Remote (US)", "rejected"],
  ["Relecloud", "relecloud", "Ashby", "Senior Product Engineer", "Remote (US)", "interview"],
  ["Woodgrove Bank", "woodgrove", "Workday", "Senior Software Engineer, Web Platform", "San Francisco, CA", "rejected"],
  ["Proseware", "proseware", "LinkedIn", "Frontend Engineer", "Remote (US)", "withdrawn"],
  ["Litware", "litware", "Lever", "Senior TypeScript Engineer", "Remote (US)", "ghosted"],
  ["Fourth Coffee", "fourthcoffee", "Greenhouse", "Senior Software Engineer, Growth", "Seattle, WA (hybrid)", "interview"],
  ["Contoso Pharmaceuticals", "contosopharma", "Workday", "Lead Frontend Developer", "Remote (US)", "offer"],
  ["Coho Winery", "cohowinery", "LinkedIn", "Web Developer", "Napa, CA", "rejected"],
  ["Trey Research", "treyresearch", "Ashby", "Senior Software Engineer, Developer Tools", "Remote (US)", "interview"],
  ["Alpine Ski House", "alpineskihouse", "Lever", "Full-Stack Engineer, Bookings", "Remote (US)", "assessment"],
  ["Lucerne Publishing", "lucernepublishing", "Greenhouse", "Senior Frontend Engineer, Reader Experience", "New York, NY (remote)", "applied"],
  ["Humongous Insurance", "humongousinsurance", "Workday", "Senior Software Engineer, Claims", "Remote (US)", "interview"],
  ["Blue Yonder Airlines", "blueyonderairlines", "Greenhouse", "Senior Web Engineer", "San Francisco, CA", "assessment"],
  ["VanArsdel", "vanarsdel", "Ashby", "Product Engineer", "Remote (US)", "interview"],
  ["Margie's Travel", "margiestravel", "Lever", "Senior Frontend Engineer", "Remote (US)", "assessment"],
  ["Wingtip Toys", "wingtiptoys", "LinkedIn", "Senior React Developer", "Los Angeles, CA (hybrid)", "applied"],
  ["Graphic Design Institute", "graphicdesigninstitute", "Greenhouse", "Design Engineer", "Remote (US)", "assessment"],
  ["A. Datum Corporation", "adatum", "Ashby", "Senior Software Engineer, Data Platform", "San Francisco, CA", "applied"],
  ["Consolidated Messenger", "consolidatedmessenger", "Lever", "Senior Full-Stack Engineer", "Remote (US)", "applied"],
  ["Southridge Video", "southridgevideo", "Greenhouse", "Senior Frontend Engineer, Player", "Remote (US)", "applied"],
  ["Fabrikam Residences", "fabrikamresidences", "LinkedIn", "Staff Software Engineer", "San Jose, CA", "wishlist"],
];

/**
 * Where each board's postings live, as the browser saw them.
 * @type {Record<Board, (slug: string, random: Random, role: string) => string>}
 */
const POSTING_URL = {
  Greenhouse: (slug, random) => `https://boards.greenhouse.io/${slug}/jobs/${random.digits(7)}`,
  Lever: (slug, random) => `https://jobs.lever.co/${slug}/${uuid(random)}`,
  Workday: (slug, random, role) => `https://${slug}.wd5.myworkdayjobs.com/en-US/External/job/${role.replace(/[^A-Za-z0-9]+/g, "-").replace(/-$/, "")}_R${random.digits(5)}`,
  Ashby: (slug, random) => `https://jobs.ashbyhq.com/${slug}/${uuid(random)}`,
  LinkedIn: (_slug, random) => `https://www.linkedin.com/jobs/view/${random.int(1, 4)}${random.digits(9)}/`,
};

/** @param {Random} random */
function uuid(random) {
  const hex = Array.from({ length: 32 }, () => random.int(0, 15).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

const BROWSERS = ["Chrome", "Chrome", "Chrome", "Firefox", "Safari"];

/** Machine housekeeping, days before today, for the timeline's "system" band. */
const SYSTEM = [
  { daysAgo: 104, application: "macOS", description: "Software update installed: macOS 15.6", details: { kind: "software_update", restart_required: true } },
  { daysAgo: 81, application: "Time Machine", description: "Backup completed to \"Backup Plus\" (3.2 GB)", details: { kind: "backup", bytes: 3_435_973_837 } },
  { daysAgo: 58, application: "macOS", description: "Low disk space: 9.8 GB free on Macintosh HD", details: { kind: "disk_space", free_bytes: 10_522_669_875 } },
  { daysAgo: 44, application: "Time Machine", description: "Backup completed to \"Backup Plus\" (1.1 GB)", details: { kind: "backup", bytes: 1_181_116_006 } },
  { daysAgo: 23, application: "macOS", description: "Software update installed: macOS 15.7", details: { kind: "software_update", restart_required: true } },
  { daysAgo: 6, application: "Time Machine", description: "Backup completed to \"Backup Plus\" (820 MB)", details: { kind: "backup", bytes: 859_832_320 } },
];

/**
 * The job applications, the browser research around them, and the system rows, from day `first` to `last`.
 * @param {{ first: number, last: number }} range
 * @returns {DemoEvent[]}
 */
export function jobEvents({ first, last }) {
  const random = seededRandom(SEED);
  const span = (last - first) / DAY_MS;
  /** @type {DemoEvent[]} */
  const events = [];

  APPLICATIONS.forEach(([company, slug, board, role, location, status], index) => {
    // The search speeds up: applications crowd towards today. The newest is a day or two old.
    const share = 1 - index / APPLICATIONS.length;
    const daysAgo = Math.max(1, Math.round((span - 8) * share ** 1.2) + random.int(-2, 2));
    const day = last - daysAgo * DAY_MS;
    const url = POSTING_URL[board](slug, random, role);
    const remote = location.includes("Remote") || location.includes("remote");
    const applied = stamp(day, random.pick([12, 19, 20, 21, 22]), random.int(0, 59));
    const browser = random.pick(BROWSERS);
    events.push({
      event_id: `demo:job:${slug}:${index + 1}`,
      activity_type: "job",
      timestamp: applied,
      application: browser,
      description: `Applied: ${role} at ${company} (${board})`,
      details: { demo: true, company, role, status, url, board, location },
      tags: ["demo", board.toLowerCase(), ...(remote ? ["remote"] : [])],
    });
    // Those that got a conversation got some homework, a few days after applying.
    if (["interview", "offer"].includes(status)) {
      const research = day + random.int(5, 12) * DAY_MS;
      if (research <= last) {
        events.push({
          event_id: `demo:browser:${slug}:glassdoor`,
          activity_type: "browser",
          timestamp: stamp(research, random.int(19, 22), random.int(0, 59)),
          application: browser,
          description: `Read "${company} interview questions" on Glassdoor`,
          details: { demo: true, url: `https://www.glassdoor.com/Interview/${slug}-interview-questions.htm`, title: `${company} Interview Questions | Glassdoor`, seconds: random.int(120, 900) },
          tags: ["demo", "job-search"],
        });
      }
    }
  });

  // Every other Sunday evening, a look at what the market pays.
  for (let week = 0; week * 7 < span; week += 2) {
    const day = last - (week * 7 + ((new Date(last).getUTCDay() + 7) % 7)) * DAY_MS;
    if (day < first) break;
    events.push({
      event_id: `demo:browser:levels:${dateOf(day)}`,
      activity_type: "browser",
      timestamp: stamp(day, random.int(20, 22), random.int(0, 59)),
      application: "Chrome",
      description: "Compared Senior Software Engineer pay in the San Francisco Bay Area on Levels.fyi",
      details: { demo: true, url: "https://www.levels.fyi/t/software-engineer/levels/senior/locations/san-francisco-bay-area", title: "Senior Software Engineer Salary | Levels.fyi", seconds: random.int(60, 600) },
      tags: ["demo", "job-search"],
    });
  }

  for (const [index, row] of SYSTEM.entries()) {
    const day = last - row.daysAgo * DAY_MS;
    if (day < first) continue;
    events.push({
      event_id: `demo:system:${index + 1}`,
      activity_type: "system",
      timestamp: stamp(day, random.int(1, 4), random.int(0, 59)),
      application: row.application,
      description: row.description,
      details: { demo: true, ...row.details },
      tags: ["demo"],
    });
  }
  return events;
}

/** The stages an application passes on its way to where it stands, in order. */
const PATH = ["wishlist", "applied", "assessment", "interview", "offer", "accepted"];

/**
 * The stages an application went through to reach `status`: the open ones along the path; a closed one
 * (rejected, withdrawn, ghosted) after a step or two.
 * @param {string} status
 * @param {Random} random
 */
function stagesTo(status, random) {
  if (status === "wishlist") return ["wishlist"];
  const at = PATH.indexOf(status);
  if (at >= 0) return PATH.slice(1, at + 1);
  const reached = status === "ghosted" ? 1 : random.int(1, 3);
  return [...PATH.slice(1, reached + 1), status];
}

/** @typedef {{ event_id: string, history: { from: string | null, to: string, at: number }[], notes: string | null, resume: string | null, contacts: { name: string, email?: string, role?: string }[], interviews: { at: number, zone: string, minutes: number, kind: string, location: string }[] }} JobExtras */

const RECRUITERS = ["Priya Raman", "Jordan Lee", "Sam Okafor", "Maria Santos", "Alex Chen", "Noor Haddad"];
const ZONE = "America/Los_Angeles";
/** Office hours in San Francisco (hour, minute) the demo's interviews are spread over, so the calendar isn't all one time. */
/** @type {[number, number][]} */
const SLOTS = [[9, 30], [11, 0], [13, 30], [15, 0], [10, 30], [14, 0], [16, 0], [9, 0]];
/** `day` (a local day from localDay) at hour:minute in the demo's fixed -08:00, as epoch ms. */
const atLocal = (/** @type {number} */ day, /** @type {number} */ hour, /** @type {number} */ minute) => day + (hour + 8) * 3_600_000 + minute * 60_000;
/** The office-hours slot for the n-th interview (the first upcoming one keeps 10:00, as the tests and docs say). */
const slot = (/** @type {number} */ n) => /** @type {[number, number]} */ (SLOTS[n % SLOTS.length] ?? [10, 0]);

/**
 * What the demo's applications hold beyond their row: history, details and interviews. Interviews may lie ahead of
 * `now` (the application is at "interview"): the first of those is tomorrow at 10:00 in San Francisco (-08:00).
 * @param {readonly DemoEvent[]} events the demo events (only the job ones are read)
 * @param {number} now epoch ms
 * @returns {JobExtras[]}
 */
export function jobExtras(events, now) {
  const random = seededRandom(SEED + 1);
  const jobs = events.filter((event) => event.activity_type === "job");
  let upcoming = 0;
  return jobs.map((event, index) => {
    const status = String(event.details.status);
    const company = String(event.details.company);
    const started = Date.parse(event.timestamp);
    const stages = stagesTo(status, random);
    // Moves spread over the time since applying, the last one at least a day ago.
    const end = Math.max(started, now - random.int(1, 6) * DAY_MS);
    const history = stages.map((to, i) => ({ from: i === 0 ? null : stages[i - 1] ?? null, to, at: i === 0 ? started : Math.round(started + ((end - started) * i) / (stages.length - 1 || 1)) }));
    /** @type {JobExtras["interviews"]} */
    const interviews = [];
    if (status === "interview") {
      // Tomorrow at 10:00 in San Francisco (the demo's fixed -08:00) for the first, then three days apart at other
      // office hours there.
      const day = localDay(new Date(now)) + (1 + upcoming * 3) * DAY_MS;
      const [hour, minute] = upcoming === 0 ? /** @type {[number, number]} */ ([10, 0]) : slot(upcoming - 1);
      interviews.push({ at: atLocal(day, hour, minute), zone: ZONE, minutes: 45, kind: upcoming === 0 ? "video" : random.pick(["video", "onsite", "technical"]), location: upcoming === 0 ? `https://meet.example.com/${company.toLowerCase().replace(/[^a-z]+/g, "-")}` : "Onsite, 1 Market St, San Francisco" });
      upcoming += 1;
    }
    // Those past the interview stage had one, soon after they got there.
    const interviewed = history.find((m) => m.to === "interview")?.at;
    if (status !== "interview" && interviewed !== undefined && interviewed + 3 * DAY_MS < now) {
      const [hour, minute] = slot(index + 3);
      interviews.push({ at: atLocal(localDay(new Date(interviewed)) + 2 * DAY_MS, hour, minute), zone: ZONE, minutes: 30, kind: "phone", location: "Phone" });
    }
    const talked = stages.length > 2 || index % 3 === 0;
    const recruiter = RECRUITERS[index % RECRUITERS.length] ?? "Recruiter";
    return {
      event_id: event.event_id,
      history,
      notes: talked ? random.pick(["Referred by a former colleague.", "Asked about the team's on-call rotation.", "Salary range shared on the first call.", "Take-home: build a small booking widget."]) : null,
      resume: status === "wishlist" ? null : random.pick(["2026-07 frontend", "2026-08 full-stack", "2026-09 staff"]),
      contacts: talked ? [{ name: recruiter, email: `${recruiter.split(" ")[0]?.toLowerCase()}@${company.toLowerCase().replace(/[^a-z]+/g, "")}.example`, role: "Recruiter" }] : [],
      interviews,
    };
  });
}
