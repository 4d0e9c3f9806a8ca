import type { ImportedStatement } from "./ofx.ts";

// ISO 20022 CAMT.053 bank-to-customer statements (issue 19): filled in by its owner.
export function importCamt(bytes: Uint8Array, source: string): ImportedStatement {
  void bytes;
  void source;
  throw new Error("CAMT.053 statements are not read yet.");
}
