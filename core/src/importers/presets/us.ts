import type { CsvPreset } from "./types.ts";

// US banks: MM/DD/YYYY, dollars (Schwab with "$" and "," thousands). (Capital One, DCU and Fidelity are in legacy.ts.)

const chase = { encoding: "utf-8", delimiter: ",", decimal: ".", thousands: ",", date_order: "MDY", header: true, skip_lines: 0 } as const;

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
  {
    // Chase checking / savings: "Details" (DEBIT, CREDIT, CHECK, DSLIP), a signed "Amount", the running "Balance",
    // every row one empty cell longer than the header. Header and rows as mtlynch/beancount-chase-bank's
    // checking importer tests write them (MIT).
    id: "chase-checking-us",
    label: "Chase checking (US)",
    country: "US",
    source: "https://github.com/mtlynch/beancount-chase-bank/blob/78005837ee17ff0c28e09bb8e7b8d8ec3d8c1ea3/beancount_chase/checking_test.py",
    needs: ["Details", "Posting Date", "Description", "Amount", "Check or Slip #"],
    layout: { ...chase, date: "Posting Date", description: ["Description"], sign: { kind: "signed", amount: "Amount" }, default_currency: "USD", balance: "Balance" },
  },
  {
    // Chase credit cards: purchases negative and payments or returns positive in one "Amount", the card's last
    // four digits, Chase's own category, a trailing empty "Memo". As mtlynch/beancount-chase-bank's credit
    // importer tests write it (MIT).
    id: "chase-card-us",
    label: "Chase credit card (US)",
    country: "US",
    source: "https://github.com/mtlynch/beancount-chase-bank/blob/dd3f38827c1bdf9d85eedecf7a4ea4be99dfaf2c/beancount_chase/credit_test.py",
    needs: ["Transaction Date", "Post Date", "Description", "Category", "Type", "Amount"],
    layout: { ...chase, date: "Transaction Date", description: ["Description"], sign: { kind: "signed", amount: "Amount" }, default_currency: "USD", category: "Category" },
  },
];
