/**
 * User codes for the device flow: 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L, 5/S, 2/Z),
 * shown as ABCD-EFGH. 28^8 ≈ 3.8e11 codes; with 10-minute expiry and few tries per user, guessing is hopeless.
 */
const ALPHABET = "ABCDEFGHJKMNPQRTUVWXY3456789";

export function newUserCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  // 256 % 28 = 4, so a plain modulo leaves a tiny bias toward the first 4 letters; acceptable for a short-lived code.
  return [...bytes].map((b) => ALPHABET.charAt(b % ALPHABET.length)).join("");
}

/** How a user code is shown and typed: ABCD-EFGH. */
export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

export const PAIRING_TTL_MS = 10 * 60_000;
/** Seconds between agent polls (RFC 8628 `interval`). */
export const POLL_INTERVAL_S = 2;
/** Wrong codes one user may enter in the window before 429. */
export const PAIR_MAX_FAILURES = 5;
export const PAIR_FAILURE_WINDOW_MS = 10 * 60_000;
