/**
 * Letters from another script inside a word: a Cyrillic "о" in "Công ty", a Greek "ο" in an
 * account number. Drawn as they are, they look like the Latin letter or digit a person reads, but
 * the bytes signed say something else. The rule is UTS #39's mixed-script detection: a word is
 * suspect when no single script holds all its characters (each character's Script_Extensions,
 * Common and Inherited counting as every script; Han, Hiragana, Katakana, Hangul and Bopomofo
 * as the Japanese, Korean and Chinese writing systems that combine them; Latin alongside one of
 * those is allowed, UTS #39's "highly restrictive" level). A whole word in another script (a
 * Russian sentence) is not suspect, and Vietnamese, Latin with its diacritics, is never noisy.
 *
 * For numbers, UTS #39 counts European digits 0–9 as Common, which would let a Cyrillic "О" pass
 * for a zero in "1О0". So the digits of a word count as Latin when a letter stands before or
 * between them ("1О0", "О23", "1.ООО.000", "2Ο26") or when a letter after its last digit can pass
 * for a digit by UTS #39's confusables ("1ОО", "5З": confusables.ts); otherwise they are Common as
 * in UTS #39, so a number followed by a word in one script ("10кг", "5км", "2,5м") is not mixed.
 * A word is also joined across . , : / - next to a digit, so a group separator does not split a
 * number into words.
 */
import { looksLatin, looksLikeDigit } from './confusables.js';

/** Scripts by their Unicode long names (PropertyValueAliases), as `\p{Script_Extensions=…}` takes them. */
const SCRIPT_NAMES = `Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak
  Bengali Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian
  Caucasian_Albanian Chakma Cham Cherokee Chorasmian Coptic Cuneiform Cypriot Cypro_Minoan Cyrillic
  Deseret Devanagari Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs Elbasan Elymaic Ethiopic Garay
  Georgian Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi Gurmukhi Gurung_Khema Han Hangul
  Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana Imperial_Aramaic Inscriptional_Pahlavi
  Inscriptional_Parthian Javanese Kaithi Kannada Katakana Kawi Kayah_Li Kharoshthi
  Khitan_Small_Script Khmer Khojki Khudawadi Kirat_Rai Lao Latin Lepcha Limbu Linear_A Linear_B Lisu
  Lycian Lydian Mahajani Makasar Malayalam Mandaic Manichaean Marchen Masaram_Gondi Medefaidrin
  Meetei_Mayek Mende_Kikakui Meroitic_Cursive Meroitic_Hieroglyphs Miao Modi Mongolian Mro Multani
  Myanmar Nabataean Nag_Mundari Nandinagari New_Tai_Lue Newa Nko Nushu Nyiakeng_Puachue_Hmong Ogham
  Ol_Chiki Ol_Onal Old_Hungarian Old_Italic Old_North_Arabian Old_Permic Old_Persian Old_Sogdian
  Old_South_Arabian Old_Turkic Old_Uyghur Oriya Osage Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau
  Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic Samaritan Saurashtra Sharada Shavian Siddham
  SignWriting Sinhala Sogdian Sora_Sompeng Soyombo Sundanese Sunuwar Syloti_Nagri Syriac Tagalog
  Tagbanwa Tai_Le Tai_Tham Tai_Viet Takri Tamil Tangsa Tangut Telugu Thaana Thai Tibetan Tifinagh
  Tirhuta Todhri Toto Tulu_Tigalari Ugaritic Vai Vithkuqi Wancho Warang_Citi Yezidi Yi
  Zanabazar_Square`.split(/\s+/);

/** Each script the running engine knows (a name newer than its Unicode data is left out, not an error). */
const SCRIPTS: [name: string, pattern: RegExp][] = SCRIPT_NAMES.flatMap((name) => {
  try {
    return [[name, new RegExp(`\\p{Script_Extensions=${name}}`, 'u')]];
  } catch {
    return [];
  }
});
/** The scripts in groups of 12, each with one pattern for all of them: a letter is tested against a few scripts, not all. */
const SCRIPT_GROUPS = Array.from({ length: Math.ceil(SCRIPTS.length / 12) }, (_, i) => {
  const scripts = SCRIPTS.slice(i * 12, i * 12 + 12);
  const any = new RegExp(`[${scripts.map(([name]) => `\\p{Script_Extensions=${name}}`).join('')}]`, 'u');
  return { any, scripts };
});

