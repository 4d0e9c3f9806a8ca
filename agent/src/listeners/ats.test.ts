import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prettify, recogniseApplication } from "./ats.ts";

const LEVER_ID = "0f5c2d4e-8b1a-4c3d-9e2f-7a6b5c4d3e2f";
const ASHBY_ID = "5b1e6e0f-3c2a-4f7e-8d9c-1a2b3c4d5e6f";

// [url, title, expected] for pages that mean "I applied".
const APPLIED: [string, string | null, Record<string, string>][] = [
  [
    "https://boards.greenhouse.io/acmecorp/jobs/4012345006/confirmation",
    "Job Application for Senior Software Engineer at Acme Corp",
    { ats: "Greenhouse", evidence: "confirmation", company: "Acme Corp", role: "Senior Software Engineer", jobKey: "greenhouse:acmecorp:4012345006" },
  ],
  [
    "https://job-boards.greenhouse.io/figma/jobs/5012345004/confirmation?gh_src=abc",
    "Thank you for applying",
    { ats: "Greenhouse", evidence: "confirmation", company: "Figma", jobKey: "greenhouse:figma:5012345004" },
  ],
  [
    "https://job-boards.eu.greenhouse.io/bolt-eu/jobs/4400112/confirmation",
    null,
    { ats: "Greenhouse", company: "Bolt Eu", jobKey: "greenhouse:bolt-eu:4400112" },
  ],
  [
    "https://boards.greenhouse.io/embed/job_app/confirmation?for=stripe&token=6123456",
    "Job Application for Backend Engineer, Payments at Stripe",
    { ats: "Greenhouse", company: "Stripe", role: "Backend Engineer, Payments", jobKey: "greenhouse:stripe:6123456" },
  ],
  [
    `https://jobs.lever.co/netflix/${LEVER_ID}/thanks`,
    "Netflix - Senior Data Engineer - Content",
    { ats: "Lever", evidence: "confirmation", company: "Netflix", role: "Senior Data Engineer - Content", jobKey: `lever:netflix:${LEVER_ID}` },
  ],
  [
    `https://jobs.eu.lever.co/wolt/${LEVER_ID}/apply?lever-source=LinkedIn`,
    "Wolt - Product Designer",
    { ats: "Lever", evidence: "application_form", company: "Wolt", role: "Product Designer" },
  ],
  [
    "https://nvidia.wd5.myworkdayjobs.com/en-US/NVIDIAExternalCareerSite/job/US-CA-Santa-Clara/Senior-Deep-Learning-Engineer_JR1987654/apply/applyManually",
    "Careers",
    { ats: "Workday", evidence: "application_form", company: "Nvidia", role: "Senior Deep Learning Engineer", jobKey: "workday:nvidia:JR1987654" },
  ],
  [
    "https://acme-health.wd1.myworkdayjobs.com/External/job/Remote-USA/Data-Analyst_R-10234/apply",
    null,
    { ats: "Workday", company: "Acme Health", role: "Data Analyst", jobKey: "workday:acme-health:R-10234" },
  ],
  [
    `https://jobs.ashbyhq.com/Linear/${ASHBY_ID}/application`,
    "Senior Product Engineer @ Linear",
    { ats: "Ashby", evidence: "application_form", company: "Linear", role: "Senior Product Engineer", jobKey: `ashby:Linear:${ASHBY_ID}` },
  ],
  [
    `https://jobs.ashbyhq.com/Acme%20Robotics/${ASHBY_ID}/application?utm_source=x`,
    "Jobs",
    { ats: "Ashby", company: "Acme Robotics" },
  ],
  [`https://jobs.ashbyhq.com/acme/${ASHBY_ID}/application`, "Careers at Acme, Inc.", { ats: "Ashby", company: "Acme, Inc." }],
  [
    "https://www.linkedin.com/jobs/view/3845123456/post-apply/default/?trk=flagship",
    "(2) Acme hiring Staff Engineer in London, England, United Kingdom | LinkedIn",
    { ats: "LinkedIn", evidence: "confirmation", company: "Acme", role: "Staff Engineer", jobKey: "linkedin:3845123456" },
  ],
  [
    "https://www.linkedin.com/jobs/view/3845000001/",
    "Application submitted | Globex | LinkedIn",
    { ats: "LinkedIn", jobKey: "linkedin:3845000001" },
  ],
  [
    "https://jobs.smartrecruiters.com/oneclick-ui/company/BoschGroup/publication/8c2b7f4e-1d3a-4b5c-9e8f-0a1b2c3d4e5f?dcr_ci=BoschGroup",
    "Apply for Test Engineer at Bosch Group",
    { ats: "SmartRecruiters", evidence: "application_form", company: "Bosch Group", role: "Test Engineer" },
  ],
  [
    "https://careers-initech.icims.com/jobs/12345/senior-accountant/candidate?from=login&eem=abc&code=xyz",
    null,
    { ats: "iCIMS", evidence: "application_form", company: "Initech", role: "Senior Accountant", jobKey: "icims:initech:12345" },
  ],
  [
    "https://apply.workable.com/hooli/j/5A1B2C3D4E/apply/",
    null,
    { ats: "Workable", evidence: "application_form", company: "Hooli", jobKey: "workable:hooli:5A1B2C3D4E" },
  ],
  ["https://jobs.jobvite.com/umbrella/job/oAbC1fwX/apply", null, { ats: "Jobvite", company: "Umbrella", jobKey: "jobvite:umbrella:oAbC1fwX" }],
  ["https://soylent.recruitee.com/o/frontend-developer/c/new", null, { ats: "Recruitee", company: "Soylent", role: "Frontend Developer" }],
  ["https://vandelay.breezy.hr/p/4f2a9b1c8d7e-sales-manager/apply", null, { ats: "Breezy HR", company: "Vandelay", role: "Sales Manager" }],
  ["https://wonka.teamtailor.com/jobs/2345678-chocolate-engineer/applications/new", null, { ats: "Teamtailor", company: "Wonka", role: "Chocolate Engineer" }],
  ["https://ats.rippling.com/piedpiper/jobs/9a8b7c6d-1234-4abc-8def-0123456789ab/apply", null, { ats: "Rippling", company: "Piedpiper" }],
  ["https://megacorp.taleo.net/careersection/2/jobapply.ftl?job=190012&lang=en", null, { ats: "Taleo", company: "Megacorp", jobKey: "taleo:megacorp:190012" }],
];

