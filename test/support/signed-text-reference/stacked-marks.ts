/**
 * signedTextOf and its passes as they were before they were made faster (commit 3b27e64), kept only as the
 * oracle of test/unit/signed-text-equivalence.test.ts. Not used by kyso.
 *
 * Nonspacing marks piled on one letter ("Zalgo" text) draw over the lines around them and hide
 * them; the same mark twice draws as one ("é" + U+0301 looks like "é"). Vietnamese needs at most
 * two marks on a letter (ệ = e + U+0302 + U+0323 in NFD); Thai, Yoruba or pointed Hebrew up to
 * three. UTS #39 (5.4) suggests forbidding more than four and any repeated mark; the window, which
 * must draw every mark legibly inside its line, allows three: marks past the third on a letter,
 * and a mark repeating the one before it, are shown by code point instead of drawn.
 *
 * Counted in NFD, so a precomposed "ễ" counts its two marks. The text itself is never normalised:
 * only the count looks at the decomposed form, the window shows the code points as signed.
 */

/** Nonspacing marks a letter may carry in the window before the rest are shown as marks. */
export const MAX_MARKS_PER_LETTER = 3;

const NONSPACING_MARK = /^[\p{Mn}\p{Me}]$/u;
const ANY_NONSPACING_MARK = /[\p{Mn}\p{Me}]/u;

/**
 * The UTF-16 indexes of the marks of `text` not to draw: past MAX_MARKS_PER_LETTER on their letter,
 * or the same as the mark before them. `skip`: indexes already shown another way (a variation
 * selector is a nonspacing mark, but already a mark of its own), which neither count nor end a run.
 */
export function excessMarks(text: string, skip: (index: number) => boolean = () => false): number[] {
  const excess: number[] = [];
  if (!ANY_NONSPACING_MARK.test(text)) return excess; // only a mark can be one too many (most texts are NFC)
  let carried = 0;
  let previous: string | undefined;
  let index = 0;
  for (const character of text) {
    if (!skip(index)) {
      if (!NONSPACING_MARK.test(character)) {
        // Below U+00C0 nothing decomposes: most of a text, not normalised at all.
        const marks =
          character < '\u00C0' ? [] : [...character.normalize('NFD')].filter((c) => NONSPACING_MARK.test(c));
        carried = marks.length;
        previous = marks.at(-1);
      } else if (carried >= MAX_MARKS_PER_LETTER || character === previous) {
        excess.push(index);
      } else {
        carried++;
        previous = character;
      }
    }
    index += character.length;
  }
  return excess;
}
