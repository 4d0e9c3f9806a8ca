import { describe, expect, it } from "vitest";
import type { InstallPairing } from "./install-links.ts";
import { keepsPolling, phaseOf, sameCode, timeLeft } from "./install-phase.ts";

// What the Add a computer dialog shows at each step of the install line's pairing.

const now = Date.UTC(2026, 11, 6, 10, 0, 0);
const expiresAt = now + 30 * 60_000;
const pairing = (status: InstallPairing["status"], device_id: string | null = null): InstallPairing => ({
  user_code: "ABCD-EFGH",
  name: "Work laptop",
  platform: "linux-x64",
  agent_version: "0.1.0",
  started_at: now - 5_000,
  started_from: { ip: "127.0.0.1", place: null },
  status,
  device_id,
});
const base = { expiresAt, status: null, gone: false, approvedCode: null, now };
const withPairing = (p: InstallPairing | null) => ({ ...base, status: { expires_at: expiresAt, pairing: p } });

describe("the install dialog's steps", () => {
  it("makes the line, then waits for a computer to run it", () => {
    expect(phaseOf({ ...base, expiresAt: null })).toEqual({ kind: "creating" });
    expect(phaseOf(base)).toEqual({ kind: "waiting" });
    expect(phaseOf(withPairing(null))).toEqual({ kind: "waiting" });
  });

  it("shows a pairing to approve, then the approval (at once, before the next poll), then the device", () => {
    expect(phaseOf(withPairing(pairing("pending")))).toMatchObject({ kind: "pending", pairing: { name: "Work laptop" } });
    expect(phaseOf({ ...withPairing(pairing("pending")), approvedCode: "ABCD-EFGH" })).toEqual({ kind: "approved", name: "Work laptop" });
    expect(phaseOf(withPairing(pairing("approved")))).toEqual({ kind: "approved", name: "Work laptop" });
    expect(phaseOf(withPairing(pairing("consumed", "dev-1")))).toEqual({ kind: "connected", name: "Work laptop", deviceId: "dev-1" });
  });

  it("an approval of another code does not approve a new pairing; the same code typed loosely does", () => {
    expect(phaseOf({ ...withPairing(pairing("pending")), approvedCode: "ZZZZ-ZZZZ" })).toMatchObject({ kind: "pending" });
    expect(phaseOf({ ...withPairing(pairing("pending")), approvedCode: "abcdefgh" })).toMatchObject({ kind: "approved" });
  });

  it("after a denial, says whom it turned away and that the line is used up, even once the line has expired", () => {
    expect(phaseOf(withPairing(pairing("denied")))).toEqual({ kind: "denied", name: "Work laptop" });
    expect(phaseOf({ ...withPairing(pairing("denied")), now: now + 31 * 60_000 })).toEqual({ kind: "denied", name: "Work laptop" });
  });

  it("an expired or forgotten line asks for a new one, unless a pairing it started is still under way", () => {
    const later = now + 31 * 60_000;
    expect(phaseOf({ ...base, now: later })).toEqual({ kind: "expired" });
    expect(phaseOf({ ...base, gone: true })).toEqual({ kind: "expired" });
    expect(phaseOf({ ...withPairing(pairing("pending")), now: later })).toMatchObject({ kind: "pending" });
    expect(phaseOf({ ...withPairing(pairing("approved")), now: later })).toMatchObject({ kind: "approved" });
  });

  it("stops asking the server once the device is there or the line is dead or used up", () => {
    expect(keepsPolling({ kind: "waiting" })).toBe(true);
    expect(keepsPolling({ kind: "approved", name: "x" })).toBe(true);
    expect(keepsPolling({ kind: "connected", name: "x", deviceId: "d" })).toBe(false);
    expect(keepsPolling({ kind: "expired" })).toBe(false);
    expect(keepsPolling({ kind: "denied", name: "x" })).toBe(false);
  });
});

describe("the time left on a line", () => {
  it("counts whole minutes up, and says so under a minute", () => {
    expect(timeLeft(expiresAt, now)).toBe("30 min left");
    expect(timeLeft(expiresAt, expiresAt - 61_000)).toBe("2 min left");
    expect(timeLeft(expiresAt, expiresAt - 59_000)).toBe("Under a minute left");
  });
});

describe("pairing codes", () => {
  it("match however they are written, and never when one is missing", () => {
    expect(sameCode("ABCD-EFGH", "abcd efgh")).toBe(true);
    expect(sameCode("ABCD-EFGH", "ABCD-EFGX")).toBe(false);
    expect(sameCode(null, null)).toBe(false);
  });
});
