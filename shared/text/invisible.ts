/**
 * Characters that change how text around them is drawn, or draw nothing: bidi embeddings,
 * overrides and isolates (U+202A–202E, U+2066–2069), directional marks (U+200E/200F, U+061C),
 * zero-width and joiner characters, invisible operators, fillers, soft hyphens, tag characters,
 * and C0/C1 controls. Page text showing them could imitate other text ("…‮fdp.exe" drawn as
 * "…exe.pdf") or be empty to the eye.
 */

export const INVISIBLE_OR_CONTROL =
  // Control characters and lone combining marks are exactly what this class is meant to find.
  // eslint-disable-next-line no-control-regex, no-misleading-character-class
  /[\u0000-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u2028-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF9-\uFFFB\u{E0000}-\u{E007F}]/gu;

/** Whether the text has at least one character a person can see (not only spaces and invisible characters). */
export function hasVisibleCharacter(text: string): boolean {
  return text.replace(INVISIBLE_OR_CONTROL, '').trim().length > 0;
}

export type TextPiece = { text: string } | { control: string };

/** A character named by its code point, as marks show it: "U+202E". */
export const codePointName = (character: string): string =>
  `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Page text split into plain runs and the invisible/control characters between them, each named
 * by its code point (U+202E) so the window can show it as a visible mark instead of obeying it.
 * (A signed text marks more: shared/text/signed-text.ts.)
 */
export function neutralizeText(text: string): TextPiece[] {
  const pieces: TextPiece[] = [];
  let last = 0;
  for (const match of text.matchAll(INVISIBLE_OR_CONTROL)) {
    if (match.index > last) pieces.push({ text: text.slice(last, match.index) });
    pieces.push({ control: codePointName(match[0]) });
    last = match.index + match[0].length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last) });
  return pieces;
}
