import { createHash } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import type { ActivityEvent } from "#protocol";
import type { AgentConfig } from "../home/config.ts";
import type { Logger } from "../log.ts";
import { recogniseApplication } from "./ats.ts";
import type { AtsMatch } from "./ats.ts";
import { findProfiles } from "./history-profiles.ts";
import type { HistoryProfile } from "./history-profiles.ts";
import { readHistory } from "./history-read.ts";

export type HistoryListenerOptions = {
  /** The profiles to read, asked again at every scan so a browser installed later is picked up. */
  profiles: () => HistoryProfile[];
  db: DatabaseSync;
  log: Logger;
  /** Hands the events over to be sent (durably, through the privacy gate). */
  record: (events: ActivityEvent[]) => void;
  intervalMs: number;
  /** How far back the first read of a profile goes: the server forgets older activity anyway. */
  lookbackMs: number;
  now?: () => number;
  /** Where the copies are made (tests); the system's temporary folder otherwise. */
  tempDir?: string;
};

type Found = { match: AtsMatch; url: URL; visitedAtUs: number };

const MAX_URL = 2000;

/**
 * The job-applications listener: reads the browsers' history (copies of it, never the live files) every few
 * minutes, and records each application page it finds as a `job` activity with status "applied". Each
 * profile's progress is kept in state.db, so a visit is read once; an event's id comes from the profile and the
 * job, so seeing the same application again (a reload, the form then its thank-you page) is stored once.
 */
export class HistoryListener {
  readonly #options: HistoryListenerOptions;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The last problem said about each profile, so a file that stays unreadable is reported once, not every scan. */
  readonly #reported = new Map<string, string>();

  constructor(options: HistoryListenerOptions) {
    this.#options = options;
  }

  start(): void {
    const { log, intervalMs } = this.#options;
    const profiles = this.#profiles();
    log.info("history.watching", `Looking for job applications in the history of ${profiles.length} browser profile(s), every ${Math.round(intervalMs / 60_000)} minute(s).`, {
      profiles: profiles.map((p) => `${p.application}/${p.profile}`),
    });
    this.scan();
    this.#timer = setInterval(() => this.scan(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Reads every profile once. Returns how many events it recorded. Never throws: a profile that fails is logged and skipped. */
  scan(): number {
    let recorded = 0;
    for (const profile of this.#profiles()) recorded += this.#scanProfile(profile);
    return recorded;
  }

  #profiles(): HistoryProfile[] {
    try {
      return this.#options.profiles();
    } catch (error) {
      this.#options.log.warn("history.profiles_failed", `Could not look for browser profiles: ${messageOf(error)}`);
      return [];
    }
  }

  #scanProfile(profile: HistoryProfile): number {
    const { db, log, record, lookbackMs } = this.#options;
    const now = this.#options.now?.() ?? Date.now();
    const where = `${profile.application} history at ${profile.path}`;
    try {
      const cursor = db.prepare("SELECT visited_until FROM history_cursors WHERE profile = ?").get(profile.path);
      const sinceUs = typeof cursor?.visited_until === "number" ? cursor.visited_until : (now - lookbackMs) * 1000;
      const found = new Map<string, Found>();
      const { newestUs } = readHistory(
        profile.path,
        sinceUs,
        (visit) => {
          const match = recogniseApplication(visit.url, visit.title);
          if (!match) return;
          const known = found.get(match.jobKey);
          // One event per job: the thank-you page beats the form (and says when); otherwise the first visit does.
          // The thank-you page keeps what the form's title said when its own title says less.
          if (!known || (known.match.evidence === "application_form" && match.evidence === "confirmation")) {
            found.set(match.jobKey, { match: { ...known?.match, ...match }, url: new URL(visit.url), visitedAtUs: visit.visitedAtUs });
          }
        },
        this.#options.tempDir,
      );
      const events = [...found.values()].map((item) => toEvent(profile, item));
      // Recorded before the cursor moves: a crash in between reads the visits again, and the server keeps each event once.
      if (events.length > 0) record(events);
      db.prepare(
        `INSERT INTO history_cursors (profile, application, visited_until, scanned_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (profile) DO UPDATE SET visited_until = excluded.visited_until, scanned_at = excluded.scanned_at`,
      ).run(profile.path, profile.application, Math.max(newestUs ?? sinceUs, sinceUs), now);
      if (this.#reported.delete(profile.path)) log.info("history.readable", `${where} can be read again.`);
      if (events.length > 0) log.info("history.applications", `${events.length} job application(s) found in ${where}.`, { application: profile.application, events: events.length });
      return events.length;
    } catch (error) {
      const message = messageOf(error);
      if (this.#reported.get(profile.path) !== message) {
        this.#reported.set(profile.path, message);
        log.warn("history.unreadable", `Skipped ${where}: ${message}. It is tried again at the next scan; remove it from listeners.history.profiles if it is gone for good.`, {
          application: profile.application,
          path: profile.path,
        });
      }
      return 0;
    }
  }
}

/** The `job` activity for an application found in a profile's history. */
function toEvent(profile: HistoryProfile, { match, url, visitedAtUs }: Found): ActivityEvent {
  // Query and fragment are left out: they carry tracking tokens and, on some ATSs, the applicant's e-mail.
  const address = `${url.origin}${url.pathname}`;
  const id = createHash("sha256").update(`${profile.application}\n${profile.path}\n${match.jobKey}`).digest("hex").slice(0, 40);
  const what = match.role ? `${match.role} at ${match.company ?? match.ats}` : `a job at ${match.company ?? match.ats}`;
  return {
    event_id: `history:${id}`,
    activity_type: "job",
    timestamp: new Date(Math.floor(visitedAtUs / 1000)).toISOString(),
    application: profile.application,
    description: `Applied for ${what} (${match.ats}, from ${profile.application} history)`,
    details: {
      ...(match.company ? { company: match.company } : {}),
      ...(match.role ? { role: match.role } : {}),
      status: "applied",
      ...(address.length <= MAX_URL ? { url: address } : {}),
      ats: match.ats,
      evidence: match.evidence,
    },
  };
}

/** The listener config.json asks for, or null when it is off. */
export function historyListenerFromConfig(
  config: AgentConfig["listeners"]["history"],
  deps: Omit<HistoryListenerOptions, "profiles" | "intervalMs"> & { home: string; platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv },
): HistoryListener | null {
  if (!config.enabled) return null;
  const { home, platform, env, ...options } = deps;
  return new HistoryListener({
    ...options,
    intervalMs: config.interval_minutes * 60_000,
    profiles: () => findProfiles({ browsers: config.browsers, explicit: config.profiles, home, ...(platform ? { platform } : {}), ...(env ? { env } : {}) }),
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
