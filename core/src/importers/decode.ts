/**
 * Statement bytes to text. Headers that name an encoding are often wrong (a file that says USASCII holds Latin-1),
 * so: strip a byte-order mark, read strict UTF-8, and fall back to Windows-1252 (a superset of Latin-1 that also
 * has €). `TextDecoder("windows-1252")` is that; Node's `Buffer` "latin1" is not.
 */
export function decodeStatement(bytes: Uint8Array): string {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    return new TextDecoder("windows-1252").decode(body);
  }
}
