import { createHash } from "node:crypto";
import { XMLParser } from "fast-xml-parser";
import type { ActivityEvent } from "../../../protocol/src/activity.ts";
import { camtDescription, camtReference, type Node, child, list, text } from "./camt-entry.ts";
import { decodeStatement } from "./decode.ts";
import type { ImportedStatement } from "./ofx.ts";

// ISO 20022 CAMT.053 bank-to-customer statements (the XML EU banks offer beside CSV), read like OFX: each booked
// entry (`Ntry`) becomes a financial event, signed by its credit/debit indicator, dated by its booking date, and
// described by the other party and the remittance text. A batch entry whose details each carry an amount that
// adds up to the entry's becomes one event per payment; otherwise the batch stays one event. The event id is the
// account and the bank's own reference, so a statement imported twice, or two statements that overlap, store
// each entry once; an entry with no reference gets a fingerprint of what it says. An entry that cannot be read
// is refused with its position and reason; a file that is not a CAMT.053 statement is refused whole.

/** camt.053.001.02 to .13: the versions banks send (the entry shape is the same in all of them). */
const NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d{2})$/;
const OTHER_MESSAGES: Readonly<Record<string, string>> = {
  BkToCstmrAcctRpt: "a CAMT.052 account report (an intraday view)",
  BkToCstmrDbtCdtNtfctn: "a CAMT.054 debit/credit notification",
};
const ARRAYS = new Set(["Stmt", "Ntry", "NtryDtls", "TxDtls", "Ustrd", "Strd", "Bal"]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (name) => ARRAYS.has(name),
});

/** `2023-01-25`, `2017-04-01+02:00` or `2023-01-25T10:00:00+01:00` → the calendar date as written, or null. */
export function camtDate(raw: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T+\-Z])/.exec(raw);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** An ISO 20022 amount: digits with an optional fraction, never signed (the indicator says the direction). */
export function camtAmount(raw: string): number | null {
  return /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : null;
}

const when = (node: Node | undefined): string => text(node?.Dt) || text(node?.DtTm);
/** An amount element `<Amt Ccy="EUR">12.50</Amt>`: its text and currency. */
const money = (value: unknown): { raw: string; currency: string } => {
  const node = list(value)[0];
  if (node) return { raw: text(node["#text"]), currency: text(node["@_Ccy"]) };
  return { raw: text(value), currency: "" };
};
const status = (entry: Node): string => text(child(entry, "Sts")?.Cd) || text(entry.Sts);

type Part = { amount: number; currency: string; details: Node | undefined; ref: string | null };

/** One event per detail when every detail has an amount in the entry's currency and they add up to the entry. */
function splitBatch(entry: Node, total: number, currency: string, sign: number): Part[] | null {
  const details = list(entry.NtryDtls).flatMap((d) => list(d.TxDtls));
  if (details.length < 2) return null;
  const parts: Part[] = [];
  for (const [index, detail] of details.entries()) {
    const own = money(detail.Amt ?? child(child(detail, "AmtDtls"), "TxAmt")?.Amt);
    const amount = camtAmount(own.raw);
    if (amount === null || (own.currency && own.currency !== currency)) return null;
    const indicator = text(detail.CdtDbtInd);
    const detailSign = indicator === "DBIT" ? -1 : indicator === "CRDT" ? 1 : sign;
    const ref = camtReference(detail);
    parts.push({ amount: detailSign * amount, currency, details: detail, ref: ref ? `${ref}` : `#${index + 1}` });
  }
  const sum = parts.reduce((s, p) => s + p.amount, 0);
  return Math.abs(sum - sign * total) < 0.005 ? parts : null;
}

