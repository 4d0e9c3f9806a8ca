import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "#protocol";
import { tempDir } from "../../test/temp.ts";
import type { InboundCommand } from "../link/frames.ts";
import { silentLogger } from "../log.ts";
import { PermissionStore } from "../permissions/store.ts";
import { CommandStore } from "./commands.ts";
import { openStateDb } from "./db.ts";
import { Outbox } from "./outbox.ts";
import { applyRetention, scheduleRetention } from "./retention.ts";
import type { RetentionPolicy } from "./retention.ts";

const DAY = 24 * 60 * 60_000;
const NOW = Date.UTC(2026, 10, 25);

let dir: string;
beforeEach(async () => {
  dir = await tempDir("hearth-retention-");
});

function setup(retentionDays = 365) {
  const db = openStateDb(join(dir, "state.db"));
  const outbox = new Outbox(db);
  const commands = new CommandStore(db, outbox);
  const policy: RetentionPolicy = { db, commands, retentionDays, commandRetentionMs: 8 * DAY };
  return { db, outbox, commands, policy };
}

function command(id: string, seq: number): InboundCommand {
  return {
    v: PROTOCOL_VERSION,
    type: "command",
    id,
    seq,
    command: { target: "filesystem", action: "list", parameters: { path: "~" } },
    read_only: true,
    deadline_at: NOW + 60_000,
    approval: { permission_id: null, kind: "once", expires_at: null },
  };
}

/** A command received, run and finished at `at`; its result acked by the server unless `acked` is false. */
function finished(commands: CommandStore, outbox: Outbox, id: string, seq: number, at: number, acked = true): void {
  commands.receive(command(id, seq), at);
  commands.markRunning(id, at);
  const result = commands.finish(id, { status: "done", data: {} }, at, at);
  if (acked) outbox.remove(result.id);
}

const ids = (rows: readonly Record<string, unknown>[], key: string) => rows.map((row) => row[key]);

describe("the agent's retention", () => {
  it("forgets what is past retention and unneeded, and keeps the rest", () => {
    const { db, outbox, commands, policy } = setup(30);
    finished(commands, outbox, "old-acked", 1, NOW - 9 * DAY);
    finished(commands, outbox, "old-unacked", 2, NOW - 9 * DAY, false);
    finished(commands, outbox, "recent", 3, NOW - 2 * DAY);
    outbox.put({ v: PROTOCOL_VERSION, type: "activity", id: "activity-ancient", events: [] }, NOW - 400 * DAY);

    const present = join(dir, "still-here.ofx");
    writeFileSync(present, "x");
    const importFile = db.prepare("INSERT INTO imported_files (path, hash, imported_at, events) VALUES (?, 'h', ?, 1)");
    importFile.run(join(dir, "deleted-long-ago.ofx"), NOW - 31 * DAY);
    importFile.run(present, NOW - 400 * DAY);
    importFile.run(join(dir, "deleted-recently.ofx"), NOW - 29 * DAY);

    const cursor = db.prepare("INSERT INTO history_cursors (profile, application, visited_until, scanned_at) VALUES (?, 'Chrome', 0, ?)");
    cursor.run("/gone/History", NOW - 31 * DAY);
    cursor.run("/live/History", NOW - DAY);

    const rules = new PermissionStore(db, dir);
    const rule = (expiresAt: number | null) => rules.add({ target: "filesystem", action: "write", scope: null, effect: "allow", expires_at: expiresAt, source: "prompt" }, NOW - 100 * DAY).id;
    const expiredLongAgo = rule(NOW - 31 * DAY);
    const expiredRecently = rule(NOW - DAY);
    const forever = rule(null);

    expect(applyRetention(policy, NOW)).toEqual({ commands: 1, importedFiles: 1, historyCursors: 1, permissionRules: 1, refusedActivity: 0 });
    expect(ids(db.prepare("SELECT id FROM commands ORDER BY seq").all(), "id")).toEqual(["old-unacked", "recent"]);
    expect(outbox.size()).toBe(2); // the unacked result and the ancient activity: only an ack removes them
    expect(ids(db.prepare("SELECT path FROM imported_files ORDER BY path").all(), "path")).toEqual([join(dir, "deleted-recently.ofx"), present]);
    expect(ids(db.prepare("SELECT profile FROM history_cursors").all(), "profile")).toEqual(["/live/History"]);
    expect(rules.list().map((r) => r.id).sort()).toEqual([expiredRecently, forever].sort());
    expect(rules.list().map((r) => r.id)).not.toContain(expiredLongAgo);

    expect(applyRetention(policy, NOW)).toEqual({ commands: 0, importedFiles: 0, historyCursors: 0, permissionRules: 0, refusedActivity: 0 });
  });

  it("never forgets a finished command before its redelivery window, however short the retention", () => {
    const { db, outbox, commands, policy } = setup(1);
    finished(commands, outbox, "three-days", 1, NOW - 3 * DAY);
    expect(applyRetention(policy, NOW).commands).toBe(0);
    expect(ids(db.prepare("SELECT id FROM commands").all(), "id")).toEqual(["three-days"]);
  });

  it("sweeps at once when scheduled, and a failed sweep is logged, not thrown", () => {
    const { db, outbox, commands, policy } = setup();
    finished(commands, outbox, "old", 1, Date.now() - 30 * DAY);
    const infos: string[] = [];
    const warnings: string[] = [];
    const log = { ...silentLogger, info: (_e: string, m: string) => void infos.push(m), warn: (_e: string, m: string) => void warnings.push(m) };
    scheduleRetention(policy, log).stop();
    expect(infos).toEqual([expect.stringMatching(/^Forgot 1 local record\(s\) past retention \(365 days; finished commands after 8\)/)]);

    db.exec("DROP TABLE history_cursors");
    expect(() => scheduleRetention(policy, log).stop()).not.toThrow();
    expect(warnings).toEqual([expect.stringMatching(/^Cleaning up state.db failed: .*history_cursors.* It is tried again in a day\.$/)]);
  });
});
