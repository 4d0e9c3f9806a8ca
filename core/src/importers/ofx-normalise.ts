// OFX body → well-formed XML, for fast-xml-parser. OFX 1.x is SGML: aggregates always have end tags, but leaf
// elements may omit theirs; real files also mix closed and unclosed leaves, nest closes wrongly, or forget an
// aggregate's end tag. The rules:
//  - everything before the first <OFX> is the header (OFX 1 "KEY:VALUE" lines, <?xml?>, <?OFX?>, a comment);
//  - comments and processing instructions in the body are dropped;
//  - a tag followed by text (or CDATA) is a leaf; an end tag right after it is consumed; <X></X> and <X/> are
//    empty leaves;
//  - a tag followed directly by another tag is an aggregate, kept on a stack;
//  - an end tag that matches an open aggregate closes it and everything opened inside it; any other end tag
//    (a leaf's, or a misplaced one) is dropped;
//  - a few aggregates imply the end of an unclosed one before them (Nubank never closes BANKTRANLIST);
//  - text is re-escaped, so the XML parser decodes it exactly once.

const IMPLIED_CLOSE: Readonly<Record<string, readonly string[]>> = {
  STMTTRN: ["STMTTRN"],
  LEDGERBAL: ["STMTTRN", "BANKTRANLIST"],
  AVAILBAL: ["STMTTRN", "BANKTRANLIST"],
  BALLIST: ["STMTTRN", "BANKTRANLIST"],
  MKTGINFO: ["STMTTRN", "BANKTRANLIST"],
};

type Token = { kind: "text"; value: string } | { kind: "open" | "close" | "empty"; name: string };

const escapeText = (text: string) =>
  text
    .replace(/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");

/** Splits the header (anything before `<OFX>`) from the body; null when there is no `<OFX>` element. */
export function splitOfx(text: string): { header: string; body: string } | null {
  const at = text.search(/<OFX>/i);
  return at < 0 ? null : { header: text.slice(0, at), body: text.slice(at) };
}

function tokenize(body: string): Token[] {
  const cleaned = body.replace(/<!--[\s\S]*?-->/g, "").replace(/<\?[\s\S]*?\?>/g, "");
  const tokens: Token[] = [];
  for (const m of cleaned.matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z][\w.-]*)\s*(\/?)>|([^<]+)|(<)/g)) {
    if (m[1] !== undefined) tokens.push({ kind: "text", value: m[1] });
    else if (m[3] !== undefined) tokens.push({ kind: m[2] ? "close" : m[4] ? "empty" : "open", name: m[3].toUpperCase() });
    else tokens.push({ kind: "text", value: m[5] ?? m[6] ?? "" });
  }
  return tokens;
}

/** The body as well-formed XML. */
export function ofxToXml(body: string): string {
  const tokens = tokenize(body);
  const out: string[] = [];
  const stack: string[] = [];
  const closeTo = (name: string) => {
    while (stack.length > 0) {
      const open = stack.pop() as string;
      out.push(`</${open}>`);
      if (open === name) return;
    }
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind === "text") continue; // stray text between tags
    if (token.kind === "close") {
      if (stack.includes(token.name)) closeTo(token.name);
      continue;
    }
    if (token.kind === "empty") {
      out.push(`<${token.name}></${token.name}>`);
      continue;
    }
    let j = i + 1;
    let text = "";
    for (let next = tokens[j]; next?.kind === "text"; next = tokens[++j]) text += next.value;
    const next = tokens[j];
    const ownClose = next?.kind === "close" && next.name === token.name;
    if (text.trim() !== "" || ownClose) {
      out.push(`<${token.name}>${escapeText(text.trim())}</${token.name}>`);
      i = ownClose ? j : j - 1;
    } else {
      for (const implied of IMPLIED_CLOSE[token.name] ?? []) if (stack.at(-1) === implied) closeTo(implied);
      stack.push(token.name);
      out.push(`<${token.name}>`);
      i = j - 1;
    }
  }
  while (stack.length > 0) out.push(`</${stack.pop()}>`);
  return out.join("");
}
