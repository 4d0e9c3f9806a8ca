import type { CsvPreset } from "./types.ts";

// UK banks: "paid out" and "paid in" in separate columns, DD/MM/YYYY, pounds.

export const UK_PRESETS: readonly CsvPreset[] = [
  {
    // Lloyds: "Debit Amount" / "Credit Amount", a running "Balance", a trailing "," on the header only, and the
    // sort code written as '99-88-74. From Metasaura/ofxstatement-lloyds's sample export (MIT).
    id: "lloyds-uk",
    label: "Lloyds (UK)",
    country: "GB",
    source: "https://github.com/Metasaura/ofxstatement-lloyds/blob/bd7491d2e221666a8dd95901acdceac8537e073d/tests/sample-statement.csv",
    needs: ["Transaction Date", "Sort Code", "Transaction Description", "Debit Amount", "Credit Amount"],
    layout: {
      encoding: "utf-8",
      delimiter: ",",
      decimal: ".",
      thousands: ",",
      date_order: "DMY",
      header: true,
      skip_lines: 0,
      date: "Transaction Date",
      description: ["Transaction Description"],
      sign: { kind: "split", debit: "Debit Amount", credit: "Credit Amount" },
      default_currency: "GBP",
      balance: "Balance",
    },
  },
  {
    // Starling: one signed "Amount (GBP)", the payee in "Counter Party", a "Reference". Columns as csv2ofx's
    // starling mapping reads them (MIT); no public sample export.
    id: "starling-uk",
    label: "Starling (UK)",
    country: "GB",
    source: "https://github.com/reubano/csv2ofx/blob/675a4417c49e126b6dfd71078111ac1c9f198a16/csv2ofx/mappings/starling.py",
    needs: ["Counter Party", "Reference", "Amount (GBP)"],
    layout: {
      encoding: "utf-8",
      delimiter: ",",
      decimal: ".",
      thousands: ",",
      date_order: "DMY",
      header: true,
      skip_lines: 0,
      date: "Date",
      description: ["Counter Party", "Reference"],
      sign: { kind: "signed", amount: "Amount (GBP)" },
      default_currency: "GBP",
    },
  },
];