/** The namespace of the `<Document>` element (the parser drops namespaces, so it is read from the text). */
function documentNamespace(xml: string): string {
  const open = /<(?:([\w.-]+):)?Document\b[^>]*>/.exec(xml);
  if (!open) return "";
  const attribute = open[1] ? `xmlns:${open[1]}` : "xmlns";
  const found = new RegExp(`\\s${attribute.replace(/\./g, "\\.")}\\s*=\\s*["']([^"']*)["']`).exec(open[0]);
  return found?.[1]?.trim() ?? "";
}

/**
 * Statement bytes to text: strict UTF-8 first (a file that says Latin-1 but is valid UTF-8 is UTF-8), else the
 * encoding the XML declaration names (Baltic banks write windows-1257), else Windows-1252.
 */
function decodeXml(bytes: Uint8Array): string {
  const declared = /^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']/i.exec(new TextDecoder("windows-1252").decode(bytes.subarray(0, 200)))?.[1];
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    try {
      if (declared) return new TextDecoder(declared).decode(bytes);
    } catch {
      // a label TextDecoder does not know: the usual fallback
    }
    return decodeStatement(bytes);
  }
}

export function importCamt(bytes: Uint8Array, source = "CAMT.053 statement"): ImportedStatement {
  const xml = decodeXml(bytes);
  if (!/<(?:[\w.-]+:)?Document\b/.test(xml)) throw new Error("This is not an ISO 20022 CAMT.053 statement: it has no <Document> element.");
  // A bank's CAMT.053 never declares a DTD or entities; one that does could expand a few kilobytes into gigabytes.
  if (/<!(?:DOCTYPE|ENTITY)/i.test(xml)) throw new Error("This XML declares a DOCTYPE or entities, which a CAMT.053 statement from a bank never does; it was not read.");
  let root: Node;
  try {
    root = parser.parse(xml, true) as Node;
  } catch (error) {
    throw new Error(`This is not a readable XML file: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  }
  const document = child(root, "Document");
  if (!document) throw new Error("This is not an ISO 20022 CAMT.053 statement: it has no <Document> element.");
  const other = Object.keys(OTHER_MESSAGES).find((key) => key in document);
  if (other) throw new Error(`This is ${OTHER_MESSAGES[other]}, not a CAMT.053 statement; export the account statement (camt.053) instead.`);
  const namespace = documentNamespace(xml);
  const version = NAMESPACE.exec(namespace);
  if (namespace && (!version || Number(version[1]) < 2 || Number(version[1]) > 13)) {
    throw new Error(`Its namespace "${namespace}" is not a CAMT.053 version Hearth reads (camt.053.001.02 to .13).`);
  }
  const statements = list(child(document, "BkToCstmrStmt")?.Stmt);
  if (statements.length === 0) throw new Error("This CAMT.053 file holds no statement (<Stmt>).");

  const result: ImportedStatement = { events: [], rows: [], refused: [], skipped: [], accounts: [] };
  /** Each event's id, with the row, date and amount it was first read from. */
  const seen = new Map<string, { row: number; key: string }>();
  /** How often each (account, date, amount, description) was seen, for entries with no reference. */
  const repeats = new Map<string, number>();
  let row = 0;
  for (const [statementIndex, statement] of statements.entries()) {
    const acct = child(statement, "Acct");
    const acctId = child(acct, "Id");
    const account = text(acctId?.IBAN) || text(child(acctId, "Othr")?.Id) || "unknown";
    const accountCurrency = text(acct?.Ccy) || null;
    const summary = result.accounts.find((a) => a.id === account) ?? { id: account, kind: "bank" as const, currency: accountCurrency, transactions: 0 };
    if (!result.accounts.includes(summary)) result.accounts.push(summary);
    for (const [entryIndex, entry] of list(statement.Ntry).entries()) {
      row += 1;
      const where = statements.length > 1 ? `statement ${statementIndex + 1}, entry ${entryIndex + 1}` : `entry ${entryIndex + 1}`;
      const refuse = (reason: string) => result.refused.push({ row, reason: `${where}: ${reason}` });
      const amt = money(entry.Amt);
      const total = camtAmount(amt.raw);
      const currency = amt.currency || accountCurrency;
      const indicator = text(entry.CdtDbtInd);
      const rawDate = when(child(entry, "BookgDt")) || when(child(entry, "ValDt"));
      const date = camtDate(rawDate);
      const state = status(entry);
      if (state && state !== "BOOK") {
        result.skipped.push({ row, reason: `${where}: not booked yet (status ${state})` });
        continue;
      }
      if (!amt.raw) refuse("it has no amount (Amt)");
      else if (total === null) refuse(`its amount "${amt.raw}" is not a number`);
      else if (indicator !== "CRDT" && indicator !== "DBIT") refuse(`its credit/debit indicator "${indicator}" is neither CRDT nor DBIT`);
      else if (!rawDate) refuse("it has no booking or value date");
      else if (!date) refuse(`its date ${rawDate} is not a real date`);
      else if (!currency || !/^[A-Z]{3}$/.test(currency)) refuse("neither the entry nor the account says its currency");
      else {
        const sign = indicator === "DBIT" ? -1 : 1;
        const entryRef = camtReference(entry);
        const single = list(entry.NtryDtls).flatMap((d) => list(d.TxDtls));
        const parts = splitBatch(entry, total, currency, sign) ?? [
          { amount: sign * total, currency, details: single.length === 1 ? single[0] : undefined, ref: entryRef ?? (single.length === 1 && single[0] ? camtReference(single[0]) : null) },
        ];
        const reversal = text(entry.RvslInd) === "true";
        for (const part of parts) {
          const { name, remittance, text: description } = camtDescription(entry, part.details, part.amount < 0, reversal);
          const cents = Math.round(part.amount * 100);
          const key = [date, cents, description.trim().toLowerCase().replace(/\s+/g, " ")].join("\u0000");
          let ref = parts.length > 1 && entryRef ? `${entryRef}/${part.ref}` : part.ref;
          if (!ref) {
            // No reference anywhere: a fingerprint of what the entry says, and its place among identical ones.
            const n = (repeats.get(`${account}\u0000${key}`) ?? 0) + 1;
            repeats.set(`${account}\u0000${key}`, n);
            ref = `h${createHash("sha256").update(`${key}\u0000${n}`).digest("hex").slice(0, 20)}`;
          }
          let eventId = `camt:${account}:${ref}`.slice(0, 200);
          const earlier = seen.get(eventId);
          if (earlier && earlier.key === key) {
            result.skipped.push({ row, reason: `${where}: the same entry as row ${earlier.row} (${ref}), in a second statement of this file` });
            continue;
          }
          // A bank that reuses a reference for a different entry: keep both, apart.
          if (earlier) eventId = `${eventId.slice(0, 190)}~${row}`;
          seen.set(eventId, { row, key });
          result.rows.push(row);
          summary.transactions += 1;
          summary.currency ??= part.currency;
          const bankCode = [text(child(child(entry, "BkTxCd"), "Domn")?.Cd), text(child(child(child(entry, "BkTxCd"), "Domn"), "Fmly")?.Cd), text(child(child(child(entry, "BkTxCd"), "Domn"), "Fmly")?.SubFmlyCd)].filter(Boolean).join("/");
          const event: ActivityEvent = {
            event_id: eventId,
            activity_type: "financial",
            timestamp: `${date}T12:00:00Z`,
            application: source,
            description: (description || "Transaction").slice(0, 500),
            details: {
              amount: part.amount,
              currency: part.currency,
              ...(name ? { merchant: name } : {}),
              ...(remittance && remittance !== name ? { memo: remittance } : {}),
              account,
              account_kind: "bank",
              ...(bankCode ? { type: bankCode } : {}),
              ...(reversal ? { reversal: true } : {}),
              layout: "camt053",
            },
          };
          result.events.push(event);
        }
      }
    }
  }
  return result;
}
