import type { CsvPreset } from "./types.ts";

// German banks: ";" with a decimal comma and dot thousands, DD.MM.YYYY (Sparkasse: DD.MM.YY), Latin-1 text, one
// signed amount. ING writes a preamble (account, period, balance) before the table.

const german = { delimiter: ";", decimal: ",", thousands: ".", date_order: "DMY", header: true, skip_lines: 0 } as const;

export const DE_PRESETS: readonly CsvPreset[] = [
  {
    // ING (DE) "Umsatzanzeige": about a dozen preamble lines (IBAN, Kontoname, Zeitraum, Saldo), then the table;
    // newer exports add "Saldo" and a second "Währung" (the balance's). From fabolhak/ofxstatement-de-ing's samples.
    id: "ing-de",
    label: "ING (DE)",
    country: "DE",
    source: "https://github.com/fabolhak/ofxstatement-de-ing/blob/107839bad89cd4e8289732020b303a1ce716c85f/test/test_with_saldo_1.csv",
    needs: ["Buchung", "Wertstellungsdatum", "Auftraggeber/Empfänger", "Verwendungszweck", "Betrag"],
    layout: {
      ...german,
      encoding: "iso-8859-1",
      date: "Buchung",
      description: ["Auftraggeber/Empfänger", "Verwendungszweck"],
      sign: { kind: "signed", amount: "Betrag" },
      currency: "Währung",
    },
  },
  {
    // Sparkasse's "CSV-CAMT" export: every cell quoted, umlauts spelt out in the header (Beguenstigter,
    // Waehrung), two-digit years. From omarkohl/ofxstatement-sparkasse-freiburg's sample (MIT).
    id: "sparkasse-de",
    label: "Sparkasse (DE, CSV-CAMT)",
    country: "DE",
    source: "https://github.com/omarkohl/ofxstatement-sparkasse-freiburg/blob/9e3213ce80bd73084b233cea2b925fd0b93d3a04/tests/data/simple1.csv",
    needs: ["Auftragskonto", "Buchungstag", "Beguenstigter/Zahlungspflichtiger", "Betrag", "Waehrung"],
    layout: {
      ...german,
      encoding: "windows-1252",
      date: "Buchungstag",
      description: ["Beguenstigter/Zahlungspflichtiger", "Verwendungszweck"],
      sign: { kind: "signed", amount: "Betrag" },
      currency: "Waehrung",
    },
  },
  {
    // DKB's online banking since 2023: UTF-8 with a BOM, four preamble lines (account, balance), every cell
    // quoted, DD.MM.YY, a signed "Betrag (€)" and a "Status" (Gebucht / Vorgemerkt). Header and shapes as
    // siddhantgoel/beancount-dkb's V2 extractor and its tests read them (MIT).
    id: "dkb-de",
    label: "DKB (DE)",
    country: "DE",
    source: "https://github.com/siddhantgoel/beancount-dkb/blob/c43200a29daca26a200b36f11378b0c92b716be9/beancount_dkb/extractors/ec.py",
    needs: ["Buchungsdatum", "Zahlungspflichtige*r", "Zahlungsempfänger*in", "Betrag (€)"],
    layout: {
      ...german,
      encoding: "utf-8",
      date: "Buchungsdatum",
      description: ["Zahlungsempfänger*in", "Verwendungszweck"],
      sign: { kind: "signed", amount: "Betrag (€)" },
      default_currency: "EUR",
    },
  },
  {
    // N26: English headers whatever the app's language, ISO dates, a signed "Amount (EUR)" with a decimal point.
    // From reubano/csv2ofx's n26 sample (MIT).
    id: "n26",
    label: "N26 (DE)",
    country: "DE",
    source: "https://github.com/reubano/csv2ofx/blob/675a4417c49e126b6dfd71078111ac1c9f198a16/data/test/n26-fr.csv",
    needs: ["Booking Date", "Partner Name", "Partner Iban", "Amount (EUR)"],
    layout: {
      encoding: "utf-8",
      delimiter: ",",
      decimal: ".",
      thousands: "",
      date_order: "YMD",
      header: true,
      skip_lines: 0,
      date: "Booking Date",
      description: ["Partner Name", "Payment Reference"],
      sign: { kind: "signed", amount: "Amount (EUR)" },
      default_currency: "EUR",
    },
  },
];
