import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ActivityEvent } from "../../../protocol/src/activity.ts";
import { fixturesDir } from "./fixtures.ts";
import { importOfx, ofxAmount, ofxDate } from "./ofx.ts";

const read = (name: string) => new Uint8Array(readFileSync(join(fixturesDir(), "ofx", name)));

// What each real-world file holds (see ../shared/fixtures/SOURCES.md): transactions, currency, and the first
// transaction's id, date and amount.
const EXPECTED: [file: string, count: number, currency: string | null, first: [fitid: string, date: string, amount: number] | null][] = [
  ["beancountimport_amex_no_header.ofx", 3, "USD", ["320133280255184014", "2013-11-24", -143.94]],
  ["ofxgo_bmo_creditcard_no_header_newline.qfx", 1, "CAD", ["2380370270281083201810302054456", "2018-10-30", 2042.24]],
  ["ofxgo_wellsfargo_single_line.qfx", 1, "USD", ["202012011", "2020-12-01", -12.34]],
  ["ofxparse_anzcc_v203_xml_creditcard_aud.ofx", 1, "AUD", ["201705080001", "2017-05-08", -5.5]],
  ["ofxparse_checking_v102_sgml.ofx", 3, "USD", ["0000486", "2011-03-31", 0.01]],
  ["ofxparse_suncorp_v200_xml_crlf_aud.ofx", 1, "AUD", ["1", "2013-12-15", -16.85]],
  ["ofxtools_nubank_creditcard_brl.ofx", 6, "BRL", ["11111111-UUID-4747-8883-111111111111", "2024-03-23", -13]],
  ["redsimporters_capitalone360_ofx_pi_no_xmldecl.qfx", 4, "USD", ["202302283828", "2023-02-28", 0.01]],
  ["redsimporters_n26_ofxstatement_header_in_comment_eur.ofx", 1, "EUR", ["fitid", "2025-05-03", -1.5]],
  ["rubyofx_amex_multi_statement_oneline.ofx", 15, "USD", ["320132560259369437", "2013-09-13", -169.92]],
  ["rubyofx_bancodobrasil_latin1_brl.ofx", 81, "BRL", ["20100826183630", "2010-08-26", -836.3]],
  ["rubyofx_creditcard_crlf.ofx", 3, "USD", ["xx", "2007-05-10", -19.17]],
  ["rubyofx_v211_bank_and_creditcard.ofx", 3, "USD", ["219378", "2005-08-24", -80]],
  ["ofxparse_multiple_accounts_v211.ofx", 0, null, null],
];

describe("OFX and QFX import, on real-world files", () => {
  for (const [file, count, currency, first] of EXPECTED) {
    it(`${file}: ${count} transactions${currency ? ` in ${currency}` : ""}`, () => {
      const imported = importOfx(read(file));
      expect(imported.events).toHaveLength(count);
      expect(imported.refused).toEqual([]);
      for (const event of imported.events) expect(ActivityEvent.safeParse(event).success).toBe(true);
      if (first) {
        const [fitid, date, amount] = first;
        expect(imported.events[0]).toMatchObject({ timestamp: `${date}T12:00:00Z`, details: { fitid, amount, currency } });
      }
      // Importing the same file again gives the same ids: the server stores each transaction once.
      expect(importOfx(read(file)).events.map((e) => e.event_id)).toEqual(imported.events.map((e) => e.event_id));
    });
  }

  it("reads Latin-1 text that claims to be ASCII", () => {
    const memos = importOfx(read("rubyofx_bancodobrasil_latin1_brl.ofx")).events.map((e) => JSON.stringify(e));
    expect(memos.some((m) => m.includes("CARTÃO"))).toBe(true);
  });

  it("keeps both accounts of a multi-account file, and both kinds in a bank + card file", () => {
    expect(importOfx(read("ofxparse_multiple_accounts_v211.ofx")).accounts.map((a) => a.id)).toEqual(["9100", "9200"]);
    const mixed = importOfx(read("rubyofx_v211_bank_and_creditcard.ofx")).accounts;
    expect(mixed.map((a) => [a.kind, a.transactions])).toEqual([
      ["bank", 1],
      ["creditcard", 2],
    ]);
  });

  it("refuses rows with a missing, empty or impossible date, with the reason", () => {
    const imported = importOfx(read("ofxparse_date_missing_crlf.ofx"));
    expect(imported.events).toEqual([]);
    expect(imported.refused.map((r) => r.reason)).toEqual([
      "it has no posting date (DTPOSTED)",
      "its posting date (DTPOSTED) is empty",
      "its posting date 20120231 is not a real date",
    ]);
  });

  it("gives a transaction without a FITID a stable id of its own", () => {
    const [event] = importOfx(read("ofxparse_v102_empty_tags.ofx")).events;
    expect(event).toMatchObject({ timestamp: "2018-05-07T12:00:00Z", details: { amount: 12.34, currency: "AUD" } });
    expect(event?.event_id).toMatch(/^ofx:.+:h[0-9a-f]{20}$/);
  });

  it("refuses what is not an OFX statement", () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    expect(() => importOfx(bytes("Date,Amount\n2026-01-01,5\n"))).toThrow(/no <OFX> element/);
    expect(() => importOfx(bytes("<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</STATUS></SONRS></SIGNONMSGSRSV1></OFX>"))).toThrow(/no bank or credit card statement/);
    expect(() => importOfx(new Uint8Array([0xff, 0xfe, 0x00, 0x01]))).toThrow(/no <OFX> element/);
  });

  it("reads OFX dates and amounts strictly", () => {
    expect(ofxDate("20260131")).toBe("2026-01-31");
    expect(ofxDate("20260131120000.000[-5:EST]")).toBe("2026-01-31");
    expect(ofxDate("20260230")).toBeNull();
    expect(ofxDate("2026-01-31")).toBeNull();
    expect(ofxAmount("-12.0")).toBe(-12);
    expect(ofxAmount("+3.50")).toBe(3.5);
    expect(ofxAmount("1,25")).toBe(1.25);
    expect(ofxAmount("12 USD")).toBeNull();
  });
});
