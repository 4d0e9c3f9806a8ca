import type { CsvPreset } from "./types.ts";

// Dutch banks. ING and Knab give an always-positive amount beside an indicator column (ING's "Af Bij", Knab's
// "CreditDebet"); ASN's export has no header row at all, so it is picked by hand in the column picker.

export const NL_PRESETS: readonly CsvPreset[] = [
  {
    // ING's "Af Bij" (out / in) beside an unsigned "Bedrag (EUR)", dates as YYYYMMDD, a decimal comma.
    // Layout read from gpaulissen/ofxstatement-dutch's sample export and parser (src/ofxstatement/plugins/nl/ing.py).
    id: "ing-nl",
    label: "ING (NL)",
    country: "NL",
    source: "https://github.com/gpaulissen/ofxstatement-dutch/blob/03a09889ca972c990a3d3aa99813518ac5c826af/tests/samples/ing_ok.csv",
    needs: ["Naam / Omschrijving", "Af Bij", "Bedrag (EUR)"],
    layout: {
      encoding: "utf-8",
      delimiter: ",",
      decimal: ",",
      thousands: "",
      date_order: "YMD",
      header: true,
      skip_lines: 0,
      date: "Datum",
      description: ["Naam / Omschrijving", "Mededelingen"],
      sign: { kind: "indicator", amount: "Bedrag (EUR)", indicator: "Af Bij", debit_values: ["Af"], credit_values: ["Bij"] },
      default_currency: "EUR",
    },
  },
  {
    // Knab: a "KNAB EXPORT" title line before the header, ";" with a trailing one, "D"/"C" in "CreditDebet" beside
    // an unsigned "Bedrag", and the bank's "Referentie" per row. From gpaulissen/ofxstatement-dutch (nl/knab.py).
    id: "knab-nl",
    label: "Knab (NL)",
    country: "NL",
    source: "https://github.com/gpaulissen/ofxstatement-dutch/blob/03a09889ca972c990a3d3aa99813518ac5c826af/tests/samples/Knab_transactieoverzicht_ok.csv",
    needs: ["Transactiedatum", "CreditDebet", "Tegenrekeninghouder", "Bedrag"],
    layout: {
      encoding: "utf-8",
      delimiter: ";",
      decimal: ",",
      thousands: "",
      date_order: "DMY",
      header: true,
      skip_lines: 1,
      date: "Transactiedatum",
      description: ["Tegenrekeninghouder", "Omschrijving"],
      sign: { kind: "indicator", amount: "Bedrag", indicator: "CreditDebet", debit_values: ["D"], credit_values: ["C"] },
      currency: "Valutacode",
      id: "Referentie",
    },
  },
  {
    // ASN Bank: no header row; 19 columns documented field by field in gpaulissen/ofxstatement-dutch's
    // nl/asn.py (Boekingsdatum dd-mm-jjjj, the counter party's name in column 4, the signed amount with a decimal
    // point in column 11, its currency in column 10, the description in column 18).
    id: "asn-nl",
    label: "ASN Bank (NL)",
    country: "NL",
    source: "https://github.com/gpaulissen/ofxstatement-dutch/blob/03a09889ca972c990a3d3aa99813518ac5c826af/src/ofxstatement/plugins/nl/asn.py",
    needs: [],
    layout: {
      encoding: "utf-8",
      delimiter: ",",
      decimal: ".",
      thousands: "",
      date_order: "DMY",
      header: false,
      skip_lines: 0,
      date: "Column 1",
      description: ["Column 4", "Column 18"],
      sign: { kind: "signed", amount: "Column 11" },
      currency: "Column 10",
    },
  },
];
