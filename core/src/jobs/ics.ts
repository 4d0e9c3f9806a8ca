import type { UpcomingInterview } from "#protocol";

// Interviews as an iCalendar file (RFC 5545), for every calendar app: one VEVENT per interview, times in UTC (so no
// VTIMEZONE is needed and every app shows them in its own zone), text escaped (backslash, semicolon, comma,
// newline) and lines folded at 75 octets without splitting a UTF-8 character. Small and tested rather than a
// library: the ones on npm pull in Node-only or date-library dependencies for the few lines this needs.

const encoder = new TextEncoder();

/** TEXT value escaping (RFC 5545 §3.3.11). */
export function escapeText(value: string): string {
  return (
    value
      .replace(/\\/g, "\\\\")
      .replace(/;/g, "\\;")
      .replace(/,/g, "\\,")
      .replace(/\r\n|\r|\n/g, "\\n")
      // Other control characters are not allowed in a TEXT value (§3.3.11); rows stored before the API refused them
      // are written without them.
      .replace(/[\x00-\x1f\x7f]/g, "")
  );
}

/** A location that is one clean web address, fit for a URL property as is; anything else stays LOCATION text only. */
const CLEAN_LINK = /^https?:\/\/[^\s\x00-\x1f\x7f]+$/;

/** Folds one content line to 75 octets a line (§3.1): each continuation starts with a space. */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = "";
  let octets = 0;
  for (const char of line) {
    const size = encoder.encode(char).length;
    // A continuation line's leading space counts toward its 75.
    const limit = out.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      out.push(current);
      current = "";
      octets = 0;
    }
    current += char;
    octets += size;
  }
  out.push(current);
  return out.join("\r\n ");
}

/** An instant as a UTC DATE-TIME: 20260314T090000Z. */
export function icsTime(at: number): string {
  return new Date(at).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

const KIND_NAMES: Record<UpcomingInterview["kind"], string> = { phone: "Phone interview", video: "Video interview", onsite: "On-site interview", technical: "Technical interview", other: "Interview" };

/** The .ics text for interviews (CRLF line ends). `host` makes each UID globally unique. */
export function interviewsIcs(interviews: readonly UpcomingInterview[], options: { host: string; now: number; appUrl?: string }): string {
  const lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Hearth//Job interviews//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:Hearth interviews"];
  for (const interview of interviews) {
    const who = [interview.role, interview.company].filter((s): s is string => Boolean(s)).join(" at ") || "an application";
    const location = interview.location ?? "";
    lines.push(
      "BEGIN:VEVENT",
      `UID:${interview.id}@${options.host}`,
      `DTSTAMP:${icsTime(options.now)}`,
      `DTSTART:${icsTime(interview.starts_at)}`,
      `DTEND:${icsTime(interview.starts_at + interview.duration_minutes * 60_000)}`,
      `SUMMARY:${escapeText(`${KIND_NAMES[interview.kind]}: ${who}`)}`,
      ...(location ? [`LOCATION:${escapeText(location)}`] : []),
      ...(CLEAN_LINK.test(location) ? [`URL:${location}`] : []),
      `DESCRIPTION:${escapeText(`${KIND_NAMES[interview.kind]} for ${who} (given in ${interview.time_zone}).${options.appUrl ? `\n${options.appUrl}/dashboard/applications` : ""}`)}`,
      "END:VEVENT",
    );
  }
  lines.push("END:VCALENDAR");
  return `${lines.map(foldLine).join("\r\n")}\r\n`;
}
