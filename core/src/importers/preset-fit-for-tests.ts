import type { CsvPreset } from "./presets/types.ts";

// For the presets' tests: whether a file's header would pick a preset, worked out apart from the engine (the file
// decoded in the preset's encoding, each of its first lines split on the preset's delimiter, quotes honoured).

/** The first lines of a file as the preset would read them: decoded in its encoding, split on its delimiter. */
export function headerCandidates(bytes: Uint8Array, p: CsvPreset): string[][] {
  const text = new TextDecoder(p.layout.encoding).decode(bytes).replace(/^\uFEFF/, "");
  return text
    .split(/\r\n|\n|\r/)
    .slice(0, 40)
    .map((line) => {
      const cells: string[] = [];
      let cell = "";
      let quoted = false;
      for (const char of line) {
        if (char === '"') quoted = !quoted;
        else if (char === p.layout.delimiter && !quoted) {
          cells.push(cell.trim());
          cell = "";
        } else cell += char;
      }
      return [...cells, cell.trim()];
    });
}

/** Whether one of the file's first lines holds every header cell the preset needs. */
export const presetFits = (bytes: Uint8Array, p: CsvPreset): boolean =>
  p.needs.length > 0 && headerCandidates(bytes, p).some((row) => p.needs.every((need) => row.includes(need)));
