/**
 * Recognises the pages of applicant-tracking systems (ATS) that mean "I applied": the page shown after an
 * application is sent, or the application form itself where the ATS shows the form on a page of its own (and
 * its thank-you message in place, so the form is the last trace a visit leaves). A job's description page is
 * never enough. Everything here is pure: a URL and a page title in, a match or null out.
 */

/** What a visit says about an application. */
export type AtsMatch = {
  /** The ATS, as people call it: "Greenhouse", "Lever", "Workday" … */
  ats: string;
  /** "confirmation": the page after sending. "application_form": the ATS's own application page. */
  evidence: "confirmation" | "application_form";
  /** The job within the ATS, so the form and the thank-you page of one application are one event. */
  jobKey: string;
  company?: string;
  role?: string;
};

/** Job details are stored in columns of at most 200 characters (protocol JobDetails). */
const MAX_TEXT = 200;
/** A path segment that only a page shown after sending has. */
const CONFIRMATION_SEGMENT = /^(thanks|thank-?you|thank_you|thankyou|confirmation|confirm|success|submitted|application-submitted|post-apply)$/i;
/** Titles that name no job: a confirmation page's heading, or the site's name. */
const EMPTY_TITLE = /^(thank(s| you)\b.*|application (submitted|sent|received).*|.*\bconfirmation\b.*|careers?|jobs?|apply|application|linkedin|workday|sign in.*)$/i;

type Parts = { url: URL; segments: string[]; title: string };
type Rule = { ats: string; host: RegExp; match: (parts: Parts, host: RegExpExecArray) => Omit<AtsMatch, "ats"> | null };

/** Which way an ATS's own path ends: after sending, on the form, or neither. */
function stageOf(rest: readonly string[], formSegments: readonly string[]): AtsMatch["evidence"] | null {
  if (rest.some((segment) => CONFIRMATION_SEGMENT.test(segment))) return "confirmation";
  if (rest.some((segment) => formSegments.includes(segment.toLowerCase()))) return "application_form";
  return null;
}

