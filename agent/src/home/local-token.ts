import { chmodSync, existsSync, readFileSync } from "node:fs";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { writePrivateFile } from "./private-file.ts";

/** Reads the local endpoint's token, creating it (mode 0600) on first use. */
export function ensureLocalToken(path: string): string {
  if (existsSync(path)) {
    const token = readFileSync(path, "utf8").trim();
    if (token.length >= 32) {
      // Someone may have loosened the mode; the token is only as private as the file.
      chmodSync(path, 0o600);
      return token;
    }
  }
  const token = randomBytes(32).toString("base64url");
  writePrivateFile(path, `${token}\n`);
  return token;
}

/** Compares tokens in constant time, so timing does not leak how much of a guess was right. */
export function tokensEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
