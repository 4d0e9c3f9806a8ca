import { eq } from "drizzle-orm";
import type { PermissionRequestView } from "#protocol";
import { requestRecords } from "./storage/index.ts";
import type { RelayDb } from "./storage/index.ts";
import type { QueuedCommand } from "./command-store.ts";
import type { PermissionRequestRecord } from "./d1-sync.ts";
import { describe, requestOutcome, subjectText } from "./wording.ts";

/**
 * Open and answered permission requests, kept in the relay's SQLite so an answer can be matched at once,
 * even before D1 has the request. D1 holds the copy the API lists.
 */
export class RequestStore {
  readonly #db: RelayDb;

  constructor(db: RelayDb) {
    this.#db = db;
  }

  put(record: PermissionRequestRecord): void {
    const json = JSON.stringify(record);
    this.#db
      .insert(requestRecords)
      .values({ id: record.id, commandId: record.commandId, status: record.status, record: json })
      .onConflictDoUpdate({ target: requestRecords.id, set: { status: record.status, record: json } })
      .run();
  }

  get(id: string): PermissionRequestRecord | null {
    const row = this.#db.select({ record: requestRecords.record }).from(requestRecords).where(eq(requestRecords.id, id)).get();
    return row ? JSON.parse(row.record) : null;
  }

  /** What the request came to once it is answered or lapsed, in words; null while it waits (or is unknown). */
  outcomeOf(id: string): string | null {
    const request = this.get(id);
    return request && request.status !== "pending" ? requestOutcome(request) : null;
  }

  /** Every request still waiting for the user. */
  pending(): PermissionRequestRecord[] {
    return this.#db
      .select({ record: requestRecords.record })
      .from(requestRecords)
      .where(eq(requestRecords.status, "pending"))
      .all()
      .map((row) => JSON.parse(row.record));
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
