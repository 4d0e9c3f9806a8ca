import type { CsvLayout } from "#protocol";

/** A built-in layout for one bank's CSV export, recognised by its header cells. */
export type CsvPreset = {
  /** Stable: stored rows and profiles name it (`preset:<id>`). */
  id: string;
  /** What the picker shows: "ING (NL)". */
  label: string;
  /** ISO 3166-1 alpha-2 of the bank, or "XX" for a tool's format (Mint, PayPal). */
  country: string;
  /** Where the layout is documented or a public sample export was read: a URL. */
  source: string;
  /** Header cells that identify the layout (all must be in the header row); empty for a file with no header, picked by hand. */
  needs: readonly string[];
  layout: CsvLayout;
};
