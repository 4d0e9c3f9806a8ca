export { UserRelay, RELAY_ROLE_HEADER, RELAY_USER_HEADER } from "./user-relay.ts";
export type { ConnectionRole } from "./user-relay.ts";
