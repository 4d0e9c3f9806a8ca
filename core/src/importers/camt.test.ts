import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ActivityEvent } from "../../../protocol/src/activity.ts";
import { camtAmount, camtDate, importCamt } from "./camt.ts";
import { fixturesDir } from "./fixtures.ts";

const read = (name: string) => new Uint8Array(readFileSync(join(fixturesDir(), "statements", "camt", name)));
const bytes = (text: string) => new TextEncoder().encode(text);
const amounts = (file: ReturnType<typeof importCamt>) => file.events.map((e) => Number(e.details.amount));
const cents = (values: number[]) => values.reduce((s, v) => s + Math.round(v * 100), 0) / 100;

// What each real-world file holds (see ../shared/fixtures/statements/SOURCES.md): entries, account, currency,
// the first entry's date and signed amount, and the sum of all signed amounts (checked against Python's
// xml.etree reading of the same files).
const EXPECTED: [file: string, count: number, account: string, currency: string, first: [date: string, amount: number], sum: number][] = [
  ["ofxstatement-iso20022_camt053.xml", 1, "0035-2915203-10-000", "CHF", ["2023-01-25", 1284.3], 1284.3],
  ["ofxstatement-iso20022_davider80.xml", 16, "CHxxxxxxxxxxxxxxxxxxx", "CHF", ["2017-04-01", -905.3], -3679.85],
  ["ofxstatement-iso20022_gcamp6.xml", 5, "CH2609000000924238861", "XXX", ["2016-04-23", 10000], 13010],
  ["ofxstatement-iso20022_simple.xml", 4, "LT000000000000000000", "EUR", ["2015-12-31", -0.29], -181.01],
];

describe("CAMT.053 import, on real-world files", () => {
  for (const [file, count, account, currency, [date, amount], sum] of EXPECTED) {
    it(`${file}: ${count} entries in ${currency}, summing to ${sum}`, () => {
      const imported = importCamt(read(file));
      expect(imported.events).toHaveLength(count);
      expect(imported.refused).toEqual([]);
      expect(imported.accounts).toEqual([{ id: account, kind: "bank", currency, transactions: count }]);
      for (const event of imported.events) expect(ActivityEvent.safeParse(event).success).toBe(true);
      expect(imported.events[0]).toMatchObject({ timestamp: `${date}T12:00:00Z`, details: { amount, currency, account } });
      expect(cents(amounts(imported))).toBe(sum);
      // The same file again gives the same ids, each unique: the server stores each entry once.
      const ids = imported.events.map((e) => e.event_id);
      expect(new Set(ids).size).toBe(count);
      expect(importCamt(read(file)).events.map((e) => e.event_id)).toEqual(ids);
    });
  }

  it("describes an entry by the other party and the remittance text, accents intact", () => {
    const [fee] = importCamt(read("ofxstatement-iso20022_simple.xml")).events;
    expect(fee).toMatchObject({ description: "AB DNB Bankas", details: { merchant: "AB DNB Bankas", memo: "Sąskaitos aptarnavimo mokestis" } });
    expect(fee?.event_id).toBe("camt:LT000000000000000000:FC1261858984");
    const [salary] = importCamt(read("ofxstatement-iso20022_camt053.xml")).events;
    // camt.053.001.08 wraps the debtor's name in <Pty>.
    expect(salary).toMatchObject({ description: "PAYEE", details: { merchant: "PAYEE", memo: "PAYMENT INFO", type: "PMNT/RCDT/DMCT" } });
  });

  it("reads a booking date written with its time zone (2017-04-01+02:00) as that calendar date", () => {
    const dates = importCamt(read("ofxstatement-iso20022_davider80.xml")).events.map((e) => e.timestamp.slice(0, 10));
    expect(dates[0]).toBe("2017-04-01");
    expect(dates.every((d) => /^2017-04-\d\d$/.test(d))).toBe(true);
  });

  it("refuses what is not a CAMT.053 statement, saying what it is", () => {
    expect(() => importCamt(read("ofxstatement-iso20022_camt052_not_a_statement.xml"))).toThrow(/CAMT\.052 account report/);
    expect(() => importCamt(read("ofxstatement-iso20022_unsupported.xml"))).toThrow(/namespace "urn:weird-namespace"/);
    expect(() => importCamt(bytes("Date,Amount\n2026-01-01,5\n"))).toThrow(/no <Document> element/);
    expect(() => importCamt(bytes("<Document><BkToCstmrStmt><Stmt>"))).toThrow(/not a readable XML file/);
  });
});

