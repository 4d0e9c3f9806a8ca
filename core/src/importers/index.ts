// The statement importers' public face, shared by the agent (its watched statements folder) and the worker (an
// upload in the web app). Runtime-neutral: bytes in, activity events out, on Node 22 and on workerd with
// nodejs_compat. Kept out of `#protocol` because the web app bundles that, and these pull in fast-xml-parser and
// node:crypto. A new format gets its own file here and a branch in statement.ts.
export { layoutFromMapping } from "./mapping.ts";
export type { CsvMapping } from "./mapping.ts";
export type { ImportedStatement } from "./ofx.ts";
export { CSV_PRESETS } from "./presets/index.ts";
export type { CsvPreset } from "./presets/index.ts";
export { UnknownCsvLayout, sniffCsv } from "./sniff.ts";
export type { CsvSplit, SniffOptions } from "./sniff.ts";
export { importStatement, isStatementFile } from "./statement.ts";
export type { ImportedFile, StatementOptions } from "./statement.ts";
