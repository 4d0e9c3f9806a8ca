import { CommandStatus, ErrorCode } from "#protocol";
import type { CommandRecord } from "#protocol";
import type { CommandRow } from "../../../core/src/db/schema.ts";

// The one reading of a D1 `commands` row: the commands API shows it (`commandView(commandRecordOf(row))`) and a
// retry sends its command again (dispatch.ts), so both read the stored command the same way.

/** A D1 history row read back as a command record; a status or code this build does not know reads as a failure. */
export function commandRecordOf(row: CommandRow): CommandRecord {
  return {
    id: row.id,
    deviceId: row.deviceId,
    seq: row.seq,
    status: CommandStatus.catch("failed").parse(row.status),
    command: { target: row.target, action: row.action, parameters: JSON.parse(row.parameters) },
    readOnly: row.readOnly,
    deadlineAt: row.deadlineAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    retryOf: row.retryOf,
    result: row.result === null ? undefined : JSON.parse(row.result),
    error: row.errorCode === null ? null : { code: ErrorCode.catch("internal").parse(row.errorCode), message: row.errorMessage ?? "" },
  };
}
