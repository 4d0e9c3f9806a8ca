import { z } from "zod";

// Text a user types that is later written into other formats (an .ics calendar file, a notice): control
// characters are refused at the API, so a pasted CR LF cannot start a new calendar property or component.

/** True when the text holds no C0 control character and no DEL; `multiline` still lets line feeds and tabs in. */
export function isPlainText(value: string, multiline = false): boolean {
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (multiline && (char === "\n" || char === "\t")) continue;
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

/** One line of text, trimmed, at most `max` characters, with no line break or other control character. */
export function singleLine(max: number) {
  return z.string().trim().max(max).refine((value) => isPlainText(value), { error: "Keep this to one line, without control characters." });
}

/** Several lines of text (notes): line feeds and tabs are kept, carriage returns become line feeds, other control characters are refused. */
export function multiLine(max: number) {
  return z
    .string()
    .trim()
    .max(max)
    .transform((value) => value.replace(/\r\n?/g, "\n"))
    .refine((value) => isPlainText(value, true), { error: "Remove the control characters from this text." });
}
