// Turns a bank's description of a payment into one key per merchant (issue 19). Banks write the same merchant many
// ways: "NETFLIX.COM 866-579-7172", "Netflix *Subscr 12345", "PAYPAL *NETFLIX", "SEPA-LASTSCHRIFT Netflix
// International B.V." are all Netflix. Detection groups payments by this key, so it drops what changes from one
// payment to the next (card and reference numbers, dates, places) and what only says how the money moved.

/** How the money moved, written before the merchant by banks and payment processors. Longest first. */
const PREFIXES = [
  "sepa-lastschrift", "sepa lastschrift", "sepa-basislastschrift", "sepa direct debit", "sepa-überweisung",
  "sepa ueberweisung", "sepa overboeking", "sepa incasso algemeen doorlopend", "sepa incasso", "prlv sepa",
  "vir sepa", "virement sepa", "recibo sepa", "domiciliacion", "adeudo", "compra tarjeta", "pago con tarjeta",
  "carte bancaire", "paiement par carte", "paiement cb", "card payment to", "card payment", "contactless payment",
  "debit card purchase", "pos purchase", "recurring payment", "direct debit payment to", "direct debit to",
  "direct debit", "faster payment to", "faster payments", "faster payment", "standing order to", "standing order",
  "bill payment to", "bill payment", "online payment", "kortbetalning", "korttransaktion", "kortkjøp", "betaling",
  "lastschrift", "gutschrift", "überweisung", "ueberweisung", "dauerauftrag", "kartenzahlung", "girocard",
  "incasso", "betaalautomaat", "overboeking", "ideal", "paypal", "apple pay", "google pay", "klarna", "pos", "bea",
  "gea", "cb", "dd", "so", "fpo", "fpi", "bgc", "vis", "visa", "mastercard", "maestro", "purchase", "sq", "sqc",
  "tst", "sumup", "zettle", "iz",
];

/** Words that name a company's legal form, a generic service or a product tier rather than the merchant. */
const NOISE = new Set([
  "bv", "b.v", "nv", "n.v", "gmbh", "ag", "kg", "co", "corp", "corporation", "company", "inc", "llc", "ltd",
  "limited", "plc", "sa", "s.a", "sas", "sarl", "sl", "s.l", "spa", "srl", "ab", "as", "asa", "oy", "oyj", "aps",
  "uab", "sia", "ou", "international", "intl", "europe", "eu", "emea", "services", "service", "subscr",
  "subscription", "subscriptions", "membership", "payment", "payments", "online", "digital", "monthly", "bill",
  "www", "com", "the", "mandate", "ref", "eref", "mref", "kref", "cred", "svwz", "abwa", "nr", "no", "id",
  "transaction", "purchase", "authorized", "on", "at", "to", "from", "via", "sales", "retail", "store", "shop",
  // Country names a company adds to its own (the country's branch of the same merchant).
  "deutschland", "germany", "nederland", "netherlands", "uk", "usa", "france", "españa", "espana", "spain",
  "italia", "sverige", "sweden", "norge", "norway", "danmark", "denmark", "suomi", "finland", "eesti", "latvija",
  "lietuva", "ireland", "belgium", "belgië", "österreich", "schweiz", "suisse",
]);

/** Places card descriptors end with (the city a merchant registered); dropped when they follow the name. */
const PLACES = new Set([
  "amsterdam", "london", "dublin", "luxembourg", "berlin", "munich", "münchen", "paris", "madrid", "barcelona",
  "stockholm", "oslo", "copenhagen", "københavn", "helsinki", "tallinn", "riga", "vilnius", "los gatos", "san jose",
  "san francisco", "seattle", "new york", "cupertino", "mountain view", "menlo park", "sunnyvale", "cork",
  "hilversum", "utrecht", "rotterdam", "hamburg", "frankfurt", "milan", "rome", "lisbon", "brussels", "vienna",
]);

const DOMAIN = /\b([a-z][a-z0-9-]*)\.(?:com|co\.uk|co|net|org|io|tv|fm|app|nl|de|fr|es|it|se|no|dk|fi|ee|lv|lt|be|at|ch|eu|uk|us)\b/;