// Job views, searches and lookalikes: none of them is an application.
const NOT_APPLIED: [string, string | null][] = [
  ["https://boards.greenhouse.io/acmecorp/jobs/4012345006", "Job Application for Senior Software Engineer at Acme Corp"],
  ["https://boards.greenhouse.io/acmecorp", "Jobs at Acme Corp"],
  [`https://jobs.lever.co/netflix/${LEVER_ID}`, "Netflix - Senior Data Engineer"],
  ["https://jobs.lever.co/netflix", "Netflix"],
  ["https://nvidia.wd5.myworkdayjobs.com/en-US/NVIDIAExternalCareerSite/job/US-CA-Santa-Clara/Senior-Deep-Learning-Engineer_JR1987654", "Senior Deep Learning Engineer"],
  ["https://nvidia.wd5.myworkdayjobs.com/en-US/NVIDIAExternalCareerSite", "Careers"],
  [`https://jobs.ashbyhq.com/Linear/${ASHBY_ID}`, "Senior Product Engineer @ Linear"],
  ["https://www.linkedin.com/jobs/view/3845123456/", "Acme hiring Staff Engineer in London | LinkedIn"],
  ["https://www.linkedin.com/jobs/search/?keywords=engineer", "Application submitted | LinkedIn"],
  ["https://www.linkedin.com/feed/", "(3) Feed | LinkedIn"],
  ["https://jobs.smartrecruiters.com/BoschGroup/743999912345678-test-engineer", "Test Engineer"],
  ["https://careers-initech.icims.com/jobs/12345/senior-accountant/job", null],
  ["https://apply.workable.com/hooli/j/5A1B2C3D4E/", null],
  ["https://example.com/jobs/123/apply", "Apply"],
  ["https://greenhouse.io.evil.example/acme/jobs/1/confirmation", null],
  ["https://www.google.com/search?q=jobs.lever.co+thanks", null],
  ["not a url", "Job Application for X at Y"],
  ["file:///home/me/boards.greenhouse.io/acme/jobs/1/confirmation", null],
];

describe("recognising application pages", () => {
  for (const [url, title, expected] of APPLIED) {
    it(`${expected.ats}: ${url.slice(8, 80)}`, () => {
      expect(recogniseApplication(url, title)).toMatchObject(expected);
    });
  }

  for (const [url, title] of NOT_APPLIED) {
    it(`not an application: ${url.slice(0, 80)}`, () => {
      expect(recogniseApplication(url, title)).toBeNull();
    });
  }

  it("gives the form and the thank-you page of one application the same job key", () => {
    const form = recogniseApplication(`https://jobs.lever.co/netflix/${LEVER_ID}/apply`, "Netflix - Data Engineer");
    const thanks = recogniseApplication(`https://jobs.lever.co/netflix/${LEVER_ID}/thanks`, "Thank you");
    expect(form?.jobKey).toBe(thanks?.jobKey);
    expect(thanks).toMatchObject({ evidence: "confirmation", company: "Netflix" });
    expect(thanks?.role).toBeUndefined(); // a thank-you title names no role
  });

  it("takes no role from a title that names none", () => {
    expect(recogniseApplication(`https://jobs.ashbyhq.com/acme/${ASHBY_ID}/application`, "Careers at Acme, Inc.")?.role).toBeUndefined();
  });

  it("keeps company and role within the 200 characters the server stores", () => {
    const long = "R".repeat(400);
    const found = recogniseApplication("https://boards.greenhouse.io/acme/jobs/1/confirmation", `Job Application for ${long} at ${long}`);
    expect(found?.role).toHaveLength(200);
    expect(found?.company).toHaveLength(200);
  });

  it("never throws, and only ever names a known ATS, whatever the input", () => {
    const hosts = fc.constantFrom("boards.greenhouse.io", "jobs.lever.co", "acme.wd3.myworkdayjobs.com", "jobs.ashbyhq.com", "www.linkedin.com", "example.com", "x.icims.com");
    const segment = fc.oneof(fc.constantFrom("apply", "thanks", "confirmation", "jobs", "job", "view", "123", "a_b", "%E0%A4", "%", ""), fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(hosts, fc.array(segment, { maxLength: 7 }), fc.option(fc.string({ maxLength: 300 })), (host, path, title) => {
        const found = recogniseApplication(`https://${host}/${path.map(encodeURIComponent).join("/")}`, title);
        if (!found) return;
        expect(host).not.toBe("example.com");
        expect((found.company ?? "").length).toBeLessThanOrEqual(200);
        expect((found.role ?? "").length).toBeLessThanOrEqual(200);
      }),
    );
  });

  it("makes slugs readable and leaves capitals alone", () => {
    expect(prettify("acme-corp")).toBe("Acme Corp");
    expect(prettify("AcmeCorp")).toBe("AcmeCorp");
    expect(prettify("Acme%20Robotics")).toBe("Acme Robotics");
    expect(prettify("société_générale")).toBe("Société Générale");
  });
});
