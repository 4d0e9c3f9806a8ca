import type { CsvLayout } from "#protocol";

// The column mappings Hearth read CSV with before issue 19, still accepted in the agent's config.json
// (`listeners.statements.csv_mappings`): each becomes a layout. A mapping never said its delimiter, encoding or
// thousands separator; the reader finds a layout's header row with the file's own delimiter when the stated one
// does not fit, and reads the encoding from the bytes, so the defaults here are only a start.

export type CsvMapping = {
  id: string;
  label: string;
  /** Header cells that identify the layout. */
  needs: readonly string[];
  date: string;
  order: "DMY" | "MDY" | "YMD";
  amount?: string;
  debit?: string;
  credit?: string;
  /** "," for 1.234,56. */
  decimal?: "." | ",";
  /** A column whose value "debit" makes the amount negative (Mint). */
  sign?: string;
  currency?: string;
  /** Used when there is no currency column. */
  default_currency?: string;
  description: string;
  /** A column with the bank's own transaction id, when there is one. */
  id_column?: string;
};

/** An old column mapping as a layout. */
export function layoutFromMapping(mapping: CsvMapping): CsvLayout {
  const decimal = mapping.decimal ?? ".";
  const sign: CsvLayout["sign"] =
    mapping.debit !== undefined && mapping.credit !== undefined
      ? { kind: "split", debit: mapping.debit, credit: mapping.credit }
      : mapping.sign !== undefined
        ? { kind: "indicator", amount: mapping.amount ?? mapping.debit ?? mapping.credit ?? "Amount", indicator: mapping.sign, debit_values: ["debit"], credit_values: ["credit"] }
        : { kind: "signed", amount: mapping.amount ?? mapping.debit ?? mapping.credit ?? "Amount" };
  return {
    encoding: "utf-8",
    delimiter: decimal === "," ? ";" : ",",
    decimal,
    thousands: decimal === "," ? "." : ",",
    date_order: mapping.order,
    header: true,
    skip_lines: 0,
    date: mapping.date,
    description: [mapping.description],
    sign,
    ...(mapping.currency ? { currency: mapping.currency } : {}),
    ...(mapping.default_currency ? { default_currency: mapping.default_currency } : {}),
    ...(mapping.id_column ? { id: mapping.id_column } : {}),
  };
}
