import type { CsvPreset } from "./types.ts";

// French banks: ";" with a decimal comma and spaces (or no-break spaces) as thousands.

export const FR_PRESETS: readonly CsvPreset[] = [
  {
    // Boursorama / BoursoBank "export-operations": ISO dates, amounts like "1 718,70", a category and its parent
    // from the bank, and the account number on every row (one file can hold several accounts). Its
    // "accountbalance" mixes decimal marks, so it is left out. Header and cell shapes as azerpas/bourso-api's
    // transaction reader documents them (src/bourso_api/src/client/transaction.rs) and csv2ofx's boursorama mapping.
    id: "boursorama-fr",
    label: "Boursorama / BoursoBank (FR)",
    country: "FR",
    source: "https://github.com/azerpas/bourso-api/blob/42cc29ba65c2fc62c817471038cf4b28dab20e5b/src/bourso_api/src/client/transaction.rs",
    needs: ["dateOp", "dateVal", "label", "amount", "accountNum"],
    layout: {
      encoding: "utf-8",
      delimiter: ";",
      decimal: ",",
      thousands: " ",
      date_order: "YMD",
      header: true,
      skip_lines: 0,
      date: "dateOp",
      description: ["label"],
      sign: { kind: "signed", amount: "amount" },
      default_currency: "EUR",
      category: "category",
    },
  },
];
