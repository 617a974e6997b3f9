/**
 * What a character looks like, by UTS #39's confusables table: its "skeleton" (section 4), the
 * character a person would take it for. The table is Unicode's confusables.txt as the npm package
 * `unhomoglyph` ships it (nodeca, MIT, the whole table, no code of its own that we use).
 */
import table from 'unhomoglyph/data.json' with { type: 'json' };

const prototypes = table as Record<string, string>;

/** UTS #39 skeleton: NFD, each character by its prototype, NFD again. */
export function skeleton(text: string): string {
  let mapped = '';
  for (const character of text.normalize('NFD')) mapped += prototypes[character] ?? character;
  return mapped.normalize('NFD');
}

/** Plain Latin as a reader of Vietnamese or English sees it: ASCII letters and digits, with accent marks. */
const PLAIN_LATIN = /^[A-Za-z0-9\p{Mn}]*$/u;

const looksLatinCache = new Map<string, boolean>();
/** Whether a letter draws as a plain Latin letter or digit (Cyrillic "А" and "о", Greek "Ο"), by its skeleton. */
export function looksLatin(character: string): boolean {
  let looks = looksLatinCache.get(character);
  if (looks === undefined) looksLatinCache.set(character, (looks = PLAIN_LATIN.test(skeleton(character))));
  return looks;
}

/** The skeletons of the digits 0–9 ("0" looks like "O", "1" like "l"). */
const DIGIT_SKELETONS = new Set(Array.from({ length: 10 }, (_, digit) => skeleton(String(digit))));
const looksLikeDigitCache = new Map<string, boolean>();
/** Whether a letter can pass for a digit (Cyrillic "О" and "З", Greek "Ο"), by its skeleton. */
export function looksLikeDigit(character: string): boolean {
  let looks = looksLikeDigitCache.get(character);
  if (looks === undefined)
    looksLikeDigitCache.set(character, (looks = DIGIT_SKELETONS.has(skeleton(character))));
  return looks;
}
