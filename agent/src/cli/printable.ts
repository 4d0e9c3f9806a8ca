// Text from an MCP server or from the web app, as the terminal must show it: faithfully. A raw ESC, `\r` or
// backspace could erase or overwrite the lines the user reads before answering y/N (`hearth mcp approve`), so every
// control character is shown as an escape instead of being obeyed.

// C0 controls, DEL and C1 controls; and the bidi overrides and marks that reorder what is read.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The text with every control character as `\xNN` (`\u{NNNN}` for the bidi ones). With `lines`, `\n` stays, for
 * text the caller itself prints line by line.
 * @example printable("ok\u001b[2K") // "ok\\x1b[2K"
 */
export function printable(text: string, options: { lines?: boolean } = {}): string {
  return text.replace(CONTROLS, (char) => {
    if (options.lines && char === "\n") return char;
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
  });
}
