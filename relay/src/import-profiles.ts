import type { Connection } from "partyserver";
import { ImportProfilesFrame, MAX_FRAME_BYTES, toAgent } from "#protocol";
import type { ImportProfile } from "#protocol";
import { listProfiles } from "../../core/src/activities/import-profiles.ts";
import { frameId } from "./frames.ts";
import type { Sockets, SocketState } from "./sockets.ts";

// The `import_profiles` frame (issue 19): the user's saved CSV layouts, sent to an agent after its `welcome` and to
// every connected agent when the worker says they changed, so the statements folder reads files as the web does.

/**
 * The frame's text with as many profiles as one frame carries, the most recently saved first. A save that would make
 * the set too large for one frame is refused (MAX_PROFILE_BYTES in core/src/activities/import-profiles.ts), so
 * cutting the set here is only a last guard, logged when it happens.
 */
export function importProfilesText(profiles: readonly ImportProfile[]): { text: string; left: number } {
  const newestFirst = [...profiles].sort((a, b) => b.updated_at - a.updated_at);
  for (let count = newestFirst.length; ; count = Math.floor(count * 0.9)) {
    const text = JSON.stringify(ImportProfilesFrame.parse(toAgent("import_profiles", frameId(), { profiles: newestFirst.slice(0, count) })));
    if (text.length <= MAX_FRAME_BYTES / 3 || new TextEncoder().encode(text).byteLength <= MAX_FRAME_BYTES || count === 0) return { text, left: newestFirst.length - count };
  }
}

/** Reads the user's profiles from D1 and sends them to `sockets` (the agents to tell). */
export async function sendImportProfiles(db: D1Database, userId: string, sockets: Iterable<Connection<SocketState>>): Promise<void> {
  const targets = [...sockets].filter((socket) => socket.state?.role === "agent" && socket.state.ready);
  if (targets.length === 0) return;
  const { text, left } = importProfilesText(await listProfiles(db, userId));
  if (left > 0) console.warn(`relay: ${left} import profile(s) did not fit in one frame and were not sent to the agent`);
  for (const socket of targets) {
    try {
      socket.send(text);
    } catch {
      // Closed under us; the next hello sends the set again.
    }
  }
}

/** Every greeted agent socket of the user. */
export function agentSockets(sockets: Sockets): Connection<SocketState>[] {
  return sockets.onlineDevices().flatMap((deviceId) => [...sockets.ofDevice(deviceId)]);
}
