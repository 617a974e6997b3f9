/**
 * signedTextOf was made faster (per-line shortcut in the mixed-script pass, cached mark counts, one
 * counting pass): it must show every text exactly as before. Random texts from the characters each
 * rule looks at are compared with the implementation before that change, kept as it was in
 * test/support/signed-text-reference/.
 */
import { describe, expect, it } from 'vitest';
import { signedTextOf } from '../../shared/text/signed-text.js';
import { signedTextOf as signedTextBefore } from '../support/signed-text-reference/signed-text.js';

const ALPHABET = [
  ...'aoeCcABOl xy',
  ...'ôđếệễạảũƯ',
  ...'\u0300\u0301\u0302\u0303\u0309\u0323\u0304\u0488', // combining marks (and an enclosing one)
  ...'\u0410\u0412\u0421\u041E\u043E\u043A\u0433\u0448\u0417\u0431', // Cyrillic, some that look Latin or a digit
  ...'\u0391\u039F\u03BF\u03BB', // Greek
  ...'0123456789',
  ...'.,:/-«»',
  ...'\n\n\r\t',
  ...'\u200B\u00A0\u202E\uFE0F\u200D', // hidden characters, a variation selector
  ...'漢かカ한\u0585', // CJK and Armenian "օ"
  '\u{1D400}',
  '\u{1F600}',
  '\u{E0041}',
];

/** A small deterministic generator (mulberry32): the same texts on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('signedTextOf, made faster, shows texts as before', () => {
  it('3,000 random texts of the characters the rules look at: the same lines, marks and counts', () => {
    const next = random(19);
    const encoder = new TextEncoder();
    const seen = { refused: 0, marks: 0, foreign: 0, disguised: 0, stacked: 0 };
    for (let i = 0; i < 3000; i++) {
      const length = Math.floor(next() * 40);
      let text = '';
      for (let j = 0; j < length; j++) {
        // Words of one script more often than not, as in real text.
        const run = 1 + Math.floor(next() * 4);
        const base = Math.floor(next() * ALPHABET.length);
        for (let k = 0; k < run; k++) text += ALPHABET[(base + Math.floor(next() * 3)) % ALPHABET.length];
      }
      const bytes = encoder.encode(text);
      const before = signedTextBefore(bytes);
      if (!before.ok) seen.refused++;
      else
        for (const key of ['marks', 'foreign', 'disguised', 'stacked'] as const) if (before[key]) seen[key]++;
      expect(signedTextOf(bytes), JSON.stringify(text)).toEqual(
        before.ok
          ? before
          : { ok: false, problem: before.problem, control: before.control, line: before.line },
      );
    }
    // Every rule had work to do in some of them (how many: printed on failure).
    expect(
      Object.values(seen).every((n) => n > 30),
      JSON.stringify(seen),
    ).toBe(true);
  }, 60_000); // a limit for a busy machine, not a timing check: two implementations on 3,000 texts
});
