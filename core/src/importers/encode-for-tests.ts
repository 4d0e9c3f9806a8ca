import type { CsvEncoding } from "#protocol";

// For tests: text to the bytes a bank would write in one of the CSV encodings. TextEncoder writes only UTF-8, so
// the single-byte code pages are inverted from TextDecoder's own table (what each of the 256 bytes reads as).

const tables = new Map<CsvEncoding, Map<string, number>>();

function tableOf(encoding: CsvEncoding): Map<string, number> {
  let table = tables.get(encoding);
  if (!table) {
    table = new Map();
    const decoder = new TextDecoder(encoding);
    for (let byte = 255; byte >= 0; byte--) table.set(decoder.decode(new Uint8Array([byte])), byte);
    tables.set(encoding, table);
  }
  return table;
}

/** Whether every character of the text has a byte in the encoding. */
export function encodable(text: string, encoding: CsvEncoding): boolean {
  if (encoding === "utf-8") return true;
  const table = tableOf(encoding);
  return [...text].every((char) => table.has(char));
}

/** The text's bytes in the encoding; throws on a character the code page does not have. */
export function encodeText(text: string, encoding: CsvEncoding, bom = false): Uint8Array {
  if (encoding === "utf-8") {
    const body = new TextEncoder().encode(text);
    return bom ? new Uint8Array([0xef, 0xbb, 0xbf, ...body]) : body;
  }
  const table = tableOf(encoding);
  return new Uint8Array(
    [...text].map((char) => {
      const byte = table.get(char);
      if (byte === undefined) throw new Error(`${JSON.stringify(char)} is not in ${encoding}`);
      return byte;
    }),
  );
}
