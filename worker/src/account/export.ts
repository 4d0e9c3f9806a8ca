import { count, eq, getTableColumns } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { strToU8, zipSync } from "fflate";
import { activitiesCsv } from "../../../core/src/activities/views.ts";
import { openDb, schema } from "../../../core/src/db/index.ts";
import { ApiError } from "../http/errors.ts";

// "Your data": one zip with a JSON file per resource and the activity as CSV, built in memory in the worker.
// Secrets stay out: the password hash, token hashes, session ids, webhook signing secrets, passkeys' keys and the
// authenticator app's secret are never read.

/** A resource's rows above this refuse the export (and say what to do), so the archive fits in a worker's memory. */
export const EXPORT_MAX_ROWS = 100_000;
/** The archive's uncompressed size above this is refused for the same reason. */
export const EXPORT_MAX_BYTES = 32 * 1024 * 1024;

type Resource = { file: string; table: SQLiteTable; owner: SQLiteColumn; omit?: string[] };

const s = schema;
/** What the archive holds, one file each. A table added for the user's data belongs here too. */
const RESOURCES: Resource[] = [
  { file: "account.json", table: s.users, owner: s.users.id, omit: ["passwordHash"] },
  { file: "sessions.json", table: s.sessions, owner: s.sessions.userId, omit: ["id"] },
  { file: "known-browsers.json", table: s.knownBrowsers, owner: s.knownBrowsers.userId, omit: ["id"] },
  { file: "devices.json", table: s.devices, owner: s.devices.userId, omit: ["tokenHash"] },
  { file: "commands.json", table: s.commands, owner: s.commands.userId },
  { file: "permissions.json", table: s.permissions, owner: s.permissions.userId },
  { file: "permission-requests.json", table: s.permissionRequests, owner: s.permissionRequests.userId },
  { file: "audit.json", table: s.auditLog, owner: s.auditLog.userId },
  { file: "chats.json", table: s.chats, owner: s.chats.userId },
  { file: "messages.json", table: s.messages, owner: s.messages.userId },
  { file: "activity.json", table: s.activities, owner: s.activities.userId },
  { file: "activity-refusals.json", table: s.activityRefusals, owner: s.activityRefusals.userId },
  { file: "activity-retention.json", table: s.activityRetention, owner: s.activityRetention.userId },
  { file: "ingest-tokens.json", table: s.ingestTokens, owner: s.ingestTokens.userId, omit: ["tokenHash"] },
  { file: "notifications.json", table: s.notifications, owner: s.notifications.userId },
  { file: "notification-preferences.json", table: s.notificationPreferences, owner: s.notificationPreferences.userId },
  { file: "webhooks.json", table: s.webhookEndpoints, owner: s.webhookEndpoints.userId, omit: ["secret"] },
  // The delivery log without its bodies: those carry signed action links.
  { file: "webhook-deliveries.json", table: s.webhookDeliveries, owner: s.webhookDeliveries.userId, omit: ["payload"] },
  // Sign-in and security: which passkeys and settings the account has; no key, secret or code.
  { file: "passkeys.json", table: s.passkeys, owner: s.passkeys.userId, omit: ["publicKey", "counter"] },
  { file: "authenticator-app.json", table: s.totpFactors, owner: s.totpFactors.userId, omit: ["secret", "lastUsedStep"] },
  { file: "security-settings.json", table: s.securitySettings, owner: s.securitySettings.userId },
];

function columnsOf(resource: Resource): Record<string, SQLiteColumn> {
  const columns: Record<string, SQLiteColumn> = { ...getTableColumns(resource.table) };
  for (const name of resource.omit ?? []) delete columns[name];
  return columns;
}

const tooLarge = () =>
  new ApiError(413, "payload_too_large", "Your data is too large for one archive. Export activity by period from the Dashboard (Export CSV), delete what you no longer need, then try again.");

/** The user's archive: `hearth-export/<resource>.json` for each resource, `activity.csv`, and a README. */
export async function buildExport(d1: D1Database, userId: string, now = Date.now()): Promise<Uint8Array> {
  const db = openDb(d1);
  const where = (resource: Resource): SQL => eq(resource.owner, userId);
  const counts = await Promise.all(RESOURCES.map((r) => db.select({ n: count() }).from(r.table).where(where(r)).get()));
  if (counts.some((row) => (row?.n ?? 0) > EXPORT_MAX_ROWS)) throw tooLarge();

  const files: Record<string, Uint8Array> = {};
  let bytes = 0;
  const add = (name: string, text: string) => {
    bytes += text.length;
    if (bytes > EXPORT_MAX_BYTES) throw tooLarge();
    files[`hearth-export/${name}`] = strToU8(text);
  };
  add("README.txt", readme(now));
  for (const resource of RESOURCES) {
    const rows = await db.select(columnsOf(resource)).from(resource.table).where(where(resource)).all();
    add(resource.file, JSON.stringify(rows, null, 2));
  }
  // The CSV reads the rows again rather than keeping both forms in memory at once.
  add("activity.csv", activitiesCsv(await db.select().from(s.activities).where(eq(s.activities.userId, userId)).all()));
  return zipSync(files, { level: 6, mtime: new Date(now) });
}

function readme(now: number): string {
  return [
    `Your Hearth data, exported ${new Date(now).toISOString()}.`,
    "",
    "One JSON file per kind of record (times are epoch milliseconds), and activity.csv with your activity as the",
    "Dashboard exports it. Left out on purpose: your password hash, the hashes of session, browser and device",
    "tokens, webhook signing secrets, and the bodies of webhook deliveries (they carry signed action links).",
    "",
  ].join("\n");
}
