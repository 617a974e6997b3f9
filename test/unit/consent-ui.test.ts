/** The consent window's pure parts: page text made inert, the language chosen, plurals, and the messages' schemas. */
import { describe, expect, it } from 'vitest';
import {
  BackgroundToConsentSchema,
  ConsentToBackgroundSchema,
  DOCUMENT_WARNING_CODES,
  OptionsRequestSchema,
} from '../../shared/protocol/consent.js';
import { pageRequests } from '../../shared/protocol/page.js';
import { hasVisibleCharacter, neutralizeText } from '../../shared/text/invisible.js';
import { MESSAGES } from '../../extension/src/i18n/messages.js';
import { chooseLanguage, translator } from '../../extension/src/i18n/translate.js';

describe('page text', () => {
  it('shows bidi overrides, isolates, marks and zero-width characters as named marks', () => {
    expect(neutralizeText('hoa-don-\u202Efdp.exe')).toEqual([
      { text: 'hoa-don-' },
      { control: 'U+202E' },
      { text: 'fdp.exe' },
    ]);
    const controls = [
      '\u202A',
      '\u202B',
      '\u202C',
      '\u202D',
      '\u202E',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200E',
      '\u200F',
      '\u061C',
      '\u200B',
      '\u200C',
      '\u200D',
      '\u2060',
      '\uFEFF',
    ];
    for (const c of controls) {
      const pieces = neutralizeText(`a${c}b`);
      expect(pieces).toHaveLength(3);
      expect(pieces[1]).toEqual({
        control: `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`,
      });
    }
    expect(neutralizeText('\u{E0041}')).toEqual([{ control: 'U+E0041' }]); // tag characters
    expect(neutralizeText('Tờ khai thuế GTGT 01/2026')).toEqual([{ text: 'Tờ khai thuế GTGT 01/2026' }]);
  });

  it('a name of only invisible characters is refused by the page schema', () => {
    expect(hasVisibleCharacter('\u200B\u200C\u200D\uFEFF')).toBe(false);
    expect(hasVisibleCharacter(' \u202E ')).toBe(false);
    expect(hasVisibleCharacter('a\u200B')).toBe(true);
    const params = (documentName: string, description = 'Hồ sơ') => ({
      digest: Buffer.alloc(32, 1).toString('base64'),
      digestAlgorithm: 'SHA-256',
      description,
      documentName,
    });
    expect(pageRequests['sign-cms'].params.safeParse(params('\u200B\u200B')).success).toBe(false);
    expect(pageRequests['sign-cms'].params.safeParse(params('ho-so.pdf', '\u2066\u2069')).success).toBe(
      false,
    );
    expect(pageRequests['sign-cms'].params.safeParse(params('ho-so.pdf')).success).toBe(true);
  });
});

describe('language', () => {
  it('portal first, then the UI language, then accept-languages with Vietnamese first when listed', () => {
    expect(chooseLanguage('en', 'vi', ['vi'])).toBe('en');
    expect(chooseLanguage(undefined, 'vi', [])).toBe('vi');
    // Debian's Chromium with --lang=vi reports en-US: the accept-languages decide.
    expect(chooseLanguage(undefined, 'en-US', ['vi', 'en'])).toBe('vi');
    expect(chooseLanguage(undefined, 'en-US', ['en-US', 'en'])).toBe('en');
    expect(chooseLanguage(undefined, 'fr', ['de', 'en-GB'])).toBe('en');
    expect(chooseLanguage(undefined, 'fr', ['de'])).toBe('vi');
  });

  it('plurals in both languages, with numbers written the language’s way', () => {
    const en = translator('en');
    const vi = translator('vi');
    expect(en.plural('pages', 1)).toBe('1 page');
    expect(en.plural('pages', 3)).toBe('3 pages');
    expect(vi.plural('pages', 1)).toBe('1 trang');
    expect(en.plural('batchCount', 1000)).toBe('1,000 documents — one PIN entry');
    expect(vi.plural('batchCount', 1000)).toBe('1.000 tài liệu — một lần nhập mã PIN');
    expect(en.plural('unusable', 1)).toBe('Show 1 certificate that cannot sign');
    expect(en.t('pageOf', { page: 2, pages: 5 })).toBe('Page 2 of 5');
  });

  it('both catalogues have the same keys, and message names _locales accepts', () => {
    expect(Object.keys(MESSAGES.en).sort()).toEqual(Object.keys(MESSAGES.vi).sort());
    for (const key of Object.keys(MESSAGES.vi)) expect(key).toMatch(/^[A-Za-z0-9_@]+$/);
    // The window words each document warning by its code (consent.ts renderWarnings).
    for (const code of DOCUMENT_WARNING_CODES)
      expect(MESSAGES.vi, code).toHaveProperty(`warning_${code.replaceAll('-', '_')}`);
  });
});

describe('consent and options messages', () => {
  it('accepts the agreed messages and drops unknown or malformed ones', () => {
    expect(ConsentToBackgroundSchema.safeParse({ type: 'open-document', index: 3 }).success).toBe(true);
    expect(ConsentToBackgroundSchema.safeParse({ type: 'open-document', index: -1 }).success).toBe(false);
    expect(
      ConsentToBackgroundSchema.safeParse({ type: 'sign', certificateId: 'x', pin: '1234', extra: 1 })
        .success,
    ).toBe(false);
    expect(ConsentToBackgroundSchema.safeParse({ type: 'sign', certificateId: 'x', pin: 1234 }).success).toBe(
      false,
    );
    expect(ConsentToBackgroundSchema.safeParse({ type: 'format-token' }).success).toBe(false);
    expect(
      BackgroundToConsentSchema.safeParse({
        type: 'document-content',
        index: 0,
        content: { kind: 'xml', rows: [{ path: 'NNT/MST', value: '0101234567' }] },
      }).success,
    ).toBe(true);
    expect(
      BackgroundToConsentSchema.safeParse({
        type: 'document-content',
        index: 0,
        content: { kind: 'pdf', url: 'https://example.com/to-khai.pdf' },
      }).success,
    ).toBe(false);
    expect(BackgroundToConsentSchema.safeParse({ type: 'progress', done: 1 }).success).toBe(false);
    expect(OptionsRequestSchema.safeParse({ options: 'status' }).success).toBe(true);
    expect(OptionsRequestSchema.safeParse({ options: 'set-modules', configured: 'a' }).success).toBe(false);
    expect(OptionsRequestSchema.safeParse({ options: 'delete-everything' }).success).toBe(false);
  });
});
