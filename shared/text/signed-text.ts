/**
 * A text document's bytes as the consent window shows them: derived from exactly the bytes that are
 * digested and signed, never from a string the page sent beside them.
 *
 * - The bytes must be UTF-8 (strictly: no overlong forms, surrogates or truncated sequences) and hold
 *   no control character but line feed and tab (a carriage return only before a line feed). Anything
 *   else is not a text a person can read as signed: it is refused (`problem`), and the document is
 *   not signed as a text — a plugin shim then signs it as a digest, which the window says it cannot show.
 * - Lines break at LF (CRLF alike: the CR is not shown, both are signed).
 * - Whatever draws nothing or changes how text around it is drawn (bidi overrides and isolates,
 *   zero-width characters, a BOM, U+2028/2029) and every space but U+0020 (no-break and the other
 *   Unicode spaces) and the tab are not obeyed but shown as marks naming their code point.
 */
import { INVISIBLE_OR_CONTROL, neutralizeText, type TextPiece } from './invisible.js';

/** Shown as marks in a signed text, besides INVISIBLE_OR_CONTROL: spaces that look like U+0020 or like nothing. */
const UNUSUAL_SPACES = '[\\u00A0\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]';
const MARKED = new RegExp(`${INVISIBLE_OR_CONTROL.source}|${UNUSUAL_SPACES}`, 'gu');
/** Controls a text may not hold: C0 but tab and LF, a CR not before an LF, DEL and C1. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000B-\u000C\u000E-\u001F\u007F-\u009F]|\r(?!\n)/u;

export type SignedText =
  | {
      ok: true;
      /** Each line's plain runs and marks, in order (no line-ending characters). */
      lines: TextPiece[][];
      /** Unicode code points, line endings included. */
      characters: number;
      /** How many characters are shown as marks. */
      marks: number;
    }
  | {
      ok: false;
      problem: 'not-utf8' | 'control-character';
      /** control-character: the character's code point (U+001B) and its line (1-based). */
      control?: string;
      line?: number;
    };

export function signedTextOf(bytes: Uint8Array): SignedText {
  let text: string;
  try {
    // ignoreBOM: a BOM is a signed character like any other, kept to be shown as a mark.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { ok: false, problem: 'not-utf8' };
  }
  const forbidden = FORBIDDEN_CONTROL.exec(text);
  if (forbidden) {
    const codePoint = forbidden[0].codePointAt(0)!;
    return {
      ok: false,
      problem: 'control-character',
      control: `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`,
      line: text.slice(0, forbidden.index).split('\n').length,
    };
  }
  const lines = text.split(/\r?\n/).map((line) => neutralizeText(line, MARKED));
  return {
    ok: true,
    lines,
    characters: [...text].length,
    marks: lines.flat().filter((piece) => 'control' in piece).length,
  };
}