/** Han, kana, Hangul and Bopomofo also stand for the writing systems that mix them (UTS #39's augmented sets). */
const AUGMENTED: Record<string, string[]> = {
  Han: ['Japanese', 'Korean', 'Chinese'],
  Hiragana: ['Japanese'],
  Katakana: ['Japanese'],
  Hangul: ['Korean'],
  Bopomofo: ['Chinese'],
};
const CJK = new Set(['Japanese', 'Korean', 'Chinese']);

const ANY_SCRIPT = /[\p{Script_Extensions=Common}\p{Script_Extensions=Inherited}]/u;
const EUROPEAN_DIGIT = /[0-9]/u;
const LETTER = /\p{L}/u;

/** Whether a word's digits count as Latin: a letter before or between them, or one after them that can pass for a digit. */
function digitsCountAsLatin(word: string): boolean {
  let last = word.length - 1;
  while (last >= 0 && !isEuropeanDigit(word.charCodeAt(last))) last--;
  if (last < 0) return false;
  if (LETTER.test(word.slice(0, last))) return true;
  for (const character of word.slice(last + 1))
    if (LETTER.test(character) && looksLikeDigit(character)) return true;
  return false;
}
const isEuropeanDigit = (code: number) => code >= 0x30 && code <= 0x39;
/** A word: letters, marks, digits and format characters (a zero-width space does not split one), joined across a number's separators. */
const WORD = /[\p{L}\p{M}\p{N}\p{Cf}]+(?:(?:[.,:/-](?=\p{N})|(?<=\p{N})[.,:/-])[\p{L}\p{M}\p{N}\p{Cf}]+)*/gu;
/** Words of one common script (Latin first), with digits and punctuation: the usual case, decided without looking further. */
const ONE_COMMON_SCRIPT = [
  /^[\p{scx=Latin}\p{scx=Common}\p{scx=Inherited}]*$/u,
  /^[\p{scx=Cyrillic}\p{scx=Common}\p{scx=Inherited}]*$/u,
  /^[\p{scx=Greek}\p{scx=Common}\p{scx=Inherited}]*$/u,
];

/** A character's scripts, or undefined for every script (Common, Inherited). Cached: a text repeats its letters. */
const scriptsCache = new Map<number, Set<string> | undefined>();
function scriptsOf(character: string): Set<string> | undefined {
  const codePoint = character.codePointAt(0)!;
  if (scriptsCache.has(codePoint)) return scriptsCache.get(codePoint);
  let scripts: Set<string> | undefined;
  if (!ANY_SCRIPT.test(character)) {
    scripts = new Set();
    for (const group of SCRIPT_GROUPS.filter((g) => g.any.test(character)))
      for (const [name] of group.scripts.filter(([, p]) => p.test(character)))
        for (const s of [name.replaceAll('_', ' '), ...(AUGMENTED[name] ?? [])]) scripts.add(s);
    // A letter of a script this engine does not know is its own script, unlike any other.
    if (scripts.size === 0) scripts.add(`U+${codePoint.toString(16).toUpperCase()}`);
  }
  scriptsCache.set(codePoint, scripts);
  return scripts;
}

export interface ForeignLetter {
  /** UTF-16 index in the text. */
  index: number;
  character: string;
  /** The letter's script, by its Unicode name ("Cyrillic"). */
  script: string;
  /** In a whole word of another script that looks Latin ("АВС" in Cyrillic), not among letters of another script. */
  disguised?: true;
}

/** Words in a row of one script other than Latin: shown letter by letter when every one of them looks Latin. */
interface Run {
  script: string;
  letters: ForeignLetter[];
  looksLatin: boolean;
  /** The word with letters before the run is Latin. */
  afterLatin: boolean;
}

/**
 * The letters of `text` written in another script than the text around them:
 * - in each mixed word, those outside the script most of its letters share (Latin when tied, or
 *   when its digits count as Latin);
 * - every letter of whole words in another script whose letters all look like plain Latin letters
 *   or digits by UTS #39's confusables ("АВС", "ООО" in Cyrillic, "ΑΒΕ" in Greek), when they stand
 *   next to a Latin word (Vietnamese, English). Words in a row of one script are judged together:
 *   one word of them that does not look Latin ("ООО «Ромашка»") shows the reader the script, so
 *   none is marked. Words without letters (numbers) are passed over; the text is judged whole, so
 *   a word alone on its line is judged by the words on the lines around it.
 */
