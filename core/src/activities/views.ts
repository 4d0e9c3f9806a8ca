import type { ActivityView } from "#protocol";
import type { ActivityRow } from "../db/schema.ts";

// How activity rows leave the server: the API's view, and the CSV of the dashboard's export and the account archive.

/** A stored row as the API shows it (amounts in major units, JSON columns parsed). */
export function activityView(row: ActivityRow): ActivityView {
  return {
    id: row.id,
    event_id: row.eventId,
    device_id: row.deviceId,
    source: row.source,
    activity_type: row.activityType,
    timestamp: row.timestamp,
    occurred_at: row.occurredAt,
    application: row.application,
    description: row.description,
    details: JSON.parse(row.details),
    tags: JSON.parse(row.tags),
    amount: row.amountMinor === null ? null : row.amountMinor / 100,
    currency: row.currency,
    merchant: row.merchant,
    category: row.category,
    company: row.company,
    role: row.role,
    job_status: row.jobStatus,
    url: row.url,
    created_at: row.createdAt,
  };
}

const EXPORT_COLUMNS = ["timestamp", "activity_type", "application", "description", "amount", "currency", "merchant", "category", "company", "role", "job_status", "url", "tags", "event_id"] as const;

/** One CSV line (RFC 4180 quoting); a cell that a spreadsheet would run as a formula is prefixed with '. */
function exportLine(view: ActivityView): string {
  return EXPORT_COLUMNS.map((column) => {
    const value = view[column];
    let text = value === null || value === undefined ? "" : Array.isArray(value) ? value.join(";") : String(value);
    if (/^[=+\-@\t\r]/.test(text) && column !== "amount") text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }).join(",");
}

/** The rows as one CSV file, header first, CRLF line ends. */
export function activitiesCsv(rows: ActivityRow[]): string {
  const lines = [EXPORT_COLUMNS.join(","), ...rows.map((row) => exportLine(activityView(row)))];
  return `${lines.join("\r\n")}\r\n`;
}