const RULES: readonly Rule[] = [
  {
    // boards.greenhouse.io/<company>/jobs/<id> holds the form on the job's own page, so only …/confirmation counts.
    ats: "Greenhouse",
    host: /^(?:job-boards|boards)(?:\.eu)?\.greenhouse\.io$/,
    match: ({ url, segments, title }) => {
      const confirmed = segments.some((s) => CONFIRMATION_SEGMENT.test(s)) || /^thank(s| you) for applying/i.test(title);
      if (!confirmed) return null;
      const [company, jobs, id] = segments;
      const embedded = company === "embed" ? { company: url.searchParams.get("for") ?? "", id: url.searchParams.get("token") ?? "" } : null;
      const slug = embedded ? embedded.company : jobs === "jobs" ? (company ?? "") : "";
      const jobId = embedded ? embedded.id : jobs === "jobs" ? (id ?? "") : "";
      if (!slug) return null;
      const named = fromTitle(title);
      return { evidence: "confirmation", jobKey: `greenhouse:${slug}:${jobId}`, ...withCompany(named, slug) };
    },
  },
  {
    // jobs.lever.co/<company>/<posting uuid>/apply is the form; /thanks follows a sent one.
    ats: "Lever",
    host: /^jobs\.(?:eu\.)?lever\.co$/,
    match: ({ segments, title }) => {
      const [slug, posting, ...rest] = segments;
      const evidence = stageOf(rest, ["apply"]);
      if (!slug || !posting || !evidence) return null;
      // Lever titles are "<Company> - <Role>".
      const dash = /^(.+?) - (.+)$/.exec(title);
      const named = dash && !EMPTY_TITLE.test(title) ? { company: dash[1], role: dash[2] } : {};
      return { evidence, jobKey: `lever:${slug}:${posting}`, ...withCompany(named, slug) };
    },
  },
  {
    // <tenant>.wd<N>.myworkdayjobs.com/[<locale>/]<site>/job/[<location>/]<Role-Slug>_<req id>/apply[/applyManually …]
    ats: "Workday",
    host: /^([a-z0-9-]+)\.wd\d+\.myworkday(?:jobs|site)\.com$/,
    match: ({ segments, title }, host) => {
      const apply = segments.findIndex((s) => s.toLowerCase() === "apply");
      const job = segments.indexOf("job");
      if (apply < 0 || job < 0 || apply < job + 2) return null;
      const posting = segments[apply - 1] ?? "";
      const cut = posting.lastIndexOf("_");
      const role = cut > 0 ? prettify(posting.slice(0, cut)) : undefined;
      const tenant = host[1] ?? "";
      const named = fromTitle(title);
      return {
        evidence: stageOf(segments.slice(apply + 1), []) ?? "application_form",
        jobKey: `workday:${tenant}:${cut > 0 ? posting.slice(cut + 1) : posting}`,
        ...withCompany({ ...named, ...(role ? { role } : {}) }, tenant),
      };
    },
  },
  {
    // jobs.ashbyhq.com/<company>/<posting uuid>/application: Ashby says "thank you" in place.
    ats: "Ashby",
    host: /^jobs\.ashbyhq\.com$/,
    match: ({ segments, title }) => {
      const [slug, posting, ...rest] = segments;
      const evidence = stageOf(rest, ["application"]);
      if (!slug || !posting || !evidence) return null;
      return { evidence, jobKey: `ashby:${slug}:${posting}`, ...withCompany(fromTitle(title), slug) };
    },
  },
  {
    // Easy Apply is a dialog over linkedin.com/jobs/view/<id>: only a post-apply page or a title that says the
    // application was sent counts, never the job itself.
    ats: "LinkedIn",
    host: /^(?:[a-z]{2,3}\.|www\.)?linkedin\.com$/,
    match: ({ segments, title }) => {
      if (segments[0] !== "jobs") return null;
      const view = segments[1] === "view" ? segments[2] : undefined;
      const sent = segments.includes("post-apply") || /\b(application (was )?(submitted|sent)|you applied)\b/i.test(title);
      if (!view || !/^\d+$/.test(view) || !sent) return null;
      return { evidence: "confirmation", jobKey: `linkedin:${view}`, ...fromLinkedInTitle(title) };
    },
  },
  {
    // jobs.smartrecruiters.com/oneclick-ui/company/<Company>/publication/<uuid> is the form.
    ats: "SmartRecruiters",
    host: /^(?:jobs|careers)\.smartrecruiters\.com$/,
    match: ({ segments, title }) => {
      const company = segments.indexOf("company");
      const publication = segments.indexOf("publication");
      if (segments[0] !== "oneclick-ui" || company < 0 || publication < 0) return null;
      const slug = segments[company + 1] ?? "";
      const posting = segments[publication + 1] ?? "";
      if (!slug || !posting) return null;
      const evidence = stageOf(segments.slice(publication + 2), []) ?? "application_form";
      return { evidence, jobKey: `smartrecruiters:${slug}:${posting}`, ...withCompany(fromTitle(title), slug) };
    },
  },
  {
    // careers-<company>.icims.com/jobs/<id>/<role-slug>/candidate is the application flow (…/job is the view).
    ats: "iCIMS",
    host: /^(?:(?:[a-z]*careers|jobs|external|internal)-)?([a-z0-9-]+)\.icims\.com$/,
    match: ({ segments, title }, host) => {
      const [jobs, id, ...rest] = segments;
      if (jobs !== "jobs" || !id || !/^\d+$/.test(id)) return null;
      const evidence = stageOf(rest, ["candidate"]);
      if (!evidence) return null;
      const slug = rest[0] && rest[0] !== "candidate" && !CONFIRMATION_SEGMENT.test(rest[0]) ? prettify(rest[0]) : undefined;
      const tenant = host[1] ?? "";
      return { evidence, jobKey: `icims:${tenant}:${id}`, ...withCompany({ ...fromTitle(title), ...(slug ? { role: slug } : {}) }, tenant) };
    },
  },
  {
    // apply.workable.com/<company>/j/<shortcode>/apply
    ats: "Workable",
    host: /^apply\.workable\.com$/,
    match: ({ segments, title }) => {
      const [slug, j, code, ...rest] = segments;
      const evidence = stageOf(rest, ["apply"]);
      if (!slug || j !== "j" || !code || !evidence) return null;
      return { evidence, jobKey: `workable:${slug}:${code}`, ...withCompany(fromTitle(title), slug) };
    },
  },
  {
    // jobs.jobvite.com/<company>/job/<id>/apply
    ats: "Jobvite",
    host: /^jobs\.jobvite\.com$/,
    match: ({ segments, title }) => {
      const [slug, job, id, ...rest] = segments;
      const evidence = stageOf(rest, ["apply"]);
      if (!slug || job !== "job" || !id || !evidence) return null;
      return { evidence, jobKey: `jobvite:${slug}:${id}`, ...withCompany(fromTitle(title), slug) };
    },
  },
  {
    // <company>.recruitee.com/o/<role-slug>/c/new is the form.
    ats: "Recruitee",
    host: /^([a-z0-9-]+)\.recruitee\.com$/,
    match: ({ segments, title }, host) => {
      const [o, posting, ...rest] = segments;
      if (o !== "o" || !posting) return null;
      const evidence = stageOf(rest, []) ?? (rest[0] === "c" && rest[1] === "new" ? "application_form" : null);
      if (!evidence) return null;
      const tenant = host[1] ?? "";
      return { evidence, jobKey: `recruitee:${tenant}:${posting}`, ...withCompany({ role: prettify(posting), ...fromTitle(title) }, tenant) };
    },
  },
  {
    // <company>.breezy.hr/p/<id>-<role-slug>/apply
    ats: "Breezy HR",
    host: /^([a-z0-9-]+)\.breezy\.hr$/,
    match: ({ segments, title }, host) => {
      const [p, posting, ...rest] = segments;
      const evidence = stageOf(rest, ["apply"]);
      if (p !== "p" || !posting || !evidence) return null;
      const tenant = host[1] ?? "";
      const role = prettify(posting.replace(/^[0-9a-f]{8,}-/i, ""));
      return { evidence, jobKey: `breezy:${tenant}:${posting}`, ...withCompany({ role, ...fromTitle(title) }, tenant) };
    },
  },
  {
    // <company>.teamtailor.com/jobs/<id>-<role-slug>/applications/new
    ats: "Teamtailor",
    host: /^([a-z0-9-]+)\.teamtailor\.com$/,
    match: ({ segments, title }, host) => {
      const [jobs, posting, ...rest] = segments;
      if (jobs !== "jobs" || !posting) return null;
      const evidence = stageOf(rest, []) ?? (rest[0] === "applications" ? "application_form" : null);
      if (!evidence) return null;
      const tenant = host[1] ?? "";
      const role = prettify(posting.replace(/^\d+-/, ""));
      return { evidence, jobKey: `teamtailor:${tenant}:${posting}`, ...withCompany({ role, ...fromTitle(title) }, tenant) };
    },
  },
  {
    // ats.rippling.com/<company>/jobs/<uuid>/apply
    ats: "Rippling",
    host: /^ats\.rippling\.com$/,
    match: ({ segments, title }) => {
      const [slug, jobs, posting, ...rest] = segments;
      const evidence = stageOf(rest, ["apply"]);
      if (!slug || jobs !== "jobs" || !posting || !evidence) return null;
      return { evidence, jobKey: `rippling:${slug}:${posting}`, ...withCompany(fromTitle(title), slug) };
    },
  },
  {
    // <tenant>.taleo.net/careersection/<section>/jobapply.ftl?job=<id>
    ats: "Taleo",
    host: /^([a-z0-9-]+)\.taleo\.net$/,
    match: ({ url, segments, title }, host) => {
      const page = segments.at(-1)?.toLowerCase();
      if (segments[0] !== "careersection" || (page !== "jobapply.ftl" && page !== "jobapplyconfirmation.ftl")) return null;
      const tenant = host[1] ?? "";
      const evidence = page === "jobapply.ftl" ? "application_form" : "confirmation";
      return { evidence, jobKey: `taleo:${tenant}:${url.searchParams.get("job") ?? ""}`, ...withCompany(fromTitle(title), tenant) };
    },
  },
];