export function foreignLetters(text: string): ForeignLetter[] {
  const found: ForeignLetter[] = [];
  if (ONE_COMMON_SCRIPT[0]!.test(text)) return found; // all Latin (digits count as Latin): most Vietnamese text
  let run: Run | undefined;
  let previous: string | undefined;
  const endRun = (next: string | undefined) => {
    if (run?.looksLatin && (run.afterLatin || next === 'Latin'))
      for (const letter of run.letters) found.push({ ...letter, disguised: true });
    run = undefined;
  };
  // Line by line: a line all Latin (most of them) is one Latin word as far as runs go, its words not looked at.
  for (let start = 0; start <= text.length;) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    const line = text.slice(start, end);
    if (ONE_COMMON_SCRIPT[0]!.test(line)) {
      if (LETTER.test(line)) {
        endRun('Latin');
        previous = 'Latin';
      }
    } else
      for (const word of line.matchAll(WORD)) {
        word.index += start;
        let script: string | undefined;
        let single = true;
        const latin = ONE_COMMON_SCRIPT[0]!.test(word[0]);
        const digitsLatin = !latin && digitsCountAsLatin(word[0]);
        if (latin) script = LETTER.test(word[0]) ? 'Latin' : undefined;
        else if (!digitsLatin && ONE_COMMON_SCRIPT[1]!.test(word[0])) script = 'Cyrillic';
        else if (!digitsLatin && ONE_COMMON_SCRIPT[2]!.test(word[0])) script = 'Greek';
        else {
          const letters: { index: number; character: string; scripts: Set<string> }[] = [];
          let index = word.index;
          for (const character of word[0]) {
            const scripts =
              digitsLatin && EUROPEAN_DIGIT.test(character) ? new Set(['Latin']) : scriptsOf(character);
            if (scripts) letters.push({ index, character, scripts });
            index += character.length;
          }
          const scriptSets = letters.map((l) => l.scripts);
          if (!mixed(scriptSets)) {
            const shared = common(scriptSets);
            script = !shared
              ? undefined
              : shared.size === 0 || shared.has('Latin')
                ? 'Latin'
                : nameOf(shared);
          } else {
            single = false;
            const counts = new Map<string, number>();
            for (const scripts of scriptSets)
              for (const s of scripts) counts.set(s, (counts.get(s) ?? 0) + 1);
            const most = Math.max(...counts.values());
            script =
              digitsLatin || counts.get('Latin') === most
                ? 'Latin'
                : [...counts].find(([, n]) => n === most)![0];
            for (const { index, character, scripts } of letters)
              if (!scripts.has(script)) found.push({ index, character, script: nameOf(scripts) });
          }
        }
        if (script === undefined) continue; // no letters: a number does not end a run
        if (single && run?.script === script) {
          addLetters(run, word[0], word.index);
          continue;
        }
        endRun(script);
        if (single && script !== 'Latin') {
          run = { script, letters: [], looksLatin: true, afterLatin: previous === 'Latin' };
          addLetters(run, word[0], word.index);
        }
        previous = script;
      }
    start = end + 1;
  }
  endRun(undefined);
  return found.sort((a, b) => a.index - b.index);
}

/** A word's letters (not its digits and marks) into a run, noting whether each looks Latin. */
function addLetters(run: Run, word: string, start: number): void {
  let index = start;
  for (const character of word) {
    const scripts = LETTER.test(character) ? scriptsOf(character) : undefined;
    if (scripts) {
      run.letters.push({ index, character, script: nameOf(scripts) });
      run.looksLatin &&= looksLatin(character);
    }
    index += character.length;
  }
}

/** The scripts all of these share, or undefined for none given. */
function common(sets: Set<string>[]): Set<string> | undefined {
  return sets.reduce<Set<string> | undefined>(
    (all, s) => (all ? new Set([...all].filter((x) => s.has(x))) : new Set(s)),
    undefined,
  );
}

/** No one script holds every letter, nor Latin and one CJK writing system (UTS #39 "highly restrictive"). */
function mixed(letterScripts: Set<string>[]): boolean {
  if ((common(letterScripts)?.size ?? 1) > 0) return false;
  const notLatin = letterScripts.filter((s) => !s.has('Latin'));
  const rest = common(notLatin);
  return !rest || ![...rest].some((s) => CJK.has(s));
}

/** A letter's script as a person would name it: the first of its own scripts, not a writing system. */
function nameOf(scripts: Set<string>): string {
  let name = names.get(scripts);
  if (name === undefined)
    names.set(scripts, (name = [...scripts].find((s) => !CJK.has(s)) ?? [...scripts][0]!));
  return name;
}
/** Names by scripts: the sets scriptsOf gives are kept, so each is named once. */
const names = new WeakMap<Set<string>, string>();