// Small statements written for the cases the public samples lack. Each is built from the element names of
// ISO 20022's camt.053 schema, in the version named.
const statement = (version: string, body: string) =>
  bytes(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.${version}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-03-02T06:00:00</CreDtTm></GrpHdr>${body}</BkToCstmrStmt></Document>`);
const stmt = (iban: string, entries: string) => `<Stmt><Id>S-${iban}</Id><Acct><Id><IBAN>${iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>${entries}</Stmt>`;
const entry = (inner: string) => `<Ntry>${inner}</Ntry>`;

describe("CAMT.053 entries the samples lack", () => {
  it("reads several statements in one file, and stores an entry repeated in two of them once", () => {
    const rent = entry(`<Amt Ccy="EUR">950.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-01</Dt></BookgDt><AcctSvcrRef>R-1</AcctSvcrRef>
      <NtryDtls><TxDtls><RltdPties><Cdtr><Nm>Huisbaas B.V.</Nm></Cdtr></RltdPties><RmtInf><Ustrd>Huur maart</Ustrd></RmtInf></TxDtls></NtryDtls>`);
    const card = entry(`<Amt Ccy="EUR">12.40</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><DtTm>2026-03-02T23:30:00+01:00</DtTm></BookgDt><AcctSvcrRef>R-2</AcctSvcrRef><AddtlNtryInf>Bäckerei Müller</AddtlNtryInf>`);
    const imported = importCamt(statement("02", stmt("NL91ABNA0417164300", rent + card) + stmt("NL91ABNA0417164300", card) + stmt("DE89370400440532013000", rent)));
    expect(imported.events.map((e) => [e.event_id, e.timestamp.slice(0, 10), e.details.amount, e.description])).toEqual([
      ["camt:NL91ABNA0417164300:R-1", "2026-03-01", -950, "Huisbaas B.V."],
      ["camt:NL91ABNA0417164300:R-2", "2026-03-02", -12.4, "Bäckerei Müller"],
      ["camt:DE89370400440532013000:R-1", "2026-03-01", -950, "Huisbaas B.V."],
    ]);
    expect(imported.skipped).toEqual([{ row: 3, reason: "statement 2, entry 1: the same entry as row 2 (R-2), in a second statement of this file" }]);
    expect(imported.accounts.map((a) => [a.id, a.transactions])).toEqual([
      ["NL91ABNA0417164300", 2],
      ["DE89370400440532013000", 1],
    ]);
  });

  it("splits a batch into its payments when each has an amount, and keeps it whole when they do not", () => {
    const detail = (ref: string, amount: string, name: string) =>
      `<TxDtls><Refs><EndToEndId>${ref}</EndToEndId></Refs><Amt Ccy="EUR">${amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><RltdPties><Dbtr><Pty><Nm>${name}</Nm></Pty></Dbtr></RltdPties></TxDtls>`;
    const batch = entry(`<Amt Ccy="EUR">75.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-03-05</Dt></BookgDt><AcctSvcrRef>B-9</AcctSvcrRef>
      <NtryDtls><Btch><NbOfTxs>2</NbOfTxs></Btch>${detail("E1", "50.00", "Anna")}${detail("E2", "25.00", "Jonas")}</NtryDtls>`);
    const split = importCamt(statement("08", stmt("LT601010012345678901", batch)));
    expect(split.events.map((e) => [e.event_id, e.details.amount, e.description])).toEqual([
      ["camt:LT601010012345678901:B-9/E1", 50, "Anna"],
      ["camt:LT601010012345678901:B-9/E2", 25, "Jonas"],
    ]);
    expect(split.rows).toEqual([1, 1]);

    const noAmounts = entry(`<Amt Ccy="EUR">75.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-03-05</Dt></BookgDt><AcctSvcrRef>B-9</AcctSvcrRef>
      <AddtlNtryInf>SEPA collection, 2 payments</AddtlNtryInf><NtryDtls><TxDtls><Refs><EndToEndId>E1</EndToEndId></Refs></TxDtls><TxDtls><Refs><EndToEndId>E2</EndToEndId></Refs></TxDtls></NtryDtls>`);
    const whole = importCamt(statement("13", stmt("LT601010012345678901", noAmounts)));
    expect(whole.events.map((e) => [e.event_id, e.details.amount, e.description])).toEqual([["camt:LT601010012345678901:B-9", 75, "SEPA collection, 2 payments"]]);
  });

  it("signs a reversal by its own indicator and marks it", () => {
    const reversal = entry(`<Amt Ccy="EUR">19.99</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-07</Dt></BookgDt><AcctSvcrRef>V-1</AcctSvcrRef>
      <NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Streaming AB</Nm></Dbtr></RltdPties></TxDtls></NtryDtls>`);
    const [event] = importCamt(statement("04", stmt("SE4550000000058398257466", reversal))).events;
    expect(event).toMatchObject({ description: "Streaming AB", details: { amount: 19.99, reversal: true } });
  });

  it("skips pending entries, refuses unreadable ones with their place and reason, and reads the rest", () => {
    const good = entry(`<Amt Ccy="EUR">5.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-01</Dt></BookgDt><AcctSvcrRef>G</AcctSvcrRef>`);
    const imported = importCamt(
      statement(
        "06",
        stmt(
          "FI2112345600000785",
          [
            good,
            entry(`<Amt Ccy="EUR">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>PDNG</Sts><BookgDt><Dt>2026-03-02</Dt></BookgDt>`),
            entry(`<Amt Ccy="EUR">-3.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2026-03-02</Dt></BookgDt>`),
            entry(`<Amt Ccy="EUR">3.00</Amt><CdtDbtInd>DEBIT</CdtDbtInd><BookgDt><Dt>2026-03-02</Dt></BookgDt>`),
            entry(`<Amt Ccy="EUR">3.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2026-02-30</Dt></BookgDt>`),
            entry(`<Amt Ccy="EUR">3.00</Amt><CdtDbtInd>DBIT</CdtDbtInd></Ntry><Ntry><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2026-03-02</Dt></BookgDt>`),
          ].join(""),
        ),
      ),
    );
    expect(imported.events).toHaveLength(1);
    expect(imported.skipped).toEqual([{ row: 2, reason: "entry 2: not booked yet (status PDNG)" }]);
    expect(imported.refused).toEqual([
      { row: 3, reason: 'entry 3: its amount "-3.00" is not a number' },
      { row: 4, reason: 'entry 4: its credit/debit indicator "DEBIT" is neither CRDT nor DBIT' },
      { row: 5, reason: "entry 5: its date 2026-02-30 is not a real date" },
      { row: 6, reason: "entry 6: it has no booking or value date" },
      { row: 7, reason: "entry 7: it has no amount (Amt)" },
    ]);
  });

  it("gives entries without any reference a stable fingerprint, apart for identical ones", () => {
    const coffee = entry(`<Amt Ccy="EUR">3.20</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-03</Dt></BookgDt><NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><RltdPties><Cdtr><Nm>Kafé Ödla</Nm></Cdtr></RltdPties></TxDtls></NtryDtls>`);
    const file = statement("02", stmt("SE4550000000058398257466", coffee + coffee));
    const ids = importCamt(file).events.map((e) => e.event_id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toMatch(/^camt:SE4550000000058398257466:h[0-9a-f]{20}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(importCamt(file).events.map((e) => e.event_id)).toEqual(ids);
  });

  it("reads dates and amounts strictly", () => {
    expect(camtDate("2026-01-31")).toBe("2026-01-31");
    expect(camtDate("2017-04-01+02:00")).toBe("2017-04-01");
    expect(camtDate("2026-01-31T23:59:59.999Z")).toBe("2026-01-31");
    expect(camtDate("2026-02-29")).toBeNull();
    expect(camtDate("31.01.2026")).toBeNull();
    expect(camtAmount("905.3")).toBe(905.3);
    expect(camtAmount("38")).toBe(38);
    expect(camtAmount("-1.00")).toBeNull();
    expect(camtAmount("1,00")).toBeNull();
  });
});
