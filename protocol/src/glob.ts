/**
 * Glob matching for permission scopes, shared by the server and the agent so both read a rule alike.
 * `*` matches within one path segment, `**` across segments, `?` one character. Matching is whole-string.
 * A trailing `/**` also matches the folder itself: a grant for "~/Documents and everything in it" must cover
 * listing ~/Documents.
 * @example globMatch("~/Documents/**", "~/Documents/taxes/2025.pdf") // true
 * @example globMatch("~/Documents/**", "~/Documents") // true
 */
export function globMatch(pattern: string, value: string): boolean {
  return globToRegExp(pattern).test(value);
}

const cache = new Map<string, RegExp>();

export function globToRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    if (ch === "/" && i === pattern.length - 3 && pattern.endsWith("/**")) {
      source += "(?:/.*)?";
      break;
    }
    if (ch === "*") {
      if (pattern.charAt(i + 1) === "*") {
        // `**/` also matches nothing, so `a/**/b` covers `a/b`.
        const slash = pattern.charAt(i + 2) === "/";
        source += slash ? "(?:.*/)?" : ".*";
        i += slash ? 2 : 1;
      } else {
        source += "[^/]*";
      }
    } else if (ch === "?") {
      source += "[^/]";
    } else {
      source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  re = new RegExp(`^${source}$`);
  cache.set(pattern, re);
  return re;
}
