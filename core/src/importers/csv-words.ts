// The header words banks use for each column, in the languages of the banks Hearth's users have (EN, DE, NL, FR,
// ES, IT, PT, PL, CS/SK, HU, the Nordic and the Baltic languages). Compared lower case, without accents and with
// spaces collapsed, so "Date de l'opération" and "DATE DE L'OPERATION" are one word. A word that is the whole header
// cell counts more than one found inside it ("Amount ($)", "Betrag (EUR)").

export type ColumnRole = "date" | "value_date" | "amount" | "debit" | "credit" | "indicator" | "payee" | "text" | "currency" | "balance" | "id" | "category";

export const HEADER_WORDS: Record<ColumnRole, readonly string[]> = {
  date: [
    "date", "transaction date", "posting date", "posted date", "booking date", "trans date", "run date", "completed date", "started date",
    "datum", "buchungstag", "buchungsdatum", "belegdatum", "transactiedatum", "boekdatum", "boekingsdatum",
    "date operation", "date de l'operation", "date d'operation", "date comptable", "fecha", "fecha operacion", "fecha contable", "f. operacion",
    "data", "data operazione", "data contabile", "data movimento", "data operacji", "data ksiegowania", "data transakcji", "data lancamento",
    "bokforingsdag", "bokforingsdatum", "transaktionsdag", "transaktionsdatum", "dato", "bogforingsdato", "bokforingsdato",
    "paivamaara", "kirjauspaiva", "maksupaiva", "kuupaev", "datums", "operacijos data", "konyveles datuma", "datum zauctovani", "datum provedeni",
  ],
  value_date: ["value date", "valuta", "valutadatum", "wertstellung", "date de valeur", "fecha valor", "f. valor", "data valuta", "rentedatum", "valuteringsdato", "arvopaiva"],
  amount: [
    "amount", "amt", "transaction amount", "net", "betrag", "umsatz", "bedrag", "montant", "importe", "importo", "valor", "kwota",
    "kwota operacji", "kwota transakcji", "belopp", "belob", "belop", "summa", "suma", "summe", "maara", "osszeg", "castka", "iznos", "sum", "zahlungsbetrag",
  ],
  debit: [
    "debit", "debits", "debit amount", "amount debit", "withdrawal", "withdrawals", "withdrawal amount", "paid out", "money out", "out", "outflow", "charge",
    "soll", "ausgang", "belastung", "debet", "debito", "cargo", "cargos", "uscite", "addebito", "addebiti", "wydatki", "obciazenia", "uttag", "ut",
    "udbetaling", "nosto", "debetas", "debets", "vydaj",
  ],
  credit: [
    "credit", "credits", "credit amount", "amount credit", "deposit", "deposits", "deposit amount", "paid in", "money in", "in", "inflow",
    "haben", "eingang", "gutschrift", "credito", "abono", "abonos", "ingresos", "entrate", "accredito", "accrediti", "wplywy", "uznania",
    "insattning", "inn", "indbetaling", "pano", "kreditas", "kredits", "prijem",
  ],
  indicator: [
    "af bij", "af/bij", "bij/af", "debit/credit", "credit/debit", "debet/credit", "d/c", "c/d", "dc", "cr/dr", "dr/cr", "soll/haben", "s/h",
    "credit debit indicator", "cdtdbtind", "transaction type", "debit credit", "direction", "in/out", "sign", "d/k", "inn/ut", "sens", "mouvement", "tipo",
  ],
  payee: [
    "payee", "name", "merchant", "counterparty", "beneficiary", "payee name", "description", "transaction description", "original description", "details",
    "auftraggeber/empfanger", "empfanger", "zahlungsempfanger", "name zahlungsbeteiligter", "beguenstigter/zahlungspflichtiger", "naam / omschrijving",
    "naam", "tegenpartij", "omschrijving", "libelle", "libelle operation", "libelle simplifie", "beneficiaire", "concepto", "descripcion", "beneficiario",
    "descrizione", "descrizione operazione", "opis", "odbiorca", "kontrahent", "nadawca / odbiorca", "beskrivning", "mottagare", "tekst", "beskrivelse",
    "modtager", "selitys", "saaja/maksaja", "saaja", "saaja/maksja", "gavejas", "sanemejs", "partner nev", "nazev protiuctu", "action", "remarque", "desc",
    "transaction details", "particulars", "narration", "narrative", "text", "buchungstext",
  ],
  text: [
    "memo", "reference", "notes", "verwendungszweck", "beschreibung", "mededelingen", "detail", "libelle complementaire", "informations complementaires",
    "movimiento", "causale", "tytul", "tytul operacji", "meddelande", "viesti", "selgitus", "mokejimo paskirtis", "paskirtis", "apraksts", "detalas",
    "kozlemeny", "zprava", "popis", "remittance information",
  ],
  currency: ["currency", "ccy", "curr", "wahrung", "valuta", "devise", "moneda", "divisa", "waluta", "munt", "monn.", "monnaie", "valuuta", "valiuta", "devizanem", "mena"],
  balance: [
    "balance", "running balance", "current balance", "balance after", "ledger balance", "saldo", "kontostand", "solde", "saldo na koniec", "saldo po operacji",
    "saldo dopo", "solde apres", "saldo efter", "saldo etter", "egyenleg", "atlikums", "likutis", "jaak", "zustatek",
  ],
  id: [
    "id", "transaction id", "transaction reference", "reference number", "bank reference", "transaktions-id", "transaktionsnummer", "buchungsreferenz",
    "numero d'operation", "referencia", "riferimento", "numer referencyjny", "id transakcji", "id operacji", "arkistointitunnus", "dokumendi number", "fitid",
  ],
  category: ["category", "kategorie", "categorie", "categoria", "kategoria", "kategori", "luokka", "kategooria"],
};

