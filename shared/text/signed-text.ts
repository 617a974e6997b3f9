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
 * - A letter of another script inside a word (a Cyrillic "о" in "Công ty": mixed-script.ts) is
 *   shown as a mark naming its code point and script, not as the look-alike it would draw; so is
 *   each letter of a whole word in another script that looks Latin ("АВС" in Cyrillic) beside Latin words.
 * - Nonspacing marks piled past what a letter may carry, or repeated (stacked-marks.ts), are shown
 *   as marks instead of drawn over the lines around.
 * - Nothing is normalised: NFC and NFD text show as the very code points signed.
 */
import { codePointName, INVISIBLE_OR_CONTROL, type TextPiece } from './invisible.js';
import { readableTextOf, type UnreadableText } from './readable-text.js';
import { foreignLetters, type ForeignLetter } from './mixed-script.js';
import { excessMarks } from './stacked-marks.js';

/** Shown as marks in a signed text, besides INVISIBLE_OR_CONTROL: spaces that look like U+0020 or like nothing. */
const UNUSUAL_SPACES = '[\\u00A0\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]';
const MARKED = new RegExp(`${INVISIBLE_OR_CONTROL.source}|${UNUSUAL_SPACES}`, 'gu');
/**
 * A piece of a signed line: plain text, a hidden character or unusual space (`control`), a letter of
 * another script (`disguised`: of a whole word that looks Latin), or a mark in excess.
 */
export type SignedTextPiece =
  TextPiece | { foreign: string; script: string; disguised?: true } | { stacked: string };

export type SignedText =
  | {
      ok: true;
      /** Each line's plain runs and marks, in order (no line-ending characters). */
      lines: SignedTextPiece[][];
      /** Unicode code points, line endings included. */
      characters: number;
      /** How many hidden characters and unusual spaces are shown as marks. */
      marks: number;
      /** How many letters of another script than their word's are shown as marks. */
      foreign: number;
      /** How many letters of whole words in another script that look Latin are shown as marks. */
      disguised: number;
      /** How many nonspacing marks in excess are shown as marks. */
      stacked: number;
    }
  | UnreadableText;

export function signedTextOf(bytes: Uint8Array): SignedText {
  const readable = readableTextOf(bytes);
  if (!readable.ok) return readable;
  const { text } = readable;
  // Look-alike words are judged by the words around them, across lines: the whole text at once.
  const foreign = foreignLetters(text);
  const lines: SignedTextPiece[][] = [];
  const lineBreak = /\r?\n/g;
  for (let start = 0, next = 0; ;) {
    const found = lineBreak.exec(text);
    const end = found ? found.index : text.length;
    const lineForeign: ForeignLetter[] = [];
    for (; next < foreign.length && foreign[next]!.index < end; next++)
      lineForeign.push({ ...foreign[next]!, index: foreign[next]!.index - start });
    lines.push(piecesOf(text.slice(start, end), lineForeign));
    if (!found) break;
    start = end + found[0].length;
  }
  return { ok: true, lines, characters: codePoints(text), ...markCounts(lines.flat()) };
}

/** How many pieces are marks of each kind: hidden characters and unusual spaces, foreign and disguised letters, marks in excess. */
export function markCounts(pieces: Iterable<SignedTextPiece>): {
  marks: number;
  foreign: number;
  disguised: number;
  stacked: number;
} {
  const counts = { marks: 0, foreign: 0, disguised: 0, stacked: 0 };
  for (const piece of pieces)
    if ('control' in piece) counts.marks++;
    else if ('foreign' in piece) counts[piece.disguised ? 'disguised' : 'foreign']++;
    else if ('stacked' in piece) counts.stacked++;
  return counts;
}

/** Unicode code points in a well-formed string: its UTF-16 units less one for each surrogate pair. */
function codePoints(text: string): number {
  let pairs = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) pairs++;
  }
  return text.length - pairs;
}

/**
 * One signed value on its own (an XML value or path) as runs of plain text and the marks between
 * them, by the same rule as a signed text's line: every signed value the window shows is marked alike.
 * (Look-alike words are judged within the value, which is all the words around them it has.)
 */
export function markedPieces(value: string): SignedTextPiece[] {
  return piecesOf(value, foreignLetters(value));
}

/** One line as runs of plain text and the marks between them; `foreign`: the line's letters of another script. */
function piecesOf(line: string, foreign: ForeignLetter[]): SignedTextPiece[] {
  const marked = new Map<number, { length: number; piece: SignedTextPiece }>();
  for (const match of line.matchAll(MARKED))
    marked.set(match.index, { length: match[0].length, piece: { control: codePointName(match[0]) } });
  for (const { index, character, script, disguised } of foreign)
    if (!marked.has(index))
      marked.set(index, {
        length: character.length,
        piece: { foreign: codePointName(character), script, ...(disguised && { disguised }) },
      });
  for (const index of excessMarks(line, (i) => marked.has(i))) {
    const character = String.fromCodePoint(line.codePointAt(index)!);
    marked.set(index, { length: character.length, piece: { stacked: codePointName(character) } });
  }
  const pieces: SignedTextPiece[] = [];
  let last = 0;
  for (const [index, { length, piece }] of [...marked].sort(([a], [b]) => a - b)) {
    if (index > last) pieces.push({ text: line.slice(last, index) });
    pieces.push(piece);
    last = index + length;
  }
  if (last < line.length) pieces.push({ text: line.slice(last) });
  return pieces;
}
