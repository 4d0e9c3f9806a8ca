export { UserRelay, RELAY_USER_HEADER, CLOSE_ACCOUNT_DELETED, CLOSE_REPLACED, CLOSE_REVOKED, HEARTBEAT_MS } from "./user-relay.ts";
export { RELAY_DEVICE_HEADER, RELAY_ROLE_HEADER } from "./sockets.ts";
export type { ConnectionRole } from "./sockets.ts";
export { DecideOutcome, DispatchOutcome } from "./rpc.ts";
export type { TurnInput } from "./rpc.ts";
export type { DispatchInput, NotifyInput } from "./rpc.ts";
export { deviceView, findAction } from "./devices.ts";
export type { DeviceRecord } from "./devices.ts";
export { requestView } from "./requests.ts";
