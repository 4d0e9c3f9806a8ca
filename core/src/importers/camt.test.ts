import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ActivityEvent } from "../../../protocol/src/activity.ts";
import { camtAmount, camtDate, importCamt } from "./camt.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const amounts = (file: ReturnType<typeof importCamt>) => file.events.map((e) => Number(e.details.amount));
const cents = (values: number[]) => values.reduce((s, v) => s + Math.round(v * 100), 0) / 100;

// Statements written for Hearth in camt.053's own element names (test/fixtures/statements/camt; SOURCES.md there):
// made-up entries over more than a year, in the versions banks send (.02 and .08), with a batch, a pending entry,
// a reversal, an entry with no reference, and a Baltic bank's windows-1257. The public sample files are checked in
// real-samples.test.ts where they are on the machine.
const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/statements/camt/", import.meta.url));
const read = (name: string) => new Uint8Array(readFileSync(FIXTURES + name));

const WRITTEN: [file: string, count: number, account: string, first: [date: string, amount: number], sum: number, text: string][] = [
  ["camt053-001-02-batch-pending.xml", 5, "DE02100100100006820101", ["2024-12-02", -1250], 1807.15, "Hausverwaltung Größl & Söhne"],
  ["camt053-001-08-reversal.xml", 4, "EE382200221020145685", ["2025-01-05", 2310], 2308.5, "Näidis OÜ"],
  ["camt053-001-02-windows-1257.xml", 3, "LT601010012345678901", ["2024-12-31", -0.29], 1825.56, "Šiaulių įmonė UAB"],
];

describe("CAMT.053 import, on statements written for Hearth", () => {
  for (const [file, count, account, [date, amount], sum, name] of WRITTEN) {
    it(`${file}: ${count} transactions, summing to ${sum} EUR`, () => {
      const imported = importCamt(read(file));
      expect(imported.refused).toEqual([]);
      expect(imported.events).toHaveLength(count);
      expect(imported.accounts).toEqual([{ id: account, kind: "bank", currency: "EUR", transactions: count }]);
      for (const event of imported.events) expect(ActivityEvent.safeParse(event).success).toBe(true);
      expect(imported.events[0]).toMatchObject({ timestamp: `${date}T12:00:00Z`, details: { amount, currency: "EUR", account, layout: "camt053" } });
      expect(cents(amounts(imported))).toBe(sum);
      expect(imported.events.map((e) => e.description)).toContain(name);
      // Unique ids, the same on a second read: the server stores each entry once.
      const ids = imported.events.map((e) => e.event_id);
      expect(new Set(ids).size).toBe(count);
      expect(importCamt(read(file)).events.map((e) => e.event_id)).toEqual(ids);
    });
  }

  it("splits the SEPA batch into its two payments, skips the pending entry, and reads a late-evening card payment on its own date", () => {
    const imported = importCamt(read("camt053-001-02-batch-pending.xml"));
    expect(imported.events.slice(2, 4).map((e) => [e.event_id, e.description, e.details.amount])).toEqual([
      ["camt:DE02100100100006820101:2025110300003/STROM-11-2025", "Stadtwerke Müllheim", -64],
      ["camt:DE02100100100006820101:2025110300003/GEZ-11-2025", "Rundfunkbeitrag", -25.4],
    ]);
    expect(imported.skipped).toEqual([{ row: 5, reason: "entry 5: not booked yet (status PDNG)" }]);
    expect(imported.events[4]).toMatchObject({ timestamp: "2026-01-30T12:00:00Z", description: "Kartenzahlung Bäckerei Weiß, Freiburg" });
    // Two remittance lines are joined.
    expect(imported.events[1]?.details.memo).toBe("Gehalt Juni 2025 Personalnr. 4711");
  });

  it("gives a card payment's reversal back as money in, named after the shop, and fingerprints an entry with no reference", () => {
    const events = importCamt(read("camt053-001-08-reversal.xml")).events;
    expect(events.slice(1, 3).map((e) => [e.description, e.details.amount, e.details.reversal ?? false])).toEqual([
      ["Õismäe Rimi", -45.99, false],
      ["Õismäe Rimi", 45.99, true],
    ]);
    expect(events[3]?.event_id).toMatch(/^camt:EE382200221020145685:h[0-9a-f]+$/);
  });

  it("reads a windows-1257 file's Lithuanian text exactly", () => {
    const events = importCamt(read("camt053-001-02-windows-1257.xml")).events;
    expect(events.map((e) => e.details.memo)).toEqual(["Sąskaitos aptarnavimo mokestis", "Atlyginimas už birželį", "Pirkinys Žirmūnų g."]);
  });
});

