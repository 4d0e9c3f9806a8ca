import { describe, expect, it } from "vitest";
import { escapeText, foldLine, icsTime, interviewsIcs } from "./ics.ts";

describe("interviews as iCalendar", () => {
  it("escapes text and folds long lines at 75 octets without splitting a character", () => {
    expect(escapeText("a\\b;c,d\r\ne\nf")).toBe("a\\\\b\\;c\\,d\\ne\\nf");
    const long = `SUMMARY:${"Entretien à Zürich — 面接 ".repeat(8)}`;
    const folded = foldLine(long);
    for (const line of folded.split("\r\n")) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    expect(folded.split("\r\n").slice(1).every((line) => line.startsWith(" "))).toBe(true);
    expect(folded.replace(/\r\n /g, "")).toBe(long);
    expect(icsTime(Date.UTC(2027, 0, 5, 8, 30))).toBe("20270105T083000Z");
  });

  it("writes one event per interview with UTC times and a unique id", () => {
    const text = interviewsIcs(
      [{ id: "i1", application_id: "a1", starts_at: Date.UTC(2027, 6, 14, 7, 30), time_zone: "Europe/Amsterdam", duration_minutes: 45, kind: "phone", location: null, company: "Acme", role: null }],
      { host: "hearth.test", now: Date.UTC(2027, 0, 1) },
    );
    expect(text).toBe(
      [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Hearth//Job interviews//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:Hearth interviews",
        "BEGIN:VEVENT", "UID:i1@hearth.test", "DTSTAMP:20270101T000000Z", "DTSTART:20270714T073000Z", "DTEND:20270714T081500Z",
        "SUMMARY:Phone interview: Acme", "DESCRIPTION:Phone interview for Acme (given in Europe/Amsterdam).", "END:VEVENT", "END:VCALENDAR", "",
      ].join("\r\n"),
    );
  });
});

describe("a location cannot add calendar properties", () => {
  const base = { id: "i2", application_id: "a1", starts_at: Date.UTC(2027, 6, 14, 7, 30), time_zone: "UTC", duration_minutes: 30, kind: "video" as const, company: "Acme", role: "Engineer" };

  it("writes a URL line only for one clean web address, and escapes a CR LF into the LOCATION text", () => {
    const attack = "https://meet.example/x\r\nBEGIN:VALARM\r\nATTENDEE:mailto:evil@example.com";
    const text = interviewsIcs([{ ...base, location: attack }], { host: "hearth.test", now: 0 });
    const lines = text.split("\r\n");
    expect(lines.some((line) => line.startsWith("URL:"))).toBe(false);
    expect(lines.filter((line) => /^(BEGIN:VALARM|ATTENDEE)/.test(line))).toEqual([]);
    expect(text.replace(/\r\n /g, "")).toContain("LOCATION:https://meet.example/x\\nBEGIN:VALARM\\nATTENDEE:mailto:evil@example.com");

    const clean = interviewsIcs([{ ...base, location: "https://meet.example/abc?pwd=1" }], { host: "hearth.test", now: 0 });
    expect(clean.split("\r\n")).toContain("URL:https://meet.example/abc?pwd=1");
  });

  it("drops other control characters from text", () => {
    expect(escapeText("Room\u0007 4\u007f")).toBe("Room 4");
  });
});
