/**
 * How the verifier reads a name XMLDSig's X509SubjectName or X509IssuerName writes: the attribute values,
 * whatever the producer's spelling of types, order, spacing, quoting or escaping.
 */
import { describe, expect, it } from 'vitest';
import { valuesOfNameString } from '../../verifier/src/key-info.js';

describe('valuesOfNameString', () => {
  const company = [
    'c\u00f4ng ty b\u00e1n h\u00e0ng',
    'c\u00f4ng ty b\u00e1n h\u00e0ng, chi nh\u00e1nh 2',
    'mst:0101234567-002',
    'vn',
  ].sort();

  it('reads an escaped comma, a quoted value with ", " between RDNs, a type written as OID.x, ";" and "+" separators and either order as the same values', () => {
    expect(
      valuesOfNameString('UID=MST:0101234567-002,CN=Công ty Bán Hàng,O=Công ty Bán Hàng\\, Chi nhánh 2,C=VN'),
    ).toEqual(company);
    expect(
      valuesOfNameString(
        'OID.0.9.2342.19200300.100.1.1=MST:0101234567-002, CN=Công ty Bán Hàng, O="Công ty Bán Hàng, Chi nhánh 2", C=VN',
      ),
    ).toEqual(company);
    expect(
      valuesOfNameString(
        'C=VN; O=Công ty Bán Hàng\\, Chi nhánh 2; CN=CÔNG TY BÁN HÀNG + UID=MST:0101234567-002',
      ),
    ).toEqual(company);
  });

  it('decodes hex escapes as UTF-8 and #hex values as the string they encode', () => {
    // "Công" with ô as \C3\B4; the UID as RFC 4514 writes a type it has no name for: BER of a UTF8String.
    const uid = Buffer.concat([Buffer.from([0x0c, 18]), Buffer.from('MST:0101234567-002')]).toString('hex');
    expect(
      valuesOfNameString(
        `1.2.3.4=#${uid},CN=C\\C3\\B4ng ty B\\C3\\A1n H\\C3\\A0ng,O=Công ty Bán Hàng\\2C Chi nhánh 2,C=VN`,
      ),
    ).toEqual(company);
  });

  it('keeps a value it cannot decode as written, and a part without "=" as empty: such a name matches no certificate', () => {
    expect(valuesOfNameString('CN=#zz,junk')).toEqual(['', '#zz']);
    expect(valuesOfNameString('')).toEqual(['']);
  });
});
