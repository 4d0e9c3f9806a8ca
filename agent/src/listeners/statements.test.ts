import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ActivityEvent } from "#protocol";
import { silentLogger } from "../log.ts";
import { openStateDb } from "../store/db.ts";
import { privacyFilter } from "./privacy.ts";
import { categorise, StatementsListener } from "./statements.ts";

const OFX = (fitid: string, amount: string, name: string) => `OFXHEADER:100
DATA:OFXSGML
VERSION:102

<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKACCTFROM><ACCTID>1234</BANKACCTFROM>
<BANKTRANLIST><STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261005<TRNAMT>${amount}<FITID>${fitid}<NAME>${name}</STMTTRN></BANKTRANLIST>
</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>`;

let dir: string;
let folder: string;
let recorded: ActivityEvent[][];
let warnings: string[];

function listener(extra: Partial<ConstructorParameters<typeof StatementsListener>[0]> = {}) {
  return new StatementsListener({
    folder,
    rules: [{ match: "AMZN*", category: "shopping" }],
    mappings: [],
    db: openStateDb(join(dir, "state.db")),
    log: { ...silentLogger, warn: (_event: string, message: string) => void warnings.push(message) },
    record: (events) => recorded.push(events),
    ...extra,
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hearth-statements-"));
  folder = join(dir, "Statements");
  mkdirSync(folder);
  recorded = [];
  warnings = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the statements listener", () => {
  it("imports each statement once, with categories from the merchant rules", () => {
    writeFileSync(join(folder, "october.ofx"), OFX("F1", "-42.10", "AMZN Mktp US"));
    writeFileSync(join(folder, "notes.txt"), "not a statement");
    const statements = listener();
    expect(statements.scan()).toBe(1);
    expect(recorded[0]?.[0]).toMatchObject({ event_id: "ofx:1234:F1", details: { amount: -42.1, currency: "USD", merchant: "AMZN Mktp US", category: "shopping" } });
    expect(statements.scan()).toBe(0); // same bytes: skipped
    writeFileSync(join(folder, "october.ofx"), OFX("F2", "-5.00", "Corner Cafe"));
    expect(statements.scan()).toBe(1); // new bytes: read again (the server keeps each transaction once)
    expect(recorded[1]?.[0]?.details.category).toBeUndefined();
  });

  it("says why a file is refused, and goes on with the others", () => {
    writeFileSync(join(folder, "broken.qfx"), "this is not OFX");
    writeFileSync(join(folder, "good.ofx"), OFX("F3", "12.00", "Refund"));
    expect(listener().scan()).toBe(1);
    expect(warnings.join(" ")).toMatch(/broken\.qfx was not imported: .*no <OFX> element/);
  });

  it("picks up a file dropped into the folder while it runs", async () => {
    const statements = listener();
    statements.start();
    try {
      writeFileSync(join(folder, "late.ofx"), OFX("F4", "-1.00", "Bus"));
      for (let i = 0; i < 50 && recorded.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(recorded.flat().map((e) => e.event_id)).toEqual(["ofx:1234:F4"]);
    } finally {
      statements.stop();
    }
  });

  it("matches merchant rules without case, with * anywhere", () => {
    const rules = [
      { match: "amzn*", category: "shopping" },
      { match: "*uber*", category: "transport" },
    ];
    expect(categorise("AMZN Mktp US", rules)).toBe("shopping");
    expect(categorise("PAYPAL *UBER TRIP", rules)).toBe("transport");
    expect(categorise("Corner (Cafe) [x]", rules)).toBeNull();
  });
});

describe("the privacy gate", () => {
  it("drops a disabled application's events on the machine, whatever its case", () => {
    const event = (application: string): ActivityEvent => ({ event_id: application, activity_type: "browser", timestamp: "2026-10-05T12:00:00Z", application, details: {} });
    const allowed = privacyFilter(["Banking App", " chrome "]);
    expect(allowed([event("banking app"), event("Chrome"), event("Firefox")]).map((e) => e.application)).toEqual(["Firefox"]);
  });
});
