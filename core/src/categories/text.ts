// Text comparison for category rules, shared with the agent's config.json rules (agent/src/deps/categories.ts), so
// a pattern means the same thing in the cloud and on the computer. No imports: the agent bundles this file alone.

/** Case-folded, accents kept, whitespace collapsed: "  NETFLIX.com " and "netflix.COM" are the same text. */
export function foldText(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
}

/**
 * A test for a `*` pattern: `*` stands for whatever text (none too), everything else is literal, and the pattern
 * must cover the whole text. Both are folded first. No regular expression: the literal pieces are found left to
 * right, each at its first place after the one before, so the time grows with the text's length times the
 * pattern's, never with the number of stars (a pattern full of `*` cannot stall an import).
 */
export function wildcardTest(pattern: string): (text: string) => boolean {
  const parts = foldText(pattern).split("*");
  if (parts.length === 1) {
    const whole = parts[0] ?? "";
    return (text) => foldText(text) === whole;
  }
  const head = parts[0] ?? "";
  const tail = parts[parts.length - 1] ?? "";
  const middle = parts.slice(1, -1).filter((part) => part !== "");
  return (raw) => {
    const text = foldText(raw);
    if (text.length < head.length + tail.length || !text.startsWith(head) || !text.endsWith(tail)) return false;
    // The middle pieces go, in order, between the head and the tail; the leftmost place of each leaves the most
    // room for the rest, so one pass finds a fit whenever there is one.
    const end = text.length - tail.length;
    let at = head.length;
    for (const part of middle) {
      const found = text.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}
