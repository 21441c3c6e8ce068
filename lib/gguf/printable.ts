// Strings read from files, made safe for an error message: control, format, private-use and unassigned characters
// escaped, and long strings cut, so a corrupt file never pours raw binary into a terminal.

const HIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]/u;

/** `text` with hidden characters as \u{…} escapes, cut after `max` characters (the full length then said). */
export function printable(text: string, max = 80): string {
  const chars = Array.from(text);
  let out = '';
  for (const c of chars.slice(0, max)) out += HIDDEN.test(c) ? `\\u{${c.codePointAt(0)!.toString(16)}}` : c;
  return chars.length > max ? `${out}… (${chars.length} characters)` : out;
}
