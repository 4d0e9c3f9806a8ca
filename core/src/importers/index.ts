// The statement importers' public face, shared by the agent (its watched statements folder) and the worker (an
// upload in the web app). Runtime-neutral: bytes in, activity events out, on Node 22 and on workerd with
// nodejs_compat. Kept out of `#protocol` because the web app bundles that, and these pull in csv-parse,
// fast-xml-parser and node:crypto. A new format gets its own file here and a branch in statement.ts.
export { UnknownCsvLayout } from "./csv.ts";
export type { CsvMapping } from "./csv.ts";
export type { ImportedStatement } from "./ofx.ts";
export { importStatement, isStatementFile } from "./statement.ts";