/** A header cell as the words are written above: lower case, no accents, spaces collapsed. */
export function normaliseHeader(cell: string): string {
  return cell
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[łŁ]/g, "l")
    .replace(/[øØ]/g, "o")
    .replace(/[æÆ]/g, "ae")
    .replace(/[ßẞ]/g, "ss")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

/** A header cell longer than this is no bank's column name: only its start is scored. */
const MAX_HEADER_CELL = 200;

/** How well a header cell names a role: 3 for a whole-cell word, 2 for a word at its start, 1 inside it, else 0. */
export function headerScore(cell: string, role: ColumnRole): number {
  const text = normaliseHeader(cell.slice(0, MAX_HEADER_CELL));
  // Without a closing note in brackets ("Amount ($)"); string methods, not a regex, so a cell of brackets is quick.
  const bare = text.endsWith(")") && text.includes("(") ? text.slice(0, text.indexOf("(")).trim() : text;
  let best = 0;
  for (const word of HEADER_WORDS[role]) {
    if (text === word || bare === word) return 3;
    // Short words ("in", "ut", "id") only count as the whole cell.
    if (word.length < 4) continue;
    const at = text.indexOf(word);
    if (at < 0) continue;
    const whole = (at === 0 || /[^a-z]/.test(text[at - 1] ?? "")) && /^([^a-z]|$)/.test(text.slice(at + word.length));
    if (whole) best = Math.max(best, at === 0 ? 2 : 1);
  }
  return best;
}

/** Indicator values banks write, each meaning money out (debit) or money in (credit); compared as normaliseHeader writes them. */
export const DEBIT_MARKS = ["af", "d", "dr", "debit", "debet", "s", "soll", "-", "dbit", "out", "uit", "ut", "withdrawal", "cargo", "debito", "belastung", "obciazenie", "charge", "payment", "ausgang"];
export const CREDIT_MARKS = ["bij", "c", "cr", "credit", "h", "haben", "+", "crdt", "in", "inn", "deposit", "abono", "credito", "gutschrift", "uznanie", "k", "kredit", "refund", "eingang"];

/**
 * Descriptions that mark a line of balances or totals inside the table (Swedbank LT's "Likutis pradžiai" and
 * "Apyvarta", "Opening balance", "Anfangssaldo"), as normaliseHeader writes them: such a line is skipped, not stored.
 * Only the whole description counts, so a payment whose text mentions a balance is still a payment.
 */
export const SUMMARY_LINES = new Set([
  "opening balance", "closing balance", "balance brought forward", "balance carried forward", "brought forward", "carried forward", "total", "totals",
  "anfangssaldo", "endsaldo", "alter kontostand", "neuer kontostand", "summe", "saldo inicial", "saldo final", "solde initial", "solde final",
  "ancien solde", "nouveau solde", "beginsaldo", "eindsaldo", "saldo iniziale", "saldo finale", "saldo poczatkowe", "saldo koncowe",
  "ingaende saldo", "utgaende saldo", "inngaende saldo", "utgaende balanse", "alkusaldo", "loppusaldo", "algsaldo", "loppsaldo", "kaive", "kokku",
  "likutis pradziai", "likutis pabaigai", "apyvarta", "sakuma atlikums", "beigu atlikums", "apgrozijums", "turnover",
]);
