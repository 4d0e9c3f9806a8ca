import { ClientFrame, MAX_FRAME_BYTES, PROTOCOL_VERSION } from "#protocol";
import type { ErrorCode, RelayFrame } from "#protocol";

type Refusal = { code: ErrorCode; message: string; ref?: string };

/**
 * Reads one inbound socket message into a typed frame, or says why it was refused.
 * Pure, so it is tested without sockets; the relay answers a refusal with an `error` frame and keeps the socket.
 */
export function readClientFrame(message: string | ArrayBuffer | ArrayBufferView): { ok: true; frame: ClientFrame } | ({ ok: false } & Refusal) {
  const size = typeof message === "string" ? new TextEncoder().encode(message).byteLength : message.byteLength;
  if (size > MAX_FRAME_BYTES) {
    return { ok: false, code: "payload_too_large", message: `Frames are limited to ${MAX_FRAME_BYTES} bytes; this one was ${size}. Split it up.` };
  }
  const text = typeof message === "string" ? message : new TextDecoder().decode(message);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, code: "malformed_json", message: "The frame is not valid JSON. Send one JSON object per message." };
  }
  const parsed = ClientFrame.safeParse(json);
  if (parsed.success) return { ok: true, frame: parsed.data };
  const ref = typeof json === "object" && json !== null && "id" in json && typeof json.id === "string" ? json.id : undefined;
  const type = typeof json === "object" && json !== null && "type" in json ? json.type : undefined;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
  const refusal: Refusal =
    issue?.path[0] === "type"
      ? { code: "unknown_frame", message: `Unknown frame type ${JSON.stringify(type)}. See protocol/PROTOCOL.md for the frames of version ${PROTOCOL_VERSION}.` }
      : { code: "validation_failed", message: `The ${String(type ?? "")} frame is not valid${where}: ${issue?.message ?? "unknown problem"}.` };
  return ref === undefined ? { ok: false, ...refusal } : { ok: false, ...refusal, ref };
}

/** Encodes a frame for the wire. */
export function encodeFrame(frame: RelayFrame): string {
  return JSON.stringify(frame);
}
