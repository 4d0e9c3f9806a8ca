import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ActivityEvent, ImportProfile } from "#protocol";
import { silentLogger } from "../log.ts";
import { openStateDb } from "../store/db.ts";
import { ImportProfiles } from "../store/import-profiles.ts";
import { privacyFilter } from "./privacy.ts";
import { categorise, StatementsListener } from "./statements.ts";

const OFX = (fitid: string, amount: string, name: string) => `OFXHEADER:100
DATA:OFXSGML
VERSION:102

<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKACCTFROM><ACCTID>1234</BANKACCTFROM>
<BANKTRANLIST><STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261005<TRNAMT>${amount}<FITID>${fitid}<NAME>${name}</STMTTRN></BANKTRANLIST>
</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>`;

/** A Dutch export (an Af/Bij indicator beside always-positive amounts, in Windows-1252) no preset knows. */
const DUTCH = (...rows: string[]) =>
  Uint8Array.from(['"Boekdatum";"Tegenpartij";"Af/Bij";"Bedrag";"Saldo"', ...rows].join("\r\n") + "\r\n", (char) => char.charCodeAt(0));
const PROFILE: ImportProfile = {
  id: "p1",
  name: "ING NL",
  account: "Joint",
  header_cells: ["Boekdatum", "Tegenpartij", "Af/Bij", "Bedrag", "Saldo"],
  layout: {
    encoding: "windows-1252",
    delimiter: ";",
    decimal: ",",
    thousands: ".",
    date_order: "DMY",
    header: true,
    skip_lines: 0,
    date: "Boekdatum",
    description: ["Tegenpartij"],
    sign: { kind: "indicator", amount: "Bedrag", indicator: "Af/Bij", debit_values: ["Af"], credit_values: ["Bij"] },
    default_currency: "EUR",
    balance: "Saldo",
  },
  created_at: 1,
  updated_at: 1,
};

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

  it("leaves a CSV in an unknown layout waiting with what to do, and reads it once a profile for it arrives", () => {
    const db = openStateDb(join(dir, "state.db"));
    const profiles = new ImportProfiles(db);
    writeFileSync(join(folder, "october.csv"), DUTCH('"03-10-2026";"Caf\xe9 de Jaren";"Af";"23,10";"1.476,90"', '"05-10-2026";"Werkgever BV";"Bij";"2.500,00";"3.976,90"'));
    const statements = listener({ db, profiles: () => profiles.current() });
    expect(statements.scan()).toBe(0);
    expect(warnings.join(" ")).toMatch(/october\.csv was not imported: Hearth does not know its layout \(header: Boekdatum, Tegenpartij, Af\/Bij, Bedrag, Saldo\)\. Upload it once in the web app/);
    expect(statements.scan()).toBe(0); // not read (nor logged) again until something changes
    expect(warnings).toHaveLength(1);

    expect(profiles.replace([PROFILE])).toBe(true);
    expect(statements.profilesChanged()).toBe(2);
    const events = recorded.flat();
    expect(events.map((e) => [e.timestamp.slice(0, 10), e.details.amount, e.details.currency, e.details.account])).toEqual([
      ["2026-10-03", -23.1, "EUR", "Joint"],
      ["2026-10-05", 2500, "EUR", "Joint"],
    ]);
    expect(events[0]?.description ?? events[0]?.details.merchant).toBe("Café de Jaren");
    expect(statements.profilesChanged()).toBe(0); // nothing was waiting
  });

  it("keeps the profiles the relay sent across a restart, and ignores a set that did not change", () => {
    const path = join(dir, "state.db");
    const first = openStateDb(path);
    const kept = new ImportProfiles(first);
    expect(kept.current()).toEqual([]);
    expect(kept.replace([PROFILE])).toBe(true);
    expect(kept.replace([PROFILE])).toBe(false);
    first.close();
    const again = new ImportProfiles(openStateDb(path));
    expect(again.current()).toEqual([PROFILE]);
  });

  it("still reads with config.json's old csv_mappings", () => {
    writeFileSync(join(folder, "bank.csv"), "Booked,Payee,Value\n2026-10-01,Corner grocer,-23.10\n2026-10-02,Bakery,-3.20\n");
    const statements = listener({
      mappings: [{ id: "mine", label: "My bank", needs: ["Booked", "Value"], date: "Booked", order: "YMD", amount: "Value", description: "Payee", default_currency: "CHF" }],
    });
    expect(statements.scan()).toBe(2);
    expect(recorded.flat().map((e) => [e.details.amount, e.details.currency])).toEqual([
      [-23.1, "CHF"],
      [-3.2, "CHF"],
    ]);
  });

  it("matches merchant rules without case, with * anywhere", () => {
    const rules = [
      { match: "amzn*", category: "shopping" },
      { match: "*uber*", category: "transport" },
    ];
    expect(categorise("AMZN Mktp US", rules)).toBe("shopping");
    expect(categorise("PAYPAL *UBER TRIP", rules)).toBe("transport");
    expect(categorise("Corner (Cafe) [x]", rules)).toBeNull();
    // The server's wildcard rule's reading: whitespace collapsed, regex signs literal.
    expect(categorise("  amzn   mktp ", rules)).toBe("shopping");
    expect(categorise("Corner (Cafe) [x]", [{ match: "corner (cafe)*", category: "coffee" }])).toBe("coffee");
  });

  it("matches a rule full of * against a long description at once (no backtracking)", () => {
    const rules = [{ match: `${"*a".repeat(99)}*b`, category: "never" }];
    const started = performance.now();
    expect(categorise("a".repeat(2000), rules)).toBeNull();
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe("the privacy gate", () => {
  it("drops a disabled application's events on the machine, whatever its case", () => {
    const event = (application: string): ActivityEvent => ({ event_id: application, activity_type: "browser", timestamp: "2026-10-05T12:00:00Z", application, details: {} });
    const allowed = privacyFilter(["Banking App", " chrome "]);
    expect(allowed([event("banking app"), event("Chrome"), event("Firefox")]).map((e) => e.application)).toEqual(["Firefox"]);
  });
});
