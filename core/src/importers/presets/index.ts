import { LEGACY_PRESETS } from "./legacy.ts";
import type { CsvPreset } from "./types.ts";

export type { CsvPreset } from "./types.ts";

/** Every built-in layout, tried in order: the more specific header first. */
export const CSV_PRESETS: readonly CsvPreset[] = [...LEGACY_PRESETS];
