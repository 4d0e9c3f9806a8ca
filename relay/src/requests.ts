import type { PermissionRequestView } from "#protocol";
import type { QueuedCommand } from "./command-store.ts";
import type { PermissionRequestRecord } from "./d1-sync.ts";
import { describe, requestOutcome, subjectText } from "./wording.ts";

/**
 * Open and answered permission requests, kept in the relay's SQLite so an answer can be matched at once,
 * even before D1 has the request. D1 holds the copy the API lists.
 */
export class RequestStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS permission_requests (id TEXT PRIMARY KEY, command_id TEXT, status TEXT NOT NULL, record TEXT NOT NULL)");
  }

  put(record: PermissionRequestRecord): void {
    this.#sql.exec(
      "INSERT INTO permission_requests (id, command_id, status, record) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET status = excluded.status, record = excluded.record",
      record.id,
      record.commandId,
      record.status,
      JSON.stringify(record),
    );
  }

  get(id: string): PermissionRequestRecord | null {
    const row = this.#sql.exec<{ record: string }>("SELECT record FROM permission_requests WHERE id = ?", id).toArray()[0];
    return row ? JSON.parse(row.record) : null;
  }

  /** What the request came to once it is answered or lapsed, in words; null while it waits (or is unknown). */
  outcomeOf(id: string): string | null {
    const request = this.get(id);
    return request && request.status !== "pending" ? requestOutcome(request) : null;
  }

  /** Every request still waiting for the user. */
  pending(): PermissionRequestRecord[] {
    return this.#sql.exec<{ record: string }>("SELECT record FROM permission_requests WHERE status = 'pending'").toArray().map((row) => JSON.parse(row.record));
  }
}

export function requestView(r: PermissionRequestRecord): PermissionRequestView {
  const decision = r.decision === "allow_once" || r.decision === "allow_1h" || r.decision === "allow_always" || r.decision === "deny" ? r.decision : null;
  return {
    id: r.id,
    device_id: r.deviceId,
    command_id: r.commandId,
    asked_by: r.agentRef ? "agent" : r.commandId ? "command" : "assistant",
    target: r.target,
    action: r.action,
    context: r.context,
    one_time: r.oneTime,
    parameters: r.parameters,
    status: r.status,
    decision,
    granted_scope: r.grantedScope ?? null,
    created_at: r.createdAt,
    decided_at: r.decidedAt,
  };
}

/** The question a command no rule covers puts to the user. */
export function requestForCommand(id: string, command: QueuedCommand): PermissionRequestRecord {
  return {
    id,
    deviceId: command.deviceId,
    commandId: command.id,
    agentRef: null,
    target: command.command.target,
    action: command.command.action,
    context: `Hearth wants to run ${describe(command)}${subjectText(command.command)}.`,
    parameters: command.command.parameters,
    oneTime: true,
    status: "pending",
    decision: null,
    createdAt: command.createdAt,
    decidedAt: null,
  };
}
