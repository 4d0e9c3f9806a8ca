import type { CsvPreset } from "./types.ts";

// Nordic banks: Finnish, Norwegian and Swedish headers; tabs or ";"; decimal commas (Nordea, SpareBank 1) or points
// (Swedbank).

export const NORDIC_PRESETS: readonly CsvPreset[] = [
  {
    // Nordea (FI) netbank "Tapahtumat": a "Tilinumero <IBAN>" line and a blank line before the header, tabs, a
    // blank line after every row, DD.MM.YYYY, a signed "Määrä" with a decimal comma. Header as aJns/tililoggeri
    // (parse_instructions.lua) and OsQu/riite (apps/statement_parser) read it.
    id: "nordea-fi",
    label: "Nordea (FI)",
    country: "FI",
    source: "https://github.com/aJns/tililoggeri/blob/HEAD/parse_instructions.lua",
    needs: ["Kirjauspäivä", "Arvopäivä", "Määrä", "Saaja/Maksaja"],
    layout: {
      encoding: "utf-8",
      delimiter: "\t",
      decimal: ",",
      thousands: " ",
      date_order: "DMY",
      header: true,
      skip_lines: 2,
      date: "Kirjauspäivä",
      description: ["Saaja/Maksaja", "Viesti"],
      sign: { kind: "signed", amount: "Määrä" },
      default_currency: "EUR",
    },
  },
  {
    // SpareBank 1 (NO): ";", every value quoted, DD.MM.YYYY, money in "Inn" and out "Ut" (written negative, which
    // a split layout reads as out either way), a trailing ";". From staticaland/beancount-no-sparebank1's sample
    // export (MIT).
    id: "sparebank1-no",
    label: "SpareBank 1 (NO)",
    country: "NO",
    source: "https://github.com/staticaland/beancount-no-sparebank1/blob/61c83c76792aad1a9f1cffc230ffff4fde8f6400/test_data/sb1.csv",
    needs: ["Dato", "Beskrivelse", "Rentedato", "Inn", "Ut"],
    layout: {
      encoding: "utf-8",
      delimiter: ";",
      decimal: ",",
      thousands: "",
      date_order: "DMY",
      header: true,
      skip_lines: 0,
      date: "Dato",
      description: ["Beskrivelse"],
      sign: { kind: "split", debit: "Ut", credit: "Inn" },
      default_currency: "NOK",
    },
  },
  {
    // Swedbank (SE) transactions export: tabs, ISO dates, a signed "Belopp" with a decimal point, and the balance
    // after each row ("Bokfört saldo"). Layout as pownas/Privatekonomi's import guide documents it.
    id: "swedbank-se",
    label: "Swedbank (SE)",
    country: "SE",
    source: "https://github.com/pownas/Privatekonomi/blob/HEAD/wiki/CSV_IMPORT_GUIDE.md",
    needs: ["Radnummer", "Clearingnummer", "Bokföringsdag", "Belopp"],
    layout: {
      encoding: "utf-8",
      delimiter: "\t",
      decimal: ".",
      thousands: "",
      date_order: "YMD",
      header: true,
      skip_lines: 0,
      date: "Bokföringsdag",
      description: ["Beskrivning"],
      sign: { kind: "signed", amount: "Belopp" },
      currency: "Valuta",
      balance: "Bokfört saldo",
    },
  },
];
