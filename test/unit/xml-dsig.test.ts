import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DigestSigner } from '../../shared/cms/cades.js';
import { escapeRdnValue } from '../../shared/xml/subject-name.js';
import { parseXml } from '../../shared/xml/dom.js';
import {
  completeXmlSignature,
  formatSigningTime,
  prepareXmlSignature,
  signXml,
  subjectNameRfc4514,
  XmlSignatureError,
  type XmlSignatureProblem,
} from '../../shared/xml/index.js';
import { EINVOICE, HTKK_RETURN } from '../support/fixtures.js';
import { makeSoftwareIdentity, type SoftwareIdentity } from '../support/software-signer.js';

const HTKK = HTKK_RETURN;
const INVOICE = EINVOICE;
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';

async function problemOf(promise: Promise<unknown>): Promise<XmlSignatureProblem | undefined> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof XmlSignatureError) return error.problem;
    throw error;
  }
  return undefined;
}

describe('XMLDSig preparation', () => {
  let dir: string;
  let rsa: SoftwareIdentity;
  const subject =
    '/C=VN/ST=Hà Nội/O=Công ty A, B & C/title=Kế toán trưởng/CN=#Lê Thị Hoa /serialNumber=001199000777/UID=MST:0101234567';

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-xml-unit-'));
    rsa = makeSoftwareIdentity(dir, 'RSA', subject);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes SigningTime in Vietnam local time whatever the machine zone, with +07:00 on request', () => {
    expect(formatSigningTime(new Date('2026-11-22T07:05:09.750Z'))).toBe('2026-11-22T14:05:09');
    expect(formatSigningTime(new Date('2026-12-31T20:00:00Z'))).toBe('2027-01-01T03:00:00');
    expect(formatSigningTime(new Date('2026-11-22T07:05:09Z'), true)).toBe('2026-11-22T14:05:09+07:00');
  });

  it('escapes RDN values as RFC 4514 says', () => {
    expect(escapeRdnValue('Công ty A, B & C')).toBe('Công ty A\\, B & C');
    expect(escapeRdnValue('#1 "x"+y;<z>\\')).toBe('\\#1 \\"x\\"\\+y\\;\\<z\\>\\\\');
    expect(escapeRdnValue(' lề ')).toBe('\\ lề\\ ');
    expect(escapeRdnValue(' ')).toBe('\\ ');
  });

  it('names the subject as OpenSSL does in RFC 2253 mode (which xmlsec1 reads back)', () => {
    const openssl = execFileSync('openssl', ['x509', '-noout', '-subject', '-nameopt', 'RFC2253,-esc_msb'], {
      input: readFileSync(rsa.certificatePem),
    })
      .toString('utf8')
      .trim()
      .replace(/^subject=/, '');
    expect(subjectNameRfc4514(rsa.certificateDer)).toBe(openssl);
    expect(openssl).toContain('CN=\\#Lê Thị Hoa\\ ,');
  });

  it('canonicalizes SignedInfo with the namespaces it inherits from the document (inclusive C14N)', async () => {
    const prepared = await prepareXmlSignature(HTKK, { profile: 'htkk', keyType: 'RSA' });
    const signedInfo = new TextDecoder().decode(prepared.canonicalSignedInfo);
    expect(signedInfo).toMatch(
      /^<SignedInfo xmlns="http:\/\/www.w3.org\/2000\/09\/xmldsig#" xmlns:xsi="http:\/\/www.w3.org\/2001\/XMLSchema-instance">/,
    );
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', prepared.canonicalSignedInfo as Uint8Array<ArrayBuffer>),
    );
    expect(prepared.signedInfoDigest).toEqual(digest);
    expect(Buffer.from(prepared.digestInfo!).toString('hex')).toBe(
      `3031300d060960864801650304020105000420${Buffer.from(digest).toString('hex')}`,
    );
    expect(prepared.idAttribute).toEqual({
      element: 'HSoKhaiThue',
      namespace: 'http://kekhaithue.gdt.gov.vn/TKhaiThue',
      attribute: 'id',
    });
    expect(prepared.xml).toContain('<SignatureValue/></Signature></CKyDTu>');
  });

  it('adds the HTKK id and CKyDTu when a return lacks them, in the return namespace', async () => {
    const bare = HTKK.replace(' id="_NODE_TO_SIGN"', '').replace(/\s*<CKyDTu\/>/, '');
    const prepared = await prepareXmlSignature(bare, { profile: 'htkk', keyType: 'EC' });
    expect(prepared.xml).toContain('<HSoKhaiThue id="_NODE_TO_SIGN">');
    expect(prepared.xml).toMatch(
      /<\/HSoKhaiThue>\s*<CKyDTu><Signature xmlns="http:\/\/www.w3.org\/2000\/09\/xmldsig#"/,
    );
  });

  it('keeps characters an XML 1.1 line-ending pass would rewrite (U+2028, U+0085)', async () => {
    const unusual = INVOICE.replace('Thiết bị USB Token', 'Thiết bị\u2028USB\u0085Token');
    const prepared = await prepareXmlSignature(unusual, { profile: 'einvoice', keyType: 'RSA' });
    // Kept, and written as character references, which XML 1.1 readers do not turn into line feeds either.
    expect(prepared.xml).toContain('Thiết bị&#x2028;USB&#x85;Token');
    expect(parseXml(prepared.xml).getElementsByTagName('THHDVu')[0]!.textContent).toBe(
      'Thiết bị\u2028USB\u0085Token lưu chứng thư số',
    );
  });

  it.each<[string, string, XmlSignatureProblem]>([
    ['DOCTYPE', HTKK.replace('<HSoThueDTu', '<!DOCTYPE HSoThueDTu>\n<HSoThueDTu'), 'DOCTYPE_NOT_ALLOWED'],
    [
      'a processing instruction in content',
      HTKK.replace('<PLuc/>', '<?app x?><PLuc/>'),
      'PROCESSING_INSTRUCTION',
    ],
    [
      'a CR character reference our output would lose',
      HTKK.replace('<faxNNT/>', '<faxNNT>a&#13;b</faxNNT>'),
      'INVALID_XML',
    ],
    ['broken XML', HTKK.replace('</CTieuTKhaiChinh>', ''), 'INVALID_XML'],
    ['an invoice given as a tax return', INVOICE, 'PROFILE_MISMATCH'],
    ['the same id twice', HTKK.replace('<PLuc/>', '<PLuc Id="_NODE_TO_SIGN"/>'), 'DUPLICATE_ID'],
    // xml-crypto (kyso's verifier) resolves "#id" by the attribute's local name: two elements to it.
    [
      'the same id in a prefixed attribute',
      HTKK.replace('<PLuc/>', '<PLuc xmlns:q="urn:q" q:id="_NODE_TO_SIGN"/>'),
      'DUPLICATE_ID',
    ],
    [
      'an already signed return',
      HTKK.replace('<CKyDTu/>', `<CKyDTu><Signature xmlns="${DSIG}"/></CKyDTu>`),
      'ALREADY_SIGNED',
    ],
  ])('refuses %s', async (_case, xml, problem) => {
    expect(await problemOf(prepareXmlSignature(xml, { profile: 'htkk', keyType: 'RSA' }))).toBe(problem);
  });

  it.each<[string, string, RegExp]>([
    ['in its place', INVOICE, /<NBan\/>\s*<NMua><Signature [^]*<\/Signature><\/NMua>/],
    ['created after the seller’s', INVOICE.replace(/\s*<NMua\/>/, ''), /<NBan\/>\s*<NMua><Signature /],
    [
      'created before the tax authority’s',
      INVOICE.replace(/<NBan\/>\s*<NMua\/>/, '<CQT/>'),
      /<DSCKS>\s*<NMua><Signature [^]*<\/NMua><CQT\/>/,
    ],
    [
      'in a DSCKS created when the invoice has none',
      INVOICE.replace(/\s*<DSCKS>[^]*<\/DSCKS>/, ''),
      /<\/DLHDon>\s*<DSCKS><NMua><Signature /,
    ],
  ])('puts the buyer’s signature in DSCKS > NMua, %s (Circular 78’s order)', async (_case, xml, place) => {
    const prepared = await prepareXmlSignature(xml, { profile: 'einvoice-buyer', keyType: 'RSA' });
    expect(prepared.xml).toMatch(place);
    expect(prepared.xml).toContain('<Reference URI="#DLHDon-C26TKS-00001234">');
  });

  it('refuses a second buyer’s signature; the buyer may sign beside the seller’s', async () => {
    const signedBy = (slot: string) =>
      INVOICE.replace(`<${slot}/>`, `<${slot}><Signature xmlns="${DSIG}"/></${slot}>`);
    expect(
      await problemOf(prepareXmlSignature(signedBy('NMua'), { profile: 'einvoice-buyer', keyType: 'RSA' })),
    ).toBe('ALREADY_SIGNED');
    expect(
      await problemOf(prepareXmlSignature(signedBy('NBan'), { profile: 'einvoice-buyer', keyType: 'RSA' })),
    ).toBeUndefined();
  });

  it('refuses an invoice whose DLHDon has no Id', async () => {
    const xml = INVOICE.replace(' Id="DLHDon-C26TKS-00001234"', '');
    expect(await problemOf(prepareXmlSignature(xml, { profile: 'einvoice', keyType: 'RSA' }))).toBe(
      'PROFILE_MISMATCH',
    );
  });

  it('refuses SHA-1 unless allowed, and for EC keys even then; refuses PSS signers', async () => {
    const sha1 = { profile: 'htkk', digestAlgorithm: 'SHA-1' } as const;
    expect(await problemOf(prepareXmlSignature(HTKK, { ...sha1, keyType: 'RSA' }))).toBe('SHA1_NOT_ALLOWED');
    expect(await problemOf(prepareXmlSignature(HTKK, { ...sha1, keyType: 'RSA', allowSha1: false }))).toBe(
      'SHA1_NOT_ALLOWED',
    );
    expect(await problemOf(prepareXmlSignature(HTKK, { ...sha1, keyType: 'EC', allowSha1: true }))).toBe(
      'SHA1_NOT_ALLOWED',
    );
    const prepared = await prepareXmlSignature(HTKK, { ...sha1, keyType: 'RSA', allowSha1: true });
    expect(prepared.signedInfoDigest).toHaveLength(20);
    expect(Buffer.from(prepared.digestInfo!).toString('hex')).toMatch(
      /^3021300906052b0e03021a05000414[0-9a-f]{40}$/,
    );

    const pss: DigestSigner = { ...rsa.signer, rsaScheme: 'PSS' };
    expect(await problemOf(signXml(HTKK, { profile: 'htkk', certificate: rsa.certificateDer }, pss))).toBe(
      'UNSUPPORTED_ALGORITHM',
    );
    expect(
      await problemOf(prepareXmlSignature(HTKK, { profile: 'htkk', keyType: 'RSA', signatureId: '1 bad' })),
    ).toBe('PROFILE_MISMATCH');
  });

  it('completes only the SignedInfo that was signed', async () => {
    const prepared = await prepareXmlSignature(INVOICE, { profile: 'einvoice', keyType: 'RSA' });
    const value = await rsa.signer.signDigest(prepared.signedInfoDigest, 'SHA-256');
    const edited = {
      ...prepared,
      xml: prepared.xml.replace('#sha256"/><DigestValue>', '#sha256"/><DigestValue>A'),
    };
    expect(() => completeXmlSignature(edited, value, rsa.certificateDer, 'RSA')).toThrow(/no longer matches/);
    expect(() => completeXmlSignature(prepared, value.subarray(1), rsa.certificateDer, 'RSA')).toThrow(
      /256 bytes/,
    );
    expect(completeXmlSignature(prepared, value, rsa.certificateDer, 'RSA')).toContain(
      `<SignatureValue>${Buffer.from(value).toString('base64')}</SignatureValue>`,
    );
  });
});
