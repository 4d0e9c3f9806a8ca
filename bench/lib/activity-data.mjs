// Activity events for the activity benchmarks: a deterministic, realistic mix of bank transactions and job
// applications (with some browser and system events), spread over the last year. Event `i` is always the same
// event for the same prefix, so a slice can be sent again to test dedupe, and the loaders can stream a million
// of them without holding them in memory.
//
// Rows are made from events by the worker's own `toRow` (core/src/activities/ingest.ts), so the baseline and
// the direct loads store exactly what Hearth's ingest would.
import { toRow } from "../../core/src/activities/ingest.ts";

const DAY_MS = 86_400_000;

/** The span the events cover, ending at the bench's start: the retention period (365 days). */
export const SPAN_DAYS = 365;

/** A small, fast PRNG (mulberry32), seeded per event so event `i` never depends on the others. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (rnd, list) => list[Math.floor(rnd() * list.length)];

/** [category, [merchant, …], min, max] for money spent (amounts in the account's currency). */
const SPENDING = [
  ["groceries", ["Whole Foods", "Trader Joe's", "Safeway", "Aldi", "Lidl", "Costco"], 8, 180],
  ["dining", ["Starbucks", "Chipotle", "Sweetgreen", "Blue Bottle Coffee", "Pret A Manger", "Joe's Pizza"], 3, 90],
  ["transport", ["Uber", "Lyft", "Shell", "BART", "Chevron", "Transport for London"], 2, 75],
  ["shopping", ["Amazon", "Target", "IKEA", "Best Buy", "Uniqlo", "Etsy"], 5, 400],
  ["utilities", ["PG&E", "Comcast", "Verizon", "Thames Water"], 30, 220],
  ["housing", ["Parkside Apartments"], 1400, 2600],
  ["subscriptions", ["Netflix", "Spotify", "iCloud", "GitHub", "The New York Times"], 2, 25],
  ["health", ["CVS Pharmacy", "Walgreens", "Kaiser Permanente"], 5, 300],
  ["travel", ["United Airlines", "Airbnb", "Marriott", "Eurostar"], 60, 1200],
];
const INCOME = [
  ["salary", ["Globex Corporation payroll"], 3200, 5200],
  ["refund", ["Amazon refund", "United Airlines refund"], 10, 300],
  ["transfer", ["Transfer from savings", "Venmo from Alex"], 20, 900],
];
const BANKS = ["Chase", "American Express", "Monzo", "Bank statement import"];
const CURRENCIES = [["USD", 0.9], ["EUR", 0.97], ["GBP", 1]];

/** Companies, the last few rare (a search for one of them matches few rows). */
const COMPANIES = [
  "Stripe", "Shopify", "Datadog", "Cloudflare", "Figma", "Notion", "Airtable", "Atlassian", "GitLab", "Vercel",
  "Northwind Traders", "Initech", "Hooli", "Pied Piper", "Umbrella Health", "Wayne Enterprises", "Stark Industries",
  "Cyberdyne Systems", "Tyrell", "Aperture Science", "Soylent", "Wonka Industries", "Black Mesa", "Vandelay Industries",
];
const ROLES = ["Software Engineer", "Senior Frontend Engineer", "Staff Engineer", "Data Scientist", "Product Manager", "Site Reliability Engineer", "Engineering Manager"];
const BOARDS = ["LinkedIn", "Greenhouse", "Lever", "Indeed", "Wellfound"];
/** [status, cumulative share]: most applications never get past "applied". */
const STATUSES = [["applied", 0.5], ["assessment", 0.68], ["interview", 0.82], ["offer", 0.85], ["rejected", 0.98], ["withdrawn", 1]];
const SITES = [
  ["docs.python.org", "Python documentation"], ["news.ycombinator.com", "Hacker News"], ["developer.mozilla.org", "MDN Web Docs"],
  ["www.bbc.co.uk", "BBC News"], ["github.com", "GitHub"], ["stackoverflow.com", "Stack Overflow"], ["en.wikipedia.org", "Wikipedia"],
];

/**
 * Event `i` of a stream. About 60% financial, 20% job, 15% browser, 5% system; timestamps spread evenly (and
 * shuffled) over the SPAN_DAYS before `now`.
 */
