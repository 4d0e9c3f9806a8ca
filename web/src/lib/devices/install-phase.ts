import type { InstallLinkStatus } from "./install-links.ts";
import type { InstallPairing } from "./install-links.ts";

// Where the Add a computer dialog stands, from what the last poll said. Plain logic, so each step the user sees is
// tested without a browser; the dialog's state class feeds it and renders the answer.

export type InstallPhase =
  /** The line is being made. */
  | { kind: "creating" }
  /** The line is shown and nothing has run it yet. */
  | { kind: "waiting" }
  /** A computer ran the line and waits for the user's yes or no. */
  | { kind: "pending"; pairing: InstallPairing }
  /** Approved: the install on that computer fetches its token and sets up the service. */
  | { kind: "approved"; name: string }
  /** The agent took its token: the device exists. */
  | { kind: "connected"; name: string; deviceId: string }
  /** The user turned the line's computer away. A line starts one pairing, so trying again takes a new line. */
  | { kind: "denied"; name: string }
  /** The line no longer starts pairings: a new one is needed. */
  | { kind: "expired" };

export type PhaseInput = {
  /** When the line stops working, from its creation; null while it is being made. */
  expiresAt: number | null;
  /** The last poll's answer, if any came. */
  status: InstallLinkStatus | null;
  /** The server no longer knows the key (404): it expired and was cleaned away. */
  gone: boolean;
  /** The code the user approved here, before a poll has seen the approval. */
  approvedCode: string | null;
  now: number;
};

/** The step to show. A pairing already under way outlives its line: the line's expiry only stops new ones. */
export function phaseOf({ expiresAt, status, gone, approvedCode, now }: PhaseInput): InstallPhase {
  if (expiresAt === null) return { kind: "creating" };
  const pairing = status?.pairing ?? null;
  if (pairing?.status === "consumed" && pairing.device_id !== null) return { kind: "connected", name: pairing.name, deviceId: pairing.device_id };
  if (pairing && (pairing.status === "approved" || pairing.status === "consumed" || (pairing.status === "pending" && sameCode(pairing.user_code, approvedCode)))) {
    return { kind: "approved", name: pairing.name };
  }
  if (pairing?.status === "pending") return { kind: "pending", pairing };
  if (pairing?.status === "denied") return { kind: "denied", name: pairing.name };
  if (gone || (status?.expires_at ?? expiresAt) <= now) return { kind: "expired" };
  return { kind: "waiting" };
}

/** Codes compare as users type them: `abcd efgh` is `ABCD-EFGH`. */
export const sameCode = (a: string | null | undefined, b: string | null | undefined): boolean =>
  !!a && !!b && a.toUpperCase().replace(/[^A-Z0-9]/g, "") === b.toUpperCase().replace(/[^A-Z0-9]/g, "");

/** Whether the dialog should ask the server again: only while something can still change. */
export const keepsPolling = (phase: InstallPhase): boolean => phase.kind !== "connected" && phase.kind !== "expired" && phase.kind !== "denied";

/** "29 min left", for the waiting line; coarse on purpose, since it is read at a glance. */
export function timeLeft(expiresAt: number, now: number): string {
  const minutes = Math.ceil((expiresAt - now) / 60_000);
  return minutes <= 1 ? "Under a minute left" : `${minutes} min left`;
}
