/**
 * What the consent window shows of a text to sign (shared/text/signed-text.ts): derived from the
 * very bytes signed, refused when they are not readable text, every invisible or bidi character
 * and every unusual space shown as a mark instead of obeyed, a look-alike letter from another script
 * inside a word and marks piled on a letter shown by code point, nothing normalised.
 */
import { describe, expect, it } from 'vitest';
import { markCounts, markedPieces, signedTextOf } from '../../shared/text/signed-text.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('a signed text as the window shows it', () => {
  it('plain Vietnamese text: its lines, as written, nothing marked', () => {
    const shown = signedTextOf(utf8('Tôi đồng ý nộp 1.000.000 đồng.\nHà Nội, ngày 2/12/2026'));
    expect(shown).toEqual({
      ok: true,
      lines: [[{ text: 'Tôi đồng ý nộp 1.000.000 đồng.' }], [{ text: 'Hà Nội, ngày 2/12/2026' }]],
      characters: 53,
      marks: 0,
      foreign: 0,
      disguised: 0,
      stacked: 0,
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

  it('a letter of another script inside a word is a mark naming it and its script: "Công ty" with a Cyrillic о, a Greek ο', () => {
    const shown = signedTextOf(utf8('Công ty C\u043Eng ty ABC, C\u03BFng'));
    expect(shown).toMatchObject({
      ok: true,
      lines: [
        [
          { text: 'Công ty C' },
          { foreign: 'U+043E', script: 'Cyrillic' },
          { text: 'ng ty ABC, C' },
          { foreign: 'U+03BF', script: 'Greek' },
          { text: 'ng' },
        ],
      ],
      marks: 0,
      foreign: 2,
    });
    // The word's own script is the one most of its letters share: a Latin "o" in a Russian word is the odd one.
    expect(signedTextOf(utf8('\u041Co\u0441\u043A\u0432\u0430'))).toMatchObject({
      lines: [
        [{ text: '\u041C' }, { foreign: 'U+006F', script: 'Latin' }, { text: '\u0441\u043A\u0432\u0430' }],
      ],
      foreign: 1,
    });
  });

  it('whole words in another script are not marks, nor scripts that are written together (UTS #39 highly restrictive)', () => {
    for (const text of [
      'Hợp đồng với ООО «Ромашка», Москва — Αθήνα',
      'Tシャツ 漢字かな Windows版 한국어',
      'Đ/c: 12 Nguyễn Trãi, P. Bến Thành, Q.1 — ĐT 0912345678, TK VCB-0123456789',
      'Tôi đồng ý nộp 1.000.000 đồng (tiền mặt)',
    ])
      expect(signedTextOf(utf8(text)), text).toMatchObject({ ok: true, lines: [[{ text }]], foreign: 0 });
  });

  it('among digits, a Cyrillic or Greek letter is a mark: an amount or account number cannot hold a look-alike "О"', () => {
    const shown = signedTextOf(utf8('TK: 1\u041E23 — 1.\u041E\u041E\u041E.000 đ — 2\u039F26'));
    expect(shown).toMatchObject({
      ok: true,
      lines: [
        [
          { text: 'TK: 1' },
          { foreign: 'U+041E', script: 'Cyrillic' },
          { text: '23 — 1.' },
          { foreign: 'U+041E', script: 'Cyrillic' },
          { foreign: 'U+041E', script: 'Cyrillic' },
          { foreign: 'U+041E', script: 'Cyrillic' },
          { text: '.000 đ — 2' },
          { foreign: 'U+039F', script: 'Greek' },
          { text: '26' },
        ],
      ],
      foreign: 5,
    });
  });

  it('a number followed by a word in one script is not a mix: "10кг", "5км", "2,5м", "3λ" (digits are Common, UTS #39)', () => {
    for (const text of [
      'Вес 10кг, расстояние 5км, 2,5м ткани, 3шт',
      'Σύνολο 3λ και 12χλμ',
      'Giao 10кг gạo, 5км cáp',
    ])
      expect(signedTextOf(utf8(text)), text).toMatchObject({ ok: true, lines: [[{ text }]], foreign: 0 });
  });

  it('digits still count as Latin when a letter stands before or between them, or a letter after them can pass for a digit', () => {
    const shown = signedTextOf(utf8('\u041E23 1\u041E\u041E 5\u0417 4\u03BF2'));
    expect(shown).toMatchObject({
      lines: [
        [
          { foreign: 'U+041E', script: 'Cyrillic' },
          { text: '23 1' },
          { foreign: 'U+041E', script: 'Cyrillic' },
          { foreign: 'U+041E', script: 'Cyrillic' },
          { text: ' 5' },
          { foreign: 'U+0417', script: 'Cyrillic' },
          { text: ' 4' },
          { foreign: 'U+03BF', script: 'Greek' },
          { text: '2' },
        ],
      ],
      foreign: 5,
    });
  });

  it('a whole word in another script that looks Latin, beside Latin words, is shown letter by letter: Cyrillic "АВС", "ООО", Greek "ΑΒΕ"', () => {
    const abc = '\u0410\u0412\u0421';
    const cyrillic = (word: string) =>
      [...word].map((c) => ({
        foreign: `U+0${c.codePointAt(0)!.toString(16).toUpperCase()}`,
        script: 'Cyrillic',
        disguised: true,
      }));
    expect(
      signedTextOf(utf8(`Thanh toán cho Công ty ${abc}, số tiền 1 \u041E\u041E\u041E 000 đồng`)),
    ).toMatchObject({
      lines: [
        [
          { text: 'Thanh toán cho Công ty ' },
          ...cyrillic(abc),
          { text: ', số tiền 1 ' },
          ...cyrillic('\u041E\u041E\u041E'),
          { text: ' 000 đồng' },
        ],
      ],
      foreign: 0,
      disguised: 6,
    });
    // Greek, and a word alone on its line judged by the lines around it.
    expect(signedTextOf(utf8('Bên B:\n\u0391\u0392\u0395\n'))).toMatchObject({
      lines: [
        [{ text: 'Bên B:' }],
        [
          { foreign: 'U+0391', script: 'Greek', disguised: true },
          { foreign: 'U+0392', script: 'Greek', disguised: true },
          { foreign: 'U+0395', script: 'Greek', disguised: true },
        ],
        [],
      ],
      disguised: 3,
    });
    // Two such words in a row, between Latin ones: both.
    expect(signedTextOf(utf8(`Công ty ${abc} \u0410\u0412 JSC`))).toMatchObject({ disguised: 5 });
  });

  it('a word that looks Latin is not marked beside a word of its own script that does not ("ООО «Ромашка»"), nor in a text of its own script', () => {
    for (const text of [
      'Hợp đồng với \u041E\u041E\u041E «Ромашка», Москва',
      '\u0410\u0412\u0421 — это буквы',
      '\u0410\u0412\u0421',
      'Giao 10кг gạo',
    ])
      expect(signedTextOf(utf8(text)), text).toMatchObject({ lines: [[{ text }]], foreign: 0, disguised: 0 });
  });

  it('a zero-width character does not split a word to hide a look-alike in it', () => {
    expect(signedTextOf(utf8('C\u200B\u043E\u200Bng ty'))).toMatchObject({
      lines: [
        [
          { text: 'C' },
          { control: 'U+200B' },
          { foreign: 'U+043E', script: 'Cyrillic' },
          { control: 'U+200B' },
          { text: 'ng ty' },
        ],
      ],
      marks: 2,
      foreign: 1,
    });
  });

  it('NFC and NFD Vietnamese are shown as the very code points signed, with nothing marked', () => {
    const nfc = 'Nguyễn Thị Ánh Tuyết, Hà Nội, ngày 2 tháng 12';
    const nfd = nfc.normalize('NFD');
    expect(nfd).not.toBe(nfc);
    for (const text of [nfc, nfd]) {
      const shown = signedTextOf(utf8(text));
      expect(shown).toEqual({
        ok: true,
        lines: [[{ text }]],
        characters: [...text].length,
        marks: 0,
        foreign: 0,
        disguised: 0,
        stacked: 0,
      });
    }
  });

  it('marks piled past three on a letter, or repeating the one before, are shown by code point (counted in NFD)', () => {
    const zalgo = 'a\u0301\u0302\u0303\u0304\u0305\u0306';
    expect(signedTextOf(utf8(`Ký: ${zalgo}n`))).toMatchObject({
      lines: [
        [
          { text: 'Ký: a\u0301\u0302\u0303' },
          { stacked: 'U+0304' },
          { stacked: 'U+0305' },
          { stacked: 'U+0306' },
          { text: 'n' },
        ],
      ],
      stacked: 3,
    });
    // Precomposed "ễ" already carries two: one more is drawn, the second more is shown.
    expect(signedTextOf(utf8('\u1EC5\u0323\u0309'))).toMatchObject({
      lines: [[{ text: '\u1EC5\u0323' }, { stacked: 'U+0309' }]],
      stacked: 1,
    });
    // "é" + U+0301 draws as "é": the repeated acute is shown.
    expect(signedTextOf(utf8('\u00E9\u0301 e\u0301\u0301'))).toMatchObject({
      lines: [[{ text: '\u00E9' }, { stacked: 'U+0301' }, { text: ' e\u0301' }, { stacked: 'U+0301' }]],
      stacked: 2,
    });
  });

  it('markedPieces, which the XML view uses for its values, marks a line exactly as the text view does', () => {
    const spaces = [
      '\u00A0',
      '\u1680',
      ...Array.from({ length: 11 }, (_, i) => String.fromCharCode(0x2000 + i)),
      '\u202F',
      '\u205F',
      '\u3000',
    ];
    const line = `0101${spaces.join('0')}\u202E\uFEFF C\u043Eng ty e\u0301\u0301`;
    const shown = signedTextOf(utf8(line));
    expect(shown.ok && shown.lines).toEqual([markedPieces(line)]);
    expect(
      markedPieces(line)
        .filter((piece) => 'control' in piece)
        .map((piece) => 'control' in piece && piece.control),
    ).toEqual([
      'U+00A0',
      'U+1680',
      'U+2000',
      'U+2001',
      'U+2002',
      'U+2003',
      'U+2004',
      'U+2005',
      'U+2006',
      'U+2007',
      'U+2008',
      'U+2009',
      'U+200A',
      'U+202F',
      'U+205F',
      'U+3000',
      'U+202E',
      'U+FEFF',
    ]);
    expect(markCounts(markedPieces(line))).toEqual({ marks: 18, foreign: 1, disguised: 0, stacked: 1 });
  });
});