export function activityEvent(i, { prefix = "bench", now = Date.now(), seed = 1 } = {}) {
  const rnd = random(Math.imul(i + 1, 2654435761) ^ seed);
  const at = new Date(now - Math.floor(rnd() * SPAN_DAYS * DAY_MS)).toISOString();
  const kind = rnd();
  const eventId = `${prefix}-${i}`;
  if (kind < 0.6) {
    const income = rnd() < 0.08;
    const [category, merchants, min, max] = pick(rnd, income ? INCOME : SPENDING);
    const merchant = pick(rnd, merchants);
    const amount = Math.round((min + rnd() * (max - min)) * 100) / 100;
    const c = rnd();
    const currency = CURRENCIES.find(([, share]) => c < share)[0];
    const card = rnd() < 0.7;
    return {
      event_id: eventId,
      activity_type: "financial",
      timestamp: at,
      application: pick(rnd, BANKS),
      description: income ? `${merchant}` : `${card ? "Card payment at" : "Direct debit to"} ${merchant}`,
      details: { amount: income ? amount : -amount, currency, merchant, category, account: `…${1000 + Math.floor(rnd() * 9000)}` },
      tags: [card ? "card" : "bank-transfer", ...(category === "subscriptions" || category === "housing" || category === "utilities" ? ["recurring"] : [])],
    };
  }
  if (kind < 0.8) {
    // Rare companies are rare: the first 10 take most applications.
    const company = COMPANIES[rnd() < 0.85 ? Math.floor(rnd() * 10) : 10 + Math.floor(rnd() ** 2 * (COMPANIES.length - 10))];
    const role = pick(rnd, ROLES);
    const s = rnd();
    const status = STATUSES.find(([, share]) => s < share)[0];
    return {
      event_id: eventId,
      activity_type: "job",
      timestamp: at,
      application: pick(rnd, BOARDS),
      description: `Applied: ${role} at ${company}`,
      details: { company, role, status, url: `https://jobs.example.com/${company.toLowerCase().replace(/\W+/g, "-")}/${i}` },
      tags: rnd() < 0.4 ? ["remote"] : [],
    };
  }
  if (kind < 0.95) {
    const [host, title] = pick(rnd, SITES);
    return {
      event_id: eventId,
      activity_type: "browser",
      timestamp: at,
      application: rnd() < 0.6 ? "Firefox" : "Chrome",
      description: `Visited ${title}`,
      details: { url: `https://${host}/${Math.floor(rnd() * 5000)}`, title, seconds: Math.floor(rnd() * 900) },
    };
  }
  return {
    event_id: eventId,
    activity_type: "system",
    timestamp: at,
    application: "hearth-agent",
    description: pick(rnd, ["Backup finished", "Disk space low on /home", "Software update installed", "Laptop woke from sleep"]),
    details: { host: "bench-laptop" },
    tags: ["system"],
  };
}

/** Events `from` … `to - 1` of a stream. */
export function activityEvents(from, to, options) {
  const events = [];
  for (let i = from; i < to; i++) events.push(activityEvent(i, options));
  return events;
}

/** The columns of `activities` in the order INSERT_SQL takes them. */
export const COLUMNS = [
  "id", "user_id", "event_id", "device_id", "source", "activity_type", "timestamp", "occurred_at", "application", "description",
  "details", "tags", "amount_minor", "currency", "merchant", "category", "company", "role", "job_status", "url", "created_at", "updated_at",
];

/** The insert core/src/activities/ingest.ts runs for each row (there through drizzle): the same columns and conflict rule. */
export const INSERT_SQL = `INSERT INTO activities (${COLUMNS.join(", ")})
           VALUES (${COLUMNS.map(() => "?").join(", ")})
           ON CONFLICT (user_id, event_id) DO NOTHING RETURNING id`;

/** An event as the values of INSERT_SQL, made by the worker's own `toRow`; throws if the worker would refuse it. */
export function rowValues(event, { userId, deviceId = null, source = "agent", now = Date.now() }) {
  const r = toRow(event);
  if ("reason" in r) throw new Error(`bench event ${event.event_id} would be refused: ${r.reason}`);
  return [r.id, userId, r.eventId, deviceId, source, r.activityType, r.timestamp, r.occurredAt, r.application, r.description,
    r.details, r.tags, r.amountMinor, r.currency, r.merchant, r.category, r.company, r.role, r.jobStatus, r.url, now, now];
}
