import type { CsvEncoding } from "#protocol";

// Statement bytes to text. Banks write CSV in UTF-8 (with or without a byte-order mark) or in the Windows code page
// of their country: 1252 in the west, 1250 in central Europe (Polish, Czech, Hungarian), 1257 in the Baltics, or
// the ISO-8859 twins of 1252. Every one of these is a `TextDecoder` label in Node 22 and in workerd (checked by
// core/src/importers-encodings.test.ts), so no decoding library is needed. Which code page a file is in, the bytes do
// not say: it is guessed from which reading gives the most coherent letters of one language (see detectEncoding).

/**
 * OFX bytes to text. Headers that name an encoding are often wrong (a file that says USASCII holds Latin-1),
 * so: strip a byte-order mark, read strict UTF-8, and fall back to Windows-1252 (a superset of Latin-1 that also
 * has €). `TextDecoder("windows-1252")` is that; Node's `Buffer` "latin1" is not.
 */
export function decodeStatement(bytes: Uint8Array): string {
  const body = hasBom(bytes) ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    return new TextDecoder("windows-1252").decode(body);
  }
}

const hasBom = (bytes: Uint8Array) => bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;

function strictUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The single-byte code pages, in the order a tie goes: the most common first. */
const SINGLE_BYTE: readonly CsvEncoding[] = ["windows-1252", "iso-8859-15", "windows-1250", "windows-1257", "iso-8859-1"];

/**
 * The letters beyond ASCII that each language's words use. A reading in the right code page gives letters of one
 * language; a wrong one gives a mix no language writes (Czech "účet" read as 1252 is "úèet": ú is Spanish, è French).
 */
const LANGUAGE_LETTERS: readonly string[] = [
  "äöüß", // German
  "àâæçéèêëîïôœùûüÿ", // French
  "áéíóúñü", // Spanish
  "àèéìíîòóùú", // Italian
  "áâãàçéêíóôõú", // Portuguese
  "éëïöüèáó", // Dutch
  "àçèéíïòóúü", // Catalan
  "åäöé", // Swedish
  "æøåé", // Danish and Norwegian
  "äöåšž", // Finnish
  "áðéíóúýþæö", // Icelandic
  "äöõüšž", // Estonian
  "āčēģīķļņšūž", // Latvian
  "ąčęėįšųūž", // Lithuanian
  "ąćęłńóśźż", // Polish
  "áčďéěíňóřšťúůýž", // Czech
  "áäčďéíĺľňóôŕšťúýž", // Slovak
  "áéíóöőúüű", // Hungarian
  "ăâîșțşţ", // Romanian
  "čćđšž", // Croatian and Slovenian
];

/** Signs banks write beside letters and digits: reading them is no evidence against a code page. */
const FAIR_SIGNS = new Set("€£¥§°«»–—‘’‚“”„…•·\u00a0\u00ad×");

/**
 * How plausible a reading of a file is: letters of the one language that explains most of them count three, other
 * letters cost one (Hungarian "ő" read as 1252's "õ" is Portuguese), a sign in the middle of a word (1250's "ł" read
 * as 1252's "³") costs three, and a control character or a byte the code page does not define costs ten.
 */
export function readingScore(text: string): number {
  const letters = new Map<string, number>();
  let score = 0;
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] ?? "";
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x80) continue;
    if ((code >= 0x80 && code <= 0x9f) || code === 0xfffd) score -= 10;
    else if (/\p{L}/u.test(char)) {
      const lower = char.toLowerCase();
      letters.set(lower, (letters.get(lower) ?? 0) + 1);
    } else if (!FAIR_SIGNS.has(char)) {
      const inWord = /\p{L}/u.test(chars[i - 1] ?? "") && /\p{L}/u.test(chars[i + 1] ?? "");
      score -= inWord ? 3 : 1;
    }
  }
  let best = 0;
  let total = 0;
  for (const count of letters.values()) total += count;
  for (const set of LANGUAGE_LETTERS) {
    let hits = 0;
    for (const [letter, count] of letters) if (set.includes(letter)) hits += count;
    best = Math.max(best, hits);
  }
  return score + 3 * best - (total - best);
}

/**
 * The encoding a CSV file is in: UTF-8 when it has a byte-order mark or reads as strict UTF-8, else the single-byte
 * code page whose reading scores best (ties go to the more common one).
 */
export function detectEncoding(bytes: Uint8Array): CsvEncoding {
  if (hasBom(bytes) || strictUtf8(bytes) !== null) return "utf-8";
  // Only the lines with bytes above ASCII tell code pages apart; a sample of them keeps a large file quick.
  const sample = sampleHighLines(bytes, 200_000);
  let best: { encoding: CsvEncoding; score: number } | null = null;
  for (const encoding of SINGLE_BYTE) {
    const score = readingScore(new TextDecoder(encoding).decode(sample));
    if (!best || score > best.score) best = { encoding, score };
  }
  return best?.encoding ?? "windows-1252";
}

/** Up to `limit` bytes of the lines that hold a byte above ASCII. */
export function sampleHighLines(bytes: Uint8Array, limit: number): Uint8Array {
  const out: number[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length && out.length < limit; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      const line = bytes.subarray(start, i);
      if (line.some((b) => b >= 0x80)) {
        for (const b of line) out.push(b);
        out.push(0x0a);
      }
      start = i + 1;
    }
  }
  return new Uint8Array(out);
}

/**
 * A CSV file's text, in the layout's encoding when one is given. What the bytes prove wins over a stated code page:
 * a byte-order mark or valid UTF-8 beyond ASCII is UTF-8 (a saved profile's bank may have moved to UTF-8), and bytes
 * that are not UTF-8 are never read as UTF-8 (that gives only replacement characters), so a stated encoding
 * decides between the single-byte code pages, where the bytes cannot.
 */
export function decodeCsv(bytes: Uint8Array, stated?: CsvEncoding): { text: string; encoding: CsvEncoding } {
  const body = hasBom(bytes) ? bytes.subarray(3) : bytes;
  const utf8 = hasBom(bytes) ? strictUtf8(body) : strictUtf8(bytes);
  let ascii = true;
  for (let i = 0; i < body.length && ascii; i++) ascii = (body[i] ?? 0) < 0x80;
  if (utf8 !== null && (hasBom(bytes) || !ascii || stated === undefined || stated === "utf-8")) return { text: utf8, encoding: "utf-8" };
  if (ascii && stated) return { text: utf8 ?? new TextDecoder(stated).decode(body), encoding: stated };
  const encoding = stated && stated !== "utf-8" ? stated : detectEncoding(body);
  return { text: new TextDecoder(encoding).decode(body), encoding };
}
