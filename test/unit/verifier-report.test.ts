/** The verifier's pure parts: problems → ETSI indication, CMS input forms, format detection, PDF dates. */
import { describe, expect, it } from 'vitest';
import { InputError, cmsBytes } from '../../verifier/src/cms.js';
import { detectFormat } from '../../verifier/src/document.js';
import { pdfDate } from '../../verifier/src/pdf.js';
import { outcomeOf, overall, type SignatureReport } from '../../verifier/src/report.js';

const DER = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]);

describe('verifier report', () => {
  it('no problem passes; the most decisive problem sets the indication', () => {
    expect(outcomeOf([])).toEqual({ indication: 'TOTAL-PASSED' });
    expect(outcomeOf(['REVOCATION_UNKNOWN', 'UNTRUSTED_CHAIN'])).toEqual({
      indication: 'INDETERMINATE',
      subIndication: 'NO_CERTIFICATE_CHAIN_FOUND',
    });
    expect(outcomeOf(['UNTRUSTED_CHAIN', 'DIGEST_MISMATCH'])).toEqual({
      indication: 'TOTAL-FAILED',
      subIndication: 'HASH_FAILURE',
    });
    expect(outcomeOf(['CERT_EXPIRED_NO_POE'])).toEqual({
      indication: 'INDETERMINATE',
      subIndication: 'OUT_OF_BOUNDS_NO_POE',
    });
    expect(outcomeOf(['REVOCATION_UNKNOWN'])).toEqual({
      indication: 'INDETERMINATE',
      subIndication: 'TRY_LATER',
    });
  });

  it('a document: failed if any signature failed or there is none, passed if all passed', () => {
    const at = new Date();
    const signature = (indication: SignatureReport['indication']) => ({ indication }) as SignatureReport;
    expect(overall([], at).indication).toBe('TOTAL-FAILED');
    expect(overall([signature('TOTAL-PASSED'), signature('INDETERMINATE')], at)).toMatchObject({
      indication: 'INDETERMINATE',
      valid: false,
    });
    expect(overall([signature('INDETERMINATE'), signature('TOTAL-FAILED')], at).indication).toBe(
      'TOTAL-FAILED',
    );
    expect(overall([signature('TOTAL-PASSED')], at)).toMatchObject({
      indication: 'TOTAL-PASSED',
      valid: true,
    });
  });

  it('a CMS as DER, base64 (the SDK), base64url or PEM; anything else is an input error', () => {
    const base64 = Buffer.from(DER).toString('base64');
    expect(cmsBytes(DER)).toBe(DER);
    expect([...cmsBytes(base64)]).toEqual([...DER]);
    expect([...cmsBytes(new TextEncoder().encode(`${base64}\n`))]).toEqual([...DER]);
    expect([...cmsBytes(Buffer.from(DER).toString('base64url'))]).toEqual([...DER]);
    expect([...cmsBytes(`-----BEGIN PKCS7-----\n${base64}\n-----END PKCS7-----\n`)]).toEqual([...DER]);
    expect(() => cmsBytes('Xin chào')).toThrow(InputError);
    expect(() => cmsBytes(Buffer.from('aGVsbG8=', 'utf8'))).toThrow(/expected a CMS as DER/);
  });

  it('the format from the first bytes', () => {
    expect(detectFormat(Buffer.from('%PDF-1.7\n'))).toBe('pdf');
    expect(detectFormat(Buffer.from('\uFEFF  <?xml version="1.0"?><a/>'))).toBe('xml');
    expect(detectFormat(DER)).toBe('cms');
  });

  it("PDF dates with and without Vietnam's offset", () => {
    expect(pdfDate("D:20261130170000+07'00'")?.toISOString()).toBe('2026-11-30T10:00:00.000Z');
    expect(pdfDate('D:20261130100000Z')?.toISOString()).toBe('2026-11-30T10:00:00.000Z');
    expect(pdfDate('yesterday')).toBeUndefined();
  });
});
