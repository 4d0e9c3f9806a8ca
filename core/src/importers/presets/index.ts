import { BALTIC_PRESETS } from "./baltic.ts";
import { DE_PRESETS } from "./de.ts";
import { FR_PRESETS } from "./fr.ts";
import { LEGACY_PRESETS } from "./legacy.ts";
import { NL_PRESETS } from "./nl.ts";
import { NORDIC_PRESETS } from "./nordic.ts";
import type { CsvPreset } from "./types.ts";
import { UK_PRESETS } from "./uk.ts";
import { US_PRESETS } from "./us.ts";

export type { CsvPreset } from "./types.ts";

// One file per country group; each preset names the public sample export or documentation its layout was read
// from (the sample files themselves are in ../shared/fixtures/statements and ../shared/fixtures/csv, listed in
// their SOURCES.md). Spain's ING (ES) and the tool formats (Mint, PayPal) are in legacy.ts.

/**
 * Every built-in layout, tried in order. No two presets' `needs` fit the same header (presets.test.ts checks
 * this on every sample file), so the order only matters for a header no sample has shown.
 */
export const CSV_PRESETS: readonly CsvPreset[] = [
  ...US_PRESETS,
  ...UK_PRESETS,
  ...DE_PRESETS,
  ...NL_PRESETS,
  ...FR_PRESETS,
  ...NORDIC_PRESETS,
  ...BALTIC_PRESETS,
  ...LEGACY_PRESETS,
];
