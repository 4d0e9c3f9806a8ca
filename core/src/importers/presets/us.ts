import type { CsvPreset } from "./types.ts";

// US banks: MM/DD/YYYY, dollars with "$" and "," thousands. (Capital One, DCU and Fidelity are in legacy.ts.)

export const US_PRESETS: readonly CsvPreset[] = [
  {
    // Charles Schwab checking: "Withdrawal" / "Deposit" written as "$1,036.47", a "RunningBalance", and a
    // "Status" (Posted / Pending). From reubano/csv2ofx's schwab-checking sample and mapping (MIT).
    id: "schwab-us",
    label: "Charles Schwab checking (US)",
    country: "US",
    source: "https://github.com/reubano/csv2ofx/blob/675a4417c49e126b6dfd71078111ac1c9f198a16/data/test/schwab-checking.csv",
    needs: ["Status", "CheckNumber", "Withdrawal", "Deposit", "RunningBalance"],
    layout: {
      encoding: "utf-8",
      delimiter: ",",
      decimal: ".",
      thousands: ",",
      date_order: "MDY",
      header: true,
      skip_lines: 0,
      date: "Date",
      description: ["Description"],
      sign: { kind: "split", debit: "Withdrawal", credit: "Deposit" },
      default_currency: "USD",
      balance: "RunningBalance",
    },
  },
];
