import type { z } from "zod";
import { MAX_FRAME_BYTES, PROTOCOL_VERSION, toBrowser } from "#protocol";
import type { ErrorCode, RelayFrame } from "#protocol";

export type Refusal = { code: ErrorCode; message: string; ref?: string };

function idOf(json: unknown): string | undefined {
  return typeof json === "object" && json !== null && "id" in json && typeof json.id === "string" ? json.id : undefined;
}

/**
 * The message's size in bytes when it is over `max`, else null. A string too short to be over it (UTF-8 takes
 * at most 3 bytes per UTF-16 unit) is not encoded, nor one too long to be under it (at least 1 byte per unit).
 */
export function oversize(message: string | ArrayBuffer | ArrayBufferView, max: number): number | null {
  if (typeof message !== "string") return message.byteLength > max ? message.byteLength : null;
  if (message.length * 3 <= max) return null;
  if (message.length > max) return message.length;
  const size = new TextEncoder().encode(message).byteLength;
  return size > max ? size : null;
}

/**
 * Reads one inbound socket message into a frame of `schema`, or says why it was refused.
 * Pure, so it is tested without sockets; the relay answers a refusal with an `error` frame and keeps the socket.
 */
export function readFrame<S extends z.ZodType>(
  schema: S,
  message: string | ArrayBuffer | ArrayBufferView,
  maxBytes = MAX_FRAME_BYTES,
): { ok: true; frame: z.infer<S> } | ({ ok: false } & Refusal) {
  const size = oversize(message, maxBytes);
  if (size !== null) {
    const over = typeof message === "string" && size === message.length ? `at least ${size}` : String(size);
    return { ok: false, code: "payload_too_large", message: `Frames are limited to ${maxBytes} bytes; this one was ${over}. Split it up.` };
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message));
  } catch {
    return { ok: false, code: "malformed_json", message: "The frame is not valid JSON. Send one JSON object per message." };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, frame: parsed.data };

  const ref = idOf(json);
  const withRef = (refusal: Refusal) => ({ ok: false as const, ...refusal, ...(ref === undefined ? {} : { ref }) });
  const type = typeof json === "object" && json !== null && "type" in json ? json.type : undefined;
  const version = typeof json === "object" && json !== null && "v" in json ? json.v : undefined;
  if (version !== PROTOCOL_VERSION) {
    return withRef({ code: "unsupported_version", message: `This relay speaks version ${PROTOCOL_VERSION} of the protocol; the frame says ${JSON.stringify(version)}. Update the client.` });
  }
  const issue = parsed.error.issues[0];
  if (issue?.path[0] === "type") {
    return withRef({ code: "unknown_frame", message: `Unknown frame type ${JSON.stringify(type)} here. See protocol/PROTOCOL.md for the frames of version ${PROTOCOL_VERSION}.` });
  }
  const where = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
  return withRef({ code: "validation_failed", message: `The ${String(type ?? "")} frame is not valid${where}: ${issue?.message ?? "unknown problem"}.` });
}

/** What a frame the relay builds from many items may hold: `MAX_FRAME_BYTES` less room for its envelope. */
export const FRAME_BUDGET = MAX_FRAME_BYTES - 4096;

/**
 * An item's UTF-8 size as JSON, or an upper bound of it (3 bytes per UTF-16 unit) when that bound is small: a
 * small item is not encoded, and a hundred of them stay far under `FRAME_BUDGET` either way.
 */
function jsonBytes(item: unknown): number {
  const text = JSON.stringify(item);
  return text.length * 3 <= 4096 ? text.length * 3 : new TextEncoder().encode(text).byteLength;
}

/**
 * Cuts items into frames of at most `maxCount` items and `FRAME_BUDGET` bytes of JSON, in order. An item too
 * large to share a frame goes in one of its own (dispatch refuses a command too large for any frame).
 */
export function framesOf<T>(items: readonly T[], maxCount: number, budget = FRAME_BUDGET): T[][] {
  // One item gets a frame of its own whatever its size: no need to measure it (the live path sends one at a time).
  if (items.length <= 1) return items.length === 0 ? [] : [[...items]];
  const frames: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = jsonBytes(item) + 1;
    if (current.length > 0 && (current.length >= maxCount || bytes + size > budget)) {
      frames.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) frames.push(current);
  return frames;
}

/** Encodes a frame for the wire. */
export function encodeFrame(frame: RelayFrame): string {
  return JSON.stringify(frame);
}

/** A fresh id for a frame the relay originates. */
export function frameId(): string {
  return crypto.randomUUID();
}

export function errorFrame(refusal: Refusal): RelayFrame {
  return toBrowser("error", frameId(), refusal);
}
