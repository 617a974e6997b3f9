/**
 * What the consent window shows of a text to sign (shared/text/signed-text.ts): derived from the
 * very bytes signed, refused when they are not readable text, every invisible or bidi character
 * and every unusual space shown as a mark instead of obeyed.
 */
import { describe, expect, it } from 'vitest';
import { signedTextOf } from '../../shared/text/signed-text.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('a signed text as the window shows it', () => {
  it('plain Vietnamese text: its lines, as written, nothing marked', () => {
    const shown = signedTextOf(utf8('Tôi đồng ý nộp 1.000.000 đồng.\nHà Nội, ngày 2/12/2026'));
    expect(shown).toEqual({
      ok: true,
      lines: [[{ text: 'Tôi đồng ý nộp 1.000.000 đồng.' }], [{ text: 'Hà Nội, ngày 2/12/2026' }]],
      characters: 53,
      marks: 0,
    });
  });

  it('CRLF breaks a line as LF does; an empty last line is kept (it is signed)', () => {
    const shown = signedTextOf(utf8('một\r\nhai\n'));
    expect(shown.ok && shown.lines).toEqual([[{ text: 'một' }], [{ text: 'hai' }], []]);
  });

  it('bytes that are not UTF-8 are not shown as text: a Latin-1 byte, an overlong form, a surrogate, a cut sequence', () => {
    for (const bytes of [
      [0x74, 0xe9, 0x74], // "tét" in Latin-1
      [0xc0, 0xaf], // overlong "/"
      [0xed, 0xa0, 0x80], // U+D800
      [0x61, 0xe1, 0xba], // "a" and the first two bytes of "ạ"
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
    ])
      expect(signedTextOf(Uint8Array.from(bytes))).toEqual({ ok: false, problem: 'not-utf8' });
  });

  it('a control character other than newline and tab is refused, named with its line: ESC, NUL, a lone CR, DEL, C1', () => {
    expect(signedTextOf(utf8('đúng\nsai\u001b[2J'))).toEqual({
      ok: false,
      problem: 'control-character',
      control: 'U+001B',
      line: 2,
    });
    expect(signedTextOf(utf8('a\u0000b'))).toMatchObject({ ok: false, control: 'U+0000', line: 1 });
    // A lone CR would draw the next words over the line's start in a terminal; shown as a break here: neither.
    expect(signedTextOf(utf8('Trả 100\rTrả 900'))).toMatchObject({ ok: false, control: 'U+000D' });
    expect(signedTextOf(utf8('a\u007fb'))).toMatchObject({ ok: false, control: 'U+007F' });
    expect(signedTextOf(utf8('a\u0085b'))).toMatchObject({ ok: false, control: 'U+0085' });
  });

  it('a bidi override is shown as a mark, never obeyed: "…‮fdp.exe" cannot pass for "…exe.pdf"', () => {
    const shown = signedTextOf(utf8('Đính kèm: hoa-don-\u202Efdp.exe'));
    expect(shown).toMatchObject({
      ok: true,
      lines: [[{ text: 'Đính kèm: hoa-don-' }, { control: 'U+202E' }, { text: 'fdp.exe' }]],
      marks: 1,
    });
    for (const control of [
      '\u202A',
      '\u202B',
      '\u202D',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200E',
      '\u200F',
      '\u061C',
    ])
      expect(signedTextOf(utf8(`a${control}b`))).toMatchObject({ ok: true, marks: 1 });
  });

  it('zero-width characters, a BOM and the line/paragraph separators are marks: they draw nothing', () => {
    const shown = signedTextOf(utf8('\uFEFFSố tiền: 1\u200B00\u200C0\u200D\u2060 đồng\u2028x\u2029'));
    expect(shown).toMatchObject({
      ok: true,
      lines: [
        [
          { control: 'U+FEFF' },
          { text: 'Số tiền: 1' },
          { control: 'U+200B' },
          { text: '00' },
          { control: 'U+200C' },
          { text: '0' },
          { control: 'U+200D' },
          { control: 'U+2060' },
          { text: ' đồng' },
          { control: 'U+2028' },
          { text: 'x' },
          { control: 'U+2029' },
        ],
      ],
      marks: 7,
    });
  });

  it('tabs and spaces other than U+0020 are marks (a no-break space looks like a space, U+3000 like two)', () => {
    const shown = signedTextOf(utf8('a\tb\u00A0c\u2007d\u202Fe\u3000f g'));
    expect(shown).toMatchObject({
      ok: true,
      lines: [
        [
          { text: 'a' },
          { control: 'U+0009' },
          { text: 'b' },
          { control: 'U+00A0' },
          { text: 'c' },
          { control: 'U+2007' },
          { text: 'd' },
          { control: 'U+202F' },
          { text: 'e' },
          { control: 'U+3000' },
          { text: 'f g' },
        ],
      ],
      marks: 5,
    });
  });

  it('characters outside the BMP count once and show as themselves; tag characters are marks', () => {
    const shown = signedTextOf(utf8('𝐀😀\u{E0041}'));
    expect(shown).toMatchObject({
      ok: true,
      lines: [[{ text: '𝐀😀' }, { control: 'U+E0041' }]],
      characters: 3,
      marks: 1,
    });
  });
});
