/**
 * A signed PDF between the background and the content script as its tail after the page's own PDF
 * (shared/protocol/pdf-tails.ts): exactly the signed bytes again once the page's are put in front,
 * whatever the page's length modulo 3; a PDF that does not begin with the page's goes whole.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64After, base64Join, bytesToBase64 } from '../../shared/encoding.js';
import { withPdfTails, withoutPdfTails } from '../../shared/protocol/pdf-tails.js';

const b64 = (bytes: Uint8Array) => bytesToBase64(bytes);
const concat = (a: Uint8Array, b: Uint8Array) => new Uint8Array([...a, ...b]);

describe('base64After / base64Join', () => {
  for (const baseLength of [0, 1, 2, 3, 4, 5, 3000, 3001, 3002])
    it(`a base of ${baseLength} bytes: the tail is what follows, and joins back to the whole`, () => {
      const base = new Uint8Array(randomBytes(baseLength));
      const appended = new Uint8Array(randomBytes(1234));
      const whole = b64(concat(base, appended));
      const tail = base64After(b64(base), whole);
      expect(tail).toBeDefined();
      // At most the base's last partial group comes again: 2 bytes, then what was appended.
      expect(tail!.length).toBeLessThanOrEqual(Math.ceil((appended.length + 2) / 3) * 4);
      expect(base64Join(b64(base), tail!)).toBe(whole);
    });

  it('bytes that do not begin with the base have no tail', () => {
    const base = new Uint8Array(randomBytes(300));
    const other = Uint8Array.from(base);
    other[10]! ^= 1;
    expect(base64After(b64(base), b64(concat(other, new Uint8Array(9))))).toBeUndefined();
    expect(base64After(b64(base), b64(base.subarray(0, 150)))).toBeUndefined();
  });
});

describe('a sign-many answer with PDF tails', () => {
  const pdf = new Uint8Array(randomBytes(100_001));
  const signed = concat(pdf, new Uint8Array(randomBytes(5000)));
  const rewritten = new Uint8Array(randomBytes(100_500)); // a PDF kyso wrote anew: goes whole
  const params = {
    documents: [
      { kind: 'pdf', name: 'a.pdf', pdf: b64(pdf) },
      { kind: 'cms', name: 'hash', digest: 'AAAA', digestAlgorithm: 'SHA-256' },
      { kind: 'pdf', name: 'b.pdf', pdf: b64(pdf) },
      { kind: 'pdf', name: 'c.pdf', pdf: b64(pdf) },
    ],
  };
  const result = {
    certificate: 'MIIB',
    results: [
      { ok: true, pdf: b64(signed) },
      { ok: true, cms: 'MIIC' },
      { ok: true, pdf: b64(rewritten) },
      { ok: false, error: { code: 'USER_CANCELLED', message: 'x' } },
    ],
  };

  it('only a PDF that follows the page’s crosses as a tail, a few KB; the page gets the answer as it was', () => {
    const crossing = withPdfTails(params, result) as typeof result & {
      results: Array<Record<string, unknown>>;
    };
    expect(Object.keys(crossing.results[0]!)).toEqual(['ok', 'pdfTail']);
    expect((crossing.results[0]!.pdfTail as string).length).toBeLessThan(7000);
    expect(crossing.results.slice(1)).toEqual(result.results.slice(1));
    expect(JSON.stringify(crossing.results[0]).length).toBeLessThan(
      JSON.stringify(result.results[0]).length / 10,
    );
    expect(withoutPdfTails(params, crossing)).toEqual(result);
  });

  it('a tail for a document that is no PDF of the request is an error, not a guess', () => {
    const crossing = {
      certificate: 'MIIB',
      results: [
        { ok: true, cms: 'MIIC' },
        { ok: true, pdfTail: 'AAAA' },
      ],
    };
    const answered = withoutPdfTails(params, crossing) as { results: Array<Record<string, unknown>> };
    expect(answered.results[1]).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });
});
