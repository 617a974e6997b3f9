/**
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

/** Below U+00C0 nothing is a mark or decomposes: most of a text, not looked up. */
const FIRST_DECOMPOSING = '\u00C0';
const NO_MARKS = { marks: 0, last: undefined };

/** A character that is not a nonspacing mark: how many its NFD carries, and the last. Cached: a text repeats its letters. */
const bases = new Map<string, { marks: number; last: string | undefined } | null>();
/** The marks a letter carries (counted in NFD), or null for a nonspacing mark itself. */
function baseOf(character: string): { marks: number; last: string | undefined } | null {
  let base = bases.get(character);
  if (base === undefined) {
    const marks = NONSPACING_MARK.test(character)
      ? undefined
      : [...character.normalize('NFD')].filter((c) => NONSPACING_MARK.test(c));
    base = marks ? { marks: marks.length, last: marks.at(-1) } : null;
    bases.set(character, base);
  }
  return base;
}

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
      const base = character < FIRST_DECOMPOSING ? NO_MARKS : baseOf(character);
      if (base) {
        carried = base.marks;
        previous = base.last;
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
