import { z } from "zod";
import { ErrorCode } from "./errors.ts";

/** The Machine Context Protocol version this build speaks. */
export const PROTOCOL_VERSION = 1;

/** Frames larger than this are refused without being parsed. */
export const MAX_FRAME_BYTES = 1024 * 1024;

const frame = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ v: z.literal(PROTOCOL_VERSION), type: z.literal(type), id: z.string().min(1).max(128), ...shape });

/** any peer → relay: liveness probe; the relay answers `pong` with the same id. */
export const PingFrame = frame("ping", {});
/** relay → any peer: the answer to `ping`. */
export const PongFrame = frame("pong", {});
/** relay → any peer: the previous frame was refused; the socket stays open. */
export const ErrorFrame = frame("error", {
  code: ErrorCode,
  message: z.string(),
  /** The id of the frame at fault, when it could be read. */
  ref: z.string().optional(),
});

/** Frames a client (agent or browser) may send to the relay. */
export const ClientFrame = z.discriminatedUnion("type", [PingFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** Frames the relay may send to a client. */
export const RelayFrame = z.discriminatedUnion("type", [PongFrame, ErrorFrame]);
export type RelayFrame = z.infer<typeof RelayFrame>;
