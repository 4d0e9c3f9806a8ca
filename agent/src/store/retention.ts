import { existsSync } from "node:fs";
import type { DatabaseSync } from "node:sqlite";
import type { Logger } from "../log.ts";
import type { CommandStore } from "./commands.ts";
import { RefusedActivity } from "./refused-activity.ts";

/** How often a running agent forgets what is past its retention, after the sweep at start. */
export const RETENTION_SWEEP_MS = 24 * 60 * 60_000;
/** Retention is counted in days. */
export const DAY_MS = 24 * 60 * 60_000;

export type RetentionPolicy = {
  db: DatabaseSync;
  commands: CommandStore;
  /** `privacy.retention_days`. */
  retentionDays: number;
  /** How long a finished command is kept so a late redelivery is answered, not run again (DEFAULT_OPTIONS.commandRetention). */
  commandRetentionMs: number;
};

/** How many records one sweep forgot, by kind. */
export type RetentionReport = { commands: number; importedFiles: number; historyCursors: number; permissionRules: number; refusedActivity: number };

/**
 * Forgets what this computer keeps past the retention period, and only what nothing still needs:
 * - finished commands whose result the server has acked, after `commandRetentionMs` (8 days, longer than any
 *   command's deadline, so a redelivered command is answered from the store; retention cannot shorten this);
 * - records of imported statement files past retention whose file is gone (one still in the folder keeps its
 *   record, or it would be imported again);
 * - history-listener cursors of profiles not read within retention (a profile read again starts from the
 *   retention window, and the server keeps each event once);
 * - permission rules that expired before the retention period;
 * - refused activity events (kept for `hearth status`) refused before the retention period.
 * The outbox is never touched: everything in it waits for the server's ack, and leaves only with that ack.
 */
export function applyRetention(policy: RetentionPolicy, now: number = Date.now()): RetentionReport {
  const { db, commands } = policy;
  const cutoff = now - policy.retentionDays * DAY_MS;
  const stale = db.prepare("SELECT path FROM imported_files WHERE imported_at < ?").all(cutoff);
  const forget = db.prepare("DELETE FROM imported_files WHERE path = ?");
  let importedFiles = 0;
  for (const row of stale) {
    if (typeof row.path === "string" && !existsSync(row.path)) importedFiles += Number(forget.run(row.path).changes);
  }
  return {
    commands: commands.prune(now - policy.commandRetentionMs),
    importedFiles,
    historyCursors: Number(db.prepare("DELETE FROM history_cursors WHERE scanned_at < ?").run(cutoff).changes),
    permissionRules: Number(db.prepare("DELETE FROM permission_rules WHERE expires_at IS NOT NULL AND expires_at < ?").run(cutoff).changes),
    refusedActivity: new RefusedActivity(db).prune(cutoff),
  };
}

/** Sweeps now and then every day until stopped. A failed sweep is logged; the next one tries again. */
export function scheduleRetention(policy: RetentionPolicy, log: Logger, everyMs: number = RETENTION_SWEEP_MS): { stop: () => void } {
  const sweep = () => {
    try {
      const report = applyRetention(policy);
      const total = report.commands + report.importedFiles + report.historyCursors + report.permissionRules + report.refusedActivity;
      if (total > 0) log.info("retention.swept", `Forgot ${total} local record(s) past retention (${policy.retentionDays} days; finished commands after ${Math.round(policy.commandRetentionMs / DAY_MS)}).`, report);
    } catch (error) {
      log.warn("retention.failed", `Cleaning up state.db failed: ${error instanceof Error ? error.message : String(error)}. It is tried again in a day.`);
    }
  };
  sweep();
  const timer = setInterval(sweep, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