/**
 * The application a visited page shows, or null when it is not an application page of a known ATS.
 * @example recogniseApplication("https://jobs.lever.co/acme/0f5c…/thanks", "Acme - Senior Engineer")
 *   // { ats: "Lever", evidence: "confirmation", company: "Acme", role: "Senior Engineer", … }
 */
export function recogniseApplication(address: string, pageTitle?: string | null): AtsMatch | null {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  const hostname = url.hostname.toLowerCase();
  const segments = url.pathname.split("/").filter(Boolean).map(decodeSegment);
  const title = cleanTitle(pageTitle ?? "");
  for (const rule of RULES) {
    const host = rule.host.exec(hostname);
    if (!host) continue;
    const found = rule.match({ url, segments, title }, host);
    if (!found) return null;
    const company = clip(found.company);
    const role = clip(found.role);
    return { ats: rule.ats, evidence: found.evidence, jobKey: found.jobKey, ...(company ? { company } : {}), ...(role ? { role } : {}) };
  }
  return null;
}

/** "acme-corp" → "Acme Corp"; a slug that already has capitals keeps them ("AcmeCorp"). */
export function prettify(slug: string): string {
  const words = decodeSegment(slug).replace(/[-_+]+/g, " ").replace(/\s+/g, " ").trim();
  return words === words.toLowerCase() ? words.replace(/(^|\s)(\p{L})/gu, (_all, space: string, letter: string) => space + letter.toUpperCase()) : words;
}

