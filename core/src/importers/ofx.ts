import { createHash } from "node:crypto";
import { XMLParser } from "fast-xml-parser";
import type { ActivityEvent } from "../../../protocol/src/activity.ts";
import { decodeStatement } from "./decode.ts";
import { ofxToXml, splitOfx } from "./ofx-normalise.ts";

// OFX and QFX statements (1.x SGML and 2.x XML) to financial activity events. Each transaction becomes an event
// whose id is the account and its FITID, so a statement imported twice, or two statements that overlap, store each
// transaction once. A row that cannot be read (no date, an impossible date, no amount) is refused with its reason;
// a file with no statement in it is refused whole.

export type ImportedStatement = {
  events: ActivityEvent[];
  /** The row each event came from, in the order of `events` (a CSV file's line, an OFX transaction's number). */
  rows: number[];
  /** Rows that were not imported, and why. */
  refused: { row: number; reason: string }[];
  /**
   * Rows that hold no transaction of their own, and what they are (a CSV's note or preamble line, an OFX
   * transaction repeated in a second statement of the same file). With `events` and `refused`, they account for
   * every row: nothing in a file is passed over without a word.
   */
  skipped: { row: number; reason: string }[];
  accounts: { id: string; kind: "bank" | "creditcard"; currency: string | null; transactions: number }[];
};

const ARRAYS = new Set(["STMTTRNRS", "CCSTMTTRNRS", "STMTRS", "CCSTMTRS", "STMTTRN", "BANKMSGSRSV1", "CREDITCARDMSGSRSV1"]);
const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, isArray: (name) => ARRAYS.has(name) });

type Node = Record<string, unknown>;
const list = (value: unknown): Node[] => (value === undefined || value === "" ? [] : Array.isArray(value) ? value : [value]).filter((v): v is Node => typeof v === "object" && v !== null);
const child = (node: Node | undefined, key: string): Node | undefined => list(node?.[key])[0];
const text = (value: unknown): string => (typeof value === "string" ? value.trim() : typeof value === "number" ? String(value) : "");

/** `YYYYMMDD[HHMMSS[.XXX]][[±H[.MM]][:TZ]]` → the calendar date as written, or null when it is not a real date. */
export function ofxDate(raw: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})(?:\d{2}(?:\d{2}(?:\d{2}(?:\.\d+)?)?)?)?(?:\[[+-]?\d+(?:\.\d+)?(?::[A-Za-z]+)?\])?$/.exec(raw);
  if (!m) return null;
  const [, y, mo, d] = m.map(Number);
  const date = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== (mo ?? 1) - 1 || date.getUTCDate() !== d) return null;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** A plain decimal amount (a comma as the decimal mark is accepted), or null. */
export function ofxAmount(raw: string): number | null {
  const t = raw.replace(/^\+/, "").replace(/^(-?\d+),(\d+)$/, "$1.$2");
  return /^-?(\d+(\.\d*)?|\.\d+)$/.test(t) ? Number(t) : null;
}

export function importOfx(bytes: Uint8Array, source = "OFX statement"): ImportedStatement {
  const parts = splitOfx(decodeStatement(bytes));
  if (!parts) throw new Error("This is not an OFX or QFX file: it has no <OFX> element.");
  const root = child(parser.parse(ofxToXml(parts.body)) as Node, "OFX");
  const statements = [
    ...list(root?.BANKMSGSRSV1).flatMap((m) => list(m.STMTTRNRS)).flatMap((t) => list(t.STMTRS)).map((s) => ["bank", s] as const),
    ...list(root?.CREDITCARDMSGSRSV1).flatMap((m) => list(m.CCSTMTTRNRS)).flatMap((t) => list(t.CCSTMTRS)).map((s) => ["creditcard", s] as const),
  ];
  if (statements.length === 0) throw new Error("This OFX file holds no bank or credit card statement.");

  const result: ImportedStatement = { events: [], rows: [], refused: [], skipped: [], accounts: [] };
  /** Each event's id, and the row it was first read from. */
  const seen = new Map<string, number>();
  let row = 0;
  for (const [kind, statement] of statements) {
    const account = text(child(statement, "BANKACCTFROM")?.ACCTID ?? child(statement, "CCACCTFROM")?.ACCTID) || "unknown";
    const defaultCurrency = text(statement.CURDEF) || null;
    const transactions = list(child(statement, "BANKTRANLIST")?.STMTTRN);
    const summary = result.accounts.find((a) => a.id === account && a.kind === kind) ?? { id: account, kind, currency: defaultCurrency, transactions: 0 };
    if (!result.accounts.includes(summary)) result.accounts.push(summary);
    for (const transaction of transactions) {
      row += 1;
      const rawDate = text(transaction.DTPOSTED);
      const date = ofxDate(rawDate);
      const amount = ofxAmount(text(transaction.TRNAMT));
      const currency = text(child(transaction, "CURRENCY")?.CURSYM) || defaultCurrency;
      const name = text(transaction.NAME);
      const memo = text(transaction.MEMO);
      const refuse = (reason: string) => result.refused.push({ row, reason });
      if (transaction.DTPOSTED === undefined) refuse("it has no posting date (DTPOSTED)");
      else if (!rawDate) refuse("its posting date (DTPOSTED) is empty");
      else if (!date) refuse(`its posting date ${rawDate} is not a real date`);
      else if (amount === null) refuse(`its amount "${text(transaction.TRNAMT)}" is not a number`);
      else if (!currency || !/^[A-Z]{3}$/.test(currency)) refuse("the statement does not say its currency");
      else {
        // An empty FITID gets a stable stand-in from what the row says, so a re-import still dedupes.
        const fitid =
          text(transaction.FITID) ||
          `h${createHash("sha256").update([account, rawDate, text(transaction.TRNAMT), name, memo].join("\u0000")).digest("hex").slice(0, 20)}`;
        const eventId = `ofx:${account}:${fitid}`;
        const earlier = seen.get(eventId);
        if (earlier !== undefined) {
          result.skipped.push({ row, reason: `the same transaction as row ${earlier} (${fitid}), in a second statement of this file` });
          continue;
        }
        seen.set(eventId, row);
        result.rows.push(row);
        summary.transactions += 1;
        result.events.push({
          event_id: eventId.slice(0, 200),
          activity_type: "financial",
          timestamp: `${date}T12:00:00Z`,
          application: source,
          description: name || memo || "Transaction",
          details: {
            amount,
            currency,
            ...(name ? { merchant: name } : {}),
            ...(memo && memo !== name ? { memo } : {}),
            account,
            account_kind: kind,
            ...(text(transaction.TRNTYPE) ? { type: text(transaction.TRNTYPE) } : {}),
            fitid,
          },
        });
      }
    }
  }
  return result;
}