/** Short names written with dots between letters ("e.on", "b.v.", "u.s.") stay one word, without a final dot. */
const SHORT_DOTTED = /^\p{L}{1,3}(?:\.\p{L}{1,3})+$/u;

/** A word as a name: a short dotted name whole, anything else split at its dots ("foo.bar" is two words). */
function dotted(word: string): string[] {
  const bare = word.replace(/^\.+|\.+$/g, "");
  return SHORT_DOTTED.test(bare) && !bare.startsWith("www.") ? [bare] : bare.split(".");
}

/** One lower-case key for the merchant a description names ("netflix", "albert heijn"); "" when nothing is left. */
export function normaliseMerchant(text: string): string {
  let s = text.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
  // A web address names the merchant better than anything around it ("netflix.com los gatos ca").
  const domain = DOMAIN.exec(s);
  if (domain && domain[1] && !PREFIXES.includes(domain[1])) return domain[1].replace(/-/g, " ");
  // Strip "how it moved" prefixes, repeatedly: "SEPA-LASTSCHRIFT PAYPAL *SPOTIFY".
  for (let again = true; again; ) {
    again = false;
    s = s.replace(/^[\s*:/.,-]+/, "");
    for (const prefix of PREFIXES) {
      if (s.startsWith(prefix) && /^$|[\s*:/.,-]/.test(s.charAt(prefix.length))) {
        s = s.slice(prefix.length);
        again = true;
        break;
      }
    }
  }
  // "netflix *subscr 12345", "amzn mktp us*2k4": what follows a star is the merchant's own reference.
  const star = s.indexOf("*");
  if (star > 0) s = s.slice(0, star);
  // Dates, times, card and reference numbers.
  // Dots stay for now: a short dotted name ("e.on", "b.v.") is one word; every other dot splits words.
  s = s.replace(/\b\d{1,4}[./-]\d{1,2}(?:[./-]\d{2,4})?\b/g, " ").replace(/[^\p{L}\p{N}&'. ]+/gu, " ");
  // A token that starts with a digit or holds three is a number ("12345", "2k4"); "o2" is a name.
  const words = s
    .split(" ")
    .flatMap(dotted)
    .filter((w) => w && !/^\d/.test(w) && !/\d.*\d.*\d/.test(w));
  const kept: string[] = [];
  for (const word of words) {
    const bare = word.replace(/'s$/, "").replace(/'/g, "");
    // A word of only signs ("&" in "barnes & noble") names nothing on its own.
    if (NOISE.has(bare) || !/[\p{L}\p{N}]/u.test(bare)) continue;
    kept.push(bare);
  }
  // Drop a trailing place: a two-letter state or country code, or a known city (one or two words).
  while (kept.length > 1) {
    const last = kept[kept.length - 1] ?? "";
    const lastTwo = kept.slice(-2).join(" ");
    if (last.replace(/\./g, "").length <= 2) kept.pop();
    else if (kept.length > 2 && PLACES.has(lastTwo)) kept.splice(-2, 2);
    else if (PLACES.has(last)) kept.pop();
    else break;
  }
  // Two words are enough to tell merchants apart ("albert heijn", "british gas"); more is usually a branch. A name
  // that starts with a place keeps one more word: "new york times" is not "new york".
  const starts = kept.length > 2 && PLACES.has(kept.slice(0, 2).join(" "));
  return kept.slice(0, starts ? 3 : 2).join(" ");
}

/** A merchant key as people write it: "albert heijn" → "Albert Heijn"; short names with a dot or "&" in capitals ("E.ON", "H&M"). */
export function merchantLabel(key: string): string {
  return key
    .split(" ")
    .map((word) => (/^[\p{L}.&]{2,5}$/u.test(word) && /[.&]/.test(word) ? word.toUpperCase() : word.replace(/^\p{L}/u, (letter) => letter.toUpperCase())))
    .join(" ");
}
