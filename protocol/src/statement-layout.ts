import { z } from "zod";

// How a CSV statement is read (issue 19): the reading settings the column picker shows and the user may correct
// (encoding, delimiter, separators, date order, header row, lines to skip), which column is which, and the sign
// convention. A layout the user confirms is saved as an import profile, recognised by its header next time; the
// built-in presets are layouts too. The agent's watched folder and the web upload read with the same layouts.

export const CSV_ENCODINGS = ["utf-8", "windows-1250", "windows-1252", "windows-1257", "iso-8859-1", "iso-8859-15"] as const;
export const CsvEncoding = z.enum(CSV_ENCODINGS);
export type CsvEncoding = z.infer<typeof CsvEncoding>;

export const CSV_DELIMITERS = [",", ";", "\t", "|"] as const;
export const DATE_ORDERS = ["DMY", "MDY", "YMD"] as const;
/** "" for none; "'" is the Swiss 1'234.56; " " also stands for the no-break spaces French banks write. */
export const THOUSANDS_SEPARATORS = ["", ",", ".", " ", "'"] as const;

/** A column, by its header cell as written; a file without a header row names its columns "Column 1", "Column 2"… */
const Column = z.string().min(1).max(200);

/**
 * The three ways banks give an amount's sign: one signed amount; separate debit and credit (paid out / paid in)
 * columns, where a debit is money out whatever its own sign; or an always-positive amount beside an indicator
 * column (`Af`/`Bij`, `D`/`C`, `S`/`H`, `Debit`/`Credit`, `-`/`+`), its values compared trimmed and case-blind.
 */
export const CsvSign = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("signed"), amount: Column }),
  z.object({ kind: z.literal("split"), debit: Column, credit: Column }),
  z.object({
    kind: z.literal("indicator"),
    amount: Column,
    indicator: Column,
    debit_values: z.array(z.string().trim().min(1).max(40)).min(1).max(10),
    credit_values: z.array(z.string().trim().min(1).max(40)).min(1).max(10),
  }),
]);
export type CsvSign = z.infer<typeof CsvSign>;

export const CsvLayout = z.object({
  encoding: CsvEncoding,
  delimiter: z.enum(CSV_DELIMITERS),
  decimal: z.enum([".", ","]),
  thousands: z.enum(THOUSANDS_SEPARATORS),
  /** Field order of the dates; separators, a time of day, `YYYYMMDD` and two-digit years are read whatever the order. */
  date_order: z.enum(DATE_ORDERS),
  /** Whether the table starts with a header row (after the skipped lines). */
  header: z.boolean(),
  /** Lines before the table (a preamble: account number, period, balances), skipped unread. */
  skip_lines: z.number().int().min(0).max(200),
  date: Column,
  /** One or more columns, joined with " · " (a payee and a remittance line, say). */
  description: z.array(Column).min(1).max(4),
  sign: CsvSign,
  currency: Column.optional(),
  /** Used when there is no currency column (or a row's cell is empty). */
  default_currency: z.string().regex(/^[A-Z]{3}$/, { error: "currency is a 3-letter ISO code, like EUR" }).optional(),
  /** The bank's own transaction id, when the export has one. */
  id: Column.optional(),
  /** The running balance after the row (kept in details; not part of the fingerprint, so layouts agree on ids). */
  balance: Column.optional(),
  category: Column.optional(),
});
export type CsvLayout = z.infer<typeof CsvLayout>;

/** A saved layout: named, optionally for one account, recognised by the file's header cells. */
export const ImportProfile = z.object({
  id: z.string(),
  name: z.string().trim().min(1).max(80),
  /** The account it is for ("Joint checking"), shown beside each imported row's source. */
  account: z.string().trim().max(80).nullable(),
  layout: CsvLayout,
  /** The header row's cells as read (empty for a file with no header): a file with the same header uses this profile. */
  header_cells: z.array(z.string().max(200)).max(100),
  created_at: z.number(),
  updated_at: z.number(),
});
export type ImportProfile = z.infer<typeof ImportProfile>;

/** client → API: save (create or replace by name) a profile. */
export const SaveImportProfile = ImportProfile.pick({ name: true, account: true, layout: true, header_cells: true });
export type SaveImportProfile = z.infer<typeof SaveImportProfile>;

/** The JSON file "Export profiles" writes and "Import profiles" reads. */
export const ImportProfilesFile = z.object({
  hearth_import_profiles: z.literal(1),
  profiles: z.array(SaveImportProfile).max(200),
});
export type ImportProfilesFile = z.infer<typeof ImportProfilesFile>;

/**
 * What the reader made of a CSV before a mapping is chosen: its guessed layout (columns it could not place left out, so
 * `layout` may fail CsvLayout until the user answers), the header cells, and the first rows as split, for the
 * column picker. `matched` says what recognised the file, when something did.
 */
export const CsvSniff = z.object({
  layout: CsvLayout.partial(),
  header_cells: z.array(z.string()),
  rows: z.array(z.array(z.string())).max(50),
  /** The file's lines before the table, as text (the picker shows what "lines to skip" skips). */
  preamble: z.array(z.string()).max(200),
  matched: z.object({ kind: z.enum(["profile", "preset"]), id: z.string(), name: z.string() }).nullable(),
});
export type CsvSniff = z.infer<typeof CsvSniff>;

/** One line of a preview, as it would be stored (or why not). */
export const PreviewRow = z.object({
  row: z.number(),
  status: z.enum(["new", "already", "refused"]),
  date: z.string().nullable(),
  amount: z.number().nullable(),
  currency: z.string().nullable(),
  description: z.string().nullable(),
  category: z.string().nullable(),
  reason: z.string().nullable(),
});
export type PreviewRow = z.infer<typeof PreviewRow>;

/** API → client: a statement read but not stored. The counts cover the whole file; `rows` the first of it. */
export const StatementPreview = z.object({
  file: z.string(),
  /** `ofx`, `camt053`, `preset:<id>`, `profile:<id>` or `custom`. */
  layout: z.string(),
  layout_name: z.string(),
  counts: z.object({ found: z.number(), new: z.number(), already: z.number(), refused: z.number(), skipped: z.number() }),
  rows: z.array(PreviewRow).max(100),
  /** For a CSV: what the picker needs to show and correct the reading. */
  sniff: CsvSniff.nullable(),
});
export type StatementPreview = z.infer<typeof StatementPreview>;
