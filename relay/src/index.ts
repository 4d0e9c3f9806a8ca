export { UserRelay } from "./user-relay.ts";
export { RELAY_USER_HEADER, RELAY_DEVICE_HEADER, RELAY_LATEST_AGENT_HEADER, RELAY_ROLE_HEADER, CLOSE_ACCOUNT_DELETED, CLOSE_REPLACED, CLOSE_REVOKED, HEARTBEAT_MS } from "./sockets.ts";
export type { ConnectionRole } from "./sockets.ts";
export { DecideInput, DecideOutcome, DispatchInput, DispatchOutcome, NotifyInput, TurnInput } from "./rpc.ts";
export { deviceView, findAction } from "./devices.ts";
export type { DeviceRecord } from "./devices.ts";
export { requestView } from "./requests.ts";
export { sessionExpired, touchDue } from "./sessions.ts";
export { isFinal } from "./lifecycle.ts";