describe("what is not a CAMT.053 statement", () => {
  it("is refused, saying what it is", () => {
    const report = `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"><BkToCstmrAcctRpt><GrpHdr><MsgId>R</MsgId></GrpHdr></BkToCstmrAcctRpt></Document>`;
    expect(() => importCamt(bytes(report))).toThrow(/CAMT\.052 account report/);
    const weird = `<?xml version="1.0"?><Document xmlns="urn:weird-namespace"><BkToCstmrStmt><Stmt/></BkToCstmrStmt></Document>`;
    expect(() => importCamt(bytes(weird))).toThrow(/namespace "urn:weird-namespace"/);
    expect(() => importCamt(bytes("Date,Amount\n2026-01-01,5\n"))).toThrow(/no <Document> element/);
    expect(() => importCamt(bytes("<Document><BkToCstmrStmt><Stmt>"))).toThrow(/not a readable XML file/);
  });

  it("is refused when it declares a DOCTYPE or entities, before a single one is expanded", () => {
    // A real statement with entity declarations slipped in: a few such lines can expand to gigabytes.
    const statement = new TextDecoder().decode(read("camt053-001-08-reversal.xml"));
    const laughs = '<!DOCTYPE Document [<!ENTITY a "hahahahahahahahahaha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>';
    const withDoctype = statement.replace(/(<\?xml[^>]*\?>)?/, (declaration) => `${declaration}${laughs}`).replace("Näidis OÜ", "&b;");
    expect(() => importCamt(bytes(withDoctype))).toThrow(/declares a DOCTYPE or entities/);
    const entityOnly = statement.replace("<Document", '<!ENTITY x "y"><Document');
    expect(() => importCamt(bytes(entityOnly))).toThrow(/declares a DOCTYPE or entities/);
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
    // Banks that keep the original payment's parties name the payee as creditor; the account holder is the debtor.
    const kept = reversal.replace("<Dbtr><Nm>Streaming AB</Nm></Dbtr>", "<Dbtr><Nm>Eva Holder</Nm></Dbtr><Cdtr><Nm>Streaming AB</Nm></Cdtr>");
    expect(importCamt(statement("04", stmt("SE4550000000058398257466", kept))).events[0]).toMatchObject({ description: "Streaming AB" });
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

  it("gives entries with no reference at all a stable fingerprint, apart for identical ones", () => {
    const coffee = entry(`<Amt Ccy="EUR">3.20</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-03</Dt></BookgDt><NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><RltdPties><Cdtr><Nm>Kafé Ödla</Nm></Cdtr></RltdPties></TxDtls></NtryDtls>`);
    const file = statement("02", stmt("SE4550000000058398257466", coffee + coffee));
    const ids = importCamt(file).events.map((e) => e.event_id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toMatch(/^camt:SE4550000000058398257466:h[0-9a-f]{20}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(importCamt(file).events.map((e) => e.event_id)).toEqual(ids);
  });

  it("reads a prefixed Document with a byte-order mark, and Latin-1 text in a file that says so", () => {
    const body = `<ns2:Document xmlns:ns2="urn:iso:std:iso:20022:tech:xsd:camt.053.001.10"><ns2:BkToCstmrStmt><ns2:Stmt><ns2:Acct><ns2:Id><ns2:IBAN>FR7630006000011234567890189</ns2:IBAN></ns2:Id><ns2:Ccy>EUR</ns2:Ccy></ns2:Acct>
      <ns2:Ntry><ns2:Amt Ccy="EUR">42.00</ns2:Amt><ns2:CdtDbtInd>DBIT</ns2:CdtDbtInd><ns2:Sts><ns2:Cd>BOOK</ns2:Cd></ns2:Sts><ns2:BookgDt><ns2:Dt>2026-03-09</ns2:Dt></ns2:BookgDt><ns2:AcctSvcrRef>P-1</ns2:AcctSvcrRef><ns2:AddtlNtryInf>Crédit Agricole échéance</ns2:AddtlNtryInf></ns2:Ntry>
      </ns2:Stmt></ns2:BkToCstmrStmt></ns2:Document>`;
    const utf8 = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes(`<?xml version="1.0" encoding="UTF-8"?>${body}`)]);
    const [event] = importCamt(utf8).events;
    expect(event).toMatchObject({ event_id: "camt:FR7630006000011234567890189:P-1", description: "Crédit Agricole échéance", details: { amount: -42 } });
    const latin1 = new Uint8Array([...`<?xml version="1.0" encoding="ISO-8859-1"?>${body}`].map((c) => c.charCodeAt(0)));
    expect(importCamt(latin1).events[0]?.description).toBe("Crédit Agricole échéance");
    // Windows-1257, as Baltic banks declare it: ą is 0xE0 there (à in Windows-1252).
    const baltic = `<?xml version="1.0" encoding="windows-1257"?>${body.replace("Crédit Agricole échéance", "Mokestis už sąskaitą")}`;
    const encoded = new Uint8Array([...baltic].map((c) => ({ ą: 0xe0, ž: 0xfe, š: 0xf0 })[c] ?? c.charCodeAt(0)));
    expect(importCamt(encoded).events[0]?.description).toBe("Mokestis už sąskaitą");
    expect(() => importCamt(bytes(body.replace("camt.053.001.10", "camt.053.001.14")))).toThrow(/camt\.053\.001\.02 to \.13/);
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
