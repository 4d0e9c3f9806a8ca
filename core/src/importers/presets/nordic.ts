import type { CsvPreset } from "./types.ts";

// Nordic banks: Finnish and Swedish headers, tabs, decimal commas (Nordea) or points (Swedbank).

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
