// What the relay socket needs of the protocol's frames, in a chunk of its own (it brings zod and every frame's
// schema): the socket loads it before it opens, so the signed-in shell's first JS carries no zod (issue 17), and
// every frame is still parsed before use.
export { HEARTBEAT_PING, HEARTBEAT_PONG, RelayToBrowserFrame, fromBrowser } from "#protocol/frames.ts";
