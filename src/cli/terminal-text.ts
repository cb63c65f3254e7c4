/**
 * Text from input files (a module name in a dump, a JSON snippet quoted by
 * a parse error, a file name) reaches stderr inside error lines. Written as
 * is, an ESC sequence in it would drive the user's terminal (recolour,
 * retitle, move the cursor, hide the rest of the line), a carriage return
 * would overwrite the message, and a bidirectional override would make it
 * read differently from what it says. Every such character is shown
 * escaped instead: `\x1b`, `\r`, `\u202e`.
 *
 * Escaped: C0 controls (tab, newline and carriage return too: one line is
 * one line), DEL, C1 controls, the bidi embeddings, overrides and isolates,
 * and lone UTF-16 surrogates. Everything else, other scripts included,
 * stays readable.
 */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** One stderr line: white-space runs with line breaks fold to one space, then every unsafe character is escaped. */
export function errorLine(message: string): string {
  return `rnrkit: ${escapeForTerminal(message.replace(/\s*\n\s*/g, ' '))}\n`;
}
