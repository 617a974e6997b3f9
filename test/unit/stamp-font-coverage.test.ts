import fontkit from '@pdf-lib/fontkit';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FONT_URL } from '../../shared/pdf/appearance.js';
import { STAMP_FONT_RANGES, undrawableInStampFont } from '../../shared/pdf/stamp-font-coverage.js';

describe('the stamp font’s coverage table', () => {
  it('is exactly the characters the bundled font maps (its cmap), so the window judges names as drawing does', () => {
    const font = fontkit.create(readFileSync(DEFAULT_FONT_URL));
    const fromFont = [...font.characterSet].sort((a, b) => a - b);
    const fromTable = STAMP_FONT_RANGES.flatMap(([first, last]) =>
      Array.from({ length: last - first + 1 }, (_, i) => first + i),
    );
    expect(fromTable).toEqual(fromFont);
  });

  it('names the characters of a holder name it cannot draw, each once', () => {
    expect(undrawableInStampFont('Nguyễn Văn Ân')).toEqual([]);
    // Decomposed marks (as macOS may type them) are drawn composed.
    expect(undrawableInStampFont('Nguye\u0302\u0303n')).toEqual([]);
    expect(undrawableInStampFont('王小明 Vương')).toEqual(['王', '小', '明']);
    expect(undrawableInStampFont('Công ty 🙂🙂')).toEqual(['🙂']);
  });
});