/** Role and company from a title in a common shape: "Job Application for X at Y", "X at Y", "X @ Y", "Apply for X at Y". */
function fromTitle(title: string): { company?: string; role?: string } {
  if (!title || EMPTY_TITLE.test(title)) return {};
  const shaped = /^(?:job application for|apply(?:ing)? (?:for|to)|application for)\s+(.+?)\s+(?:at|@)\s+(.+)$/i.exec(title) ?? /^(.+?)\s+(?:at|@)\s+(.+)$/.exec(title);
  // "Jobs at Acme" names the company but no role.
  if (shaped?.[1] && shaped[2]) return { ...(EMPTY_TITLE.test(shaped[1]) ? {} : { role: shaped[1] }), company: stripSiteSuffix(shaped[2]) };
  const applyFor = /^(?:job application for|apply(?:ing)? (?:for|to)|application for)\s+(.+)$/i.exec(title);
  return applyFor?.[1] ? { role: stripSiteSuffix(applyFor[1]) } : {};
}

/** "Acme hiring Senior Engineer in London | LinkedIn" and "Senior Engineer | Acme | LinkedIn". */
function fromLinkedInTitle(title: string): { company?: string; role?: string } {
  const hiring = /^(.+?) hiring (.+?)(?: in .+?)? \| LinkedIn$/i.exec(title);
  if (hiring?.[1] && hiring[2]) return { company: hiring[1], role: hiring[2] };
  const piped = /^(.+?) \| (.+?) \| LinkedIn$/i.exec(title);
  if (piped?.[1] && piped[2] && !EMPTY_TITLE.test(piped[1])) return { role: piped[1], company: piped[2] };
  return {};
}

/** The title's company when it gave one, else the URL's slug made readable. */
function withCompany(named: { company?: string | undefined; role?: string | undefined }, slug: string): { company?: string; role?: string } {
  const company = named.company || (slug ? prettify(slug) : undefined);
  return { ...(company ? { company } : {}), ...(named.role ? { role: named.role } : {}) };
}

/** Drops a notification count ("(3) ") and surrounding space; a title is one line. */
function cleanTitle(title: string): string {
  return title.replace(/\s+/g, " ").replace(/^\(\d+\+?\)\s*/, "").trim();
}

/** "Acme - Careers" → "Acme". */
function stripSiteSuffix(text: string): string {
  return text.replace(/\s+[-|–]\s+(careers?|jobs?|job board|greenhouse|lever|workday|ashby|workable|linkedin)$/i, "").trim();
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function clip(text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  return trimmed ? trimmed.slice(0, MAX_TEXT) : undefined;
}
