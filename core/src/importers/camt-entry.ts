// The parts of a CAMT.053 entry (`Ntry`) or of one payment inside it (`TxDtls`) that say what it was: the bank's
// reference and the words a person would recognise (the other party's name, the remittance text). The element
// names are ISO 20022's; versions .08 and later wrap a party's name in `Pty`, earlier ones do not.

export type Node = Record<string, unknown>;

export const list = (value: unknown): Node[] =>
  (value === undefined || value === "" ? [] : Array.isArray(value) ? value : [value]).filter((v): v is Node => typeof v === "object" && v !== null);
export const child = (node: Node | undefined, key: string): Node | undefined => list(node?.[key])[0];
/** An element's text, whether the parser gave a string, a number, or a node with attributes and `#text`. */
export const text = (value: unknown): string => {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return text(value[0]);
  if (typeof value === "object" && value !== null && "#text" in value) return text((value as Node)["#text"]);
  return "";
};

/** Placeholders banks write where a reference is required but there is none. */
const NO_REFERENCE = new Set(["NOTPROVIDED", "NONREF", "NONE", "N/A"]);
const usable = (value: unknown): string | null => {
  const t = text(value);
  return t && !NO_REFERENCE.has(t.toUpperCase()) ? t : null;
};

/** The bank's own reference for an entry or a payment: the servicer's reference first, then the others. */
export function camtReference(node: Node): string | null {
  const refs = child(node, "Refs");
  return (
    usable(node.AcctSvcrRef) ??
    usable(node.NtryRef) ??
    usable(refs?.AcctSvcrRef) ??
    usable(refs?.TxId) ??
    usable(refs?.UETR) ??
    usable(refs?.EndToEndId) ??
    usable(refs?.InstrId) ??
    null
  );
}

/** A party's name, in either shape: `<Cdtr><Nm>` (up to .07) or `<Cdtr><Pty><Nm>` (.08 on). */
const partyName = (party: Node | undefined): string => text(party?.Nm) || text(child(party, "Pty")?.Nm);

/**
 * Who the money went to (a debit) or came from (a credit), and the remittance text. `text` is what the activity
 * list shows: the name, else the remittance, else the bank's note on the entry.
 */
export function camtDescription(entry: Node, details: Node | undefined, debit: boolean): { name: string; remittance: string; text: string } {
  const parties = child(details, "RltdPties");
  const name = debit
    ? partyName(child(parties, "Cdtr")) || partyName(child(parties, "UltmtCdtr"))
    : partyName(child(parties, "Dbtr")) || partyName(child(parties, "UltmtDbtr"));
  const rmt = child(details, "RmtInf");
  const unstructured = (Array.isArray(rmt?.Ustrd) ? rmt.Ustrd : [rmt?.Ustrd]).map(text).filter(Boolean).join(" ");
  const structured = list(rmt?.Strd)
    .map((s) => text(child(s, "CdtrRefInf")?.Ref) || text(s.AddtlRmtInf))
    .filter(Boolean)
    .join(" ");
  const remittance = (unstructured || structured || text(details?.AddtlTxInf)).replace(/\s+/g, " ").trim();
  const note = text(entry.AddtlNtryInf).replace(/\s+/g, " ").trim();
  return { name: name.replace(/\s+/g, " ").trim(), remittance, text: name || remittance || note };
}
