/**
 * Signatures made by other tools, verified and their tampered copies refused: PDFs signed by
 * poppler/NSS (`pdfsig -add-signature`: adbe.pkcs7.detached), CMS from
 * `openssl cms -sign` (attached and detached, with and without signed attributes), XMLDSig from
 * `xmlsec1 --sign` (RSA and ECDSA), and kyso's own EC-signed HTKK returns and e-invoices.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childrenOf, oidText, readTlv, type Tlv } from '../../shared/cms/der-reader.js';
import { signXml } from '../../shared/xml/xmldsig.js';
import { HTKK_NS } from '../../shared/xml/profiles.js';
import {
  verifyCmsSignature,
  verifyDocument,
  verifyPdfSignatures,
  verifyXmlSignature,
  type VerifyOptions,
} from '../../verifier/src/index.js';
import { dotnetSignedXmlChecker } from '../support/dotnet-signedxml.js';
import { REAL_EINVOICE_CODED, REAL_EINVOICES_SIGNED, REAL_HTKK_SIGNED } from '../support/fixtures.js';
import { opensslCmsSign, opensslCmsVerify } from '../support/openssl.js';
import { addNssSigner, makeNssDb } from '../support/pdf-tools.js';
import { xmlsecSignatureIntact } from '../support/xmlsec.js';
import { startRevocationCa, type IssuedCertificate, type RevocationCa } from '../support/revocation-ca.js';
import { makeSoftwareIdentity, type SoftwareIdentity } from '../support/software-signer.js';
import { onePagePdf } from '../support/sample-pdf.js';

const run = promisify(execFile);
const HTKK = readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url), 'utf8');
const EINVOICE = readFileSync(new URL('../fixtures/xml/einvoice-gtgt.xml', import.meta.url), 'utf8');
const content = Buffer.from('Biên bản nghiệm thu — ký bằng openssl\n');

/** Flips one byte of `needle` where it occurs in `haystack` (a changed letter in the signed text). */
function tamper(haystack: Uint8Array, needle: Buffer): Buffer {
  const copy = Buffer.from(haystack);
  const at = copy.indexOf(needle);
  expect(at).toBeGreaterThanOrEqual(0);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

describe('signatures made by other tools', () => {
  let ca: RevocationCa;
  let dir: string;
  let signer: IssuedCertificate;
  let keyPath: string;
  let ec: SoftwareIdentity;
  let options: VerifyOptions;
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    ca = await startRevocationCa();
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-third-party-'));
    signer = ca.issue('/C=VN/CN=Trần Văn Công Cụ/UID=CCCD:001199000888');
    keyPath = signer.pemPath.replace(/\.pem$/, '.key');
    ec = makeSoftwareIdentity(dir, 'EC', '/C=VN/CN=Khóa EC/UID=MST:0101234567');
    options = { trustedRoots: [ca.caDer], revocation: { policy: 'require' } };
    writeFileSync(file('content.txt'), content);
    await new Promise((resolve) => setTimeout(resolve, 1100));
  }, 60_000);
  afterAll(async () => {
    await ca.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('openssl cms -sign: attached and detached, with and without signed attributes; tampered copies refused', async () => {
    const variants = [
      { name: 'detached', flags: [] },
      { name: 'detached-noattr', flags: ['-noattr'] },
      { name: 'attached', flags: ['-nodetach'] },
      { name: 'attached-noattr', flags: ['-nodetach', '-noattr'] },
    ];
    for (const { name, flags } of variants) {
      const cms = await opensslCmsSign({
        contentFile: file('content.txt'),
        certificateFile: signer.pemPath,
        keyFile: keyPath,
        outFile: file(`${name}.der`),
        flags: ['-md', 'sha256', ...flags],
      });
      const attached = flags.includes('-nodetach');
      const report = await verifyCmsSignature({ cms, ...(!attached && { content }) }, options);
      expect(report.indication, `${name}: ${JSON.stringify(report.signatures[0]!.details)}`).toBe(
        'TOTAL-PASSED',
      );
      expect(report.signatures[0]!.signer?.cccd).toEqual(['001199000888']);
      expect(report.signatures[0]!.timeSource, name).toBe(
        flags.includes('-noattr') ? undefined : 'signed-attribute',
      );
      const tampered = attached
        ? await verifyCmsSignature({ cms: tamper(cms, Buffer.from('nghiệm thu')) }, options)
        : await verifyCmsSignature({ cms, content: tamper(content, Buffer.from('nghiệm thu')) }, options);
      expect(tampered.indication, name).toBe('TOTAL-FAILED');
      expect(tampered.signatures[0]!.subIndication, name).toBe(
        flags.includes('-noattr') ? 'SIG_CRYPTO_FAILURE' : 'HASH_FAILURE',
      );
    }
  });

  it('openssl cms -sign with two signers: each is judged and reported; valid only when both are, as openssl -verify says', async () => {
    const cms = await opensslCmsSign({
      contentFile: file('content.txt'),
      certificateFile: signer.pemPath,
      keyFile: keyPath,
      outFile: file('two-signers.der'),
      flags: ['-md', 'sha256', '-signer', ec.certificatePem, '-inkey', file('sw-ec.key')],
    });
    writeFileSync(
      file('both-cas.pem'),
      readFileSync(ca.caPemPath, 'latin1') + readFileSync(ec.caPem, 'latin1'),
    );
    const both = { trustedRoots: [ca.caDer, ec.caDer], revocation: { policy: 'prefer' as const } };

    const report = await verifyCmsSignature({ cms, content }, both);
    expect(report.indication, JSON.stringify(report.signatures.map((s) => s.details))).toBe('TOTAL-PASSED');
    expect(report.signatures.map((s) => [s.indication, s.signer?.name]).sort()).toEqual([
      ['TOTAL-PASSED', 'Khóa EC'],
      ['TOTAL-PASSED', 'Trần Văn Công Cụ'],
    ]);
    expect(opensslCmsVerify({ cms, content, caFile: file('both-cas.pem') }).ok).toBe(true);

    // The EC signer's CA not trusted: that signature is not proven, so neither is the CMS.
    const oneTrusted = await verifyCmsSignature({ cms, content }, { ...both, trustedRoots: [ca.caDer] });
    expect(oneTrusted.indication).toBe('INDETERMINATE');
    expect(oneTrusted.signatures.map((s) => [s.signer?.name, s.subIndication ?? 'passed']).sort()).toEqual([
      ['Khóa EC', 'NO_CERTIFICATE_CHAIN_FOUND'],
      ['Trần Văn Công Cụ', 'passed'],
    ]);
    expect(opensslCmsVerify({ cms, content, caFile: ca.caPemPath }).ok).toBe(false);

    const tampered = tamper(content, Buffer.from('nghiệm thu'));
    const changed = await verifyCmsSignature({ cms, content: tampered }, both);
    expect(changed.signatures.map((s) => s.subIndication)).toEqual(['HASH_FAILURE', 'HASH_FAILURE']);
    expect(opensslCmsVerify({ cms, content: tampered, caFile: file('both-cas.pem') }).ok).toBe(false);
  });

  it('a length changed inside the signed attributes: TOTAL-FAILED, not read leniently and re-encoded to what was signed; openssl agrees', async () => {
    const cms = await opensslCmsSign({
      contentFile: file('content.txt'),
      certificateFile: signer.pemPath,
      keyFile: keyPath,
      outFile: file('der-attributes.der'),
      flags: ['-md', 'sha256'],
    });
    // ContentInfo [0] SignedData … signerInfos { SignerInfo { version, sid, digestAlgorithm, [0] signedAttrs … } }
    const at = (tlv: Tlv, index: number) => childrenOf(cms, tlv).at(index)!;
    const signerInfo = at(at(at(at(readTlv(cms, 0), 1), 0), -1), 0);
    const signedAttrs = at(signerInfo, 3);
    expect(signedAttrs.tag).toBe(0xa0);
    const contentType = childrenOf(cms, signedAttrs).find(
      (attribute) => oidText(cms, at(attribute, 0)) === '1.2.840.113549.1.9.3',
    )!;
    // SEQUENCE { OID (11 octets), SET { OID } }: a length that ends it after the SET's header
    expect(cms[contentType.offset + 1]).toBe(0x18);
    const changed = Buffer.from(cms);
    changed[contentType.offset + 1] = 0x0d;

    const report = await verifyCmsSignature({ cms: changed, content }, options);
    expect(report.indication).toBe('TOTAL-FAILED');
    expect(report.signatures[0]!.problems).toContain('MALFORMED');
    expect(opensslCmsVerify({ cms: changed, content, caFile: ca.caPemPath }).ok).toBe(false);
    expect((await verifyCmsSignature({ cms, content }, options)).indication).toBe('TOTAL-PASSED');
  });

  it('openssl cms -sign -nodetach of a PDF (a .pdf.p7m): read as the CMS it is, not as a PDF; openssl agrees', async () => {
    writeFileSync(file('quyet-dinh.pdf'), await onePagePdf('Quyet dinh 123/QD-UBND'));
    const p7m = await opensslCmsSign({
      contentFile: file('quyet-dinh.pdf'),
      certificateFile: signer.pemPath,
      keyFile: keyPath,
      outFile: file('quyet-dinh.pdf.p7m'),
      flags: ['-md', 'sha256', '-nodetach'],
    });
    expect(opensslCmsVerify({ cms: p7m, caFile: ca.caPemPath }).ok).toBe(true);
    const report = await verifyDocument(p7m, options);
    expect(report.indication, JSON.stringify(report.signatures[0]?.details)).toBe('TOTAL-PASSED');
    expect(report.signatures[0]!.format).toBe('CMS');
    const tampered = await verifyDocument(tamper(p7m, Buffer.from('%PDF-')), options);
    expect(tampered.signatures[0]!.subIndication).toBe('HASH_FAILURE');
  });

  it('pdfsig -add-signature (NSS, adbe.pkcs7.detached, indefinite-length BER) verifies; a changed byte in the signed revision is refused', async () => {
    const nss = makeNssDb(dir, [ca.caPemPath]);
    addNssSigner(nss, { pemPath: signer.pemPath, keyPath }, 'kyso-third-party');
    const plainPdf = await onePagePdf('Signed by poppler');
    writeFileSync(file('plain.pdf'), plainPdf);
    // This poppler (22.12) answers "-etsi is not supported yet with -add-signature": adbe.pkcs7.detached only.
    const out = file('poppler.pdf');
    await run('pdfsig', [
      '-nssdir',
      `sql:${nss}`,
      '-add-signature',
      '-nick',
      'kyso-third-party',
      '-reason',
      'third party',
      file('plain.pdf'),
      out,
    ]);
    const pdf = readFileSync(out);
    const report = await verifyPdfSignatures(pdf, options);
    expect(report.indication, JSON.stringify(report.signatures.map((s) => s.details))).toBe('TOTAL-PASSED');
    expect(report.signatures[0]).toMatchObject({
      format: 'PAdES',
      signer: { name: 'Trần Văn Công Cụ' },
      coverage: { wholeDocument: true },
    });
    // The header's version (1.7 → 0.7): a byte the signature covers, the file still parses.
    const tampered = await verifyPdfSignatures(tamper(pdf, Buffer.from('1.7')), options);
    expect(tampered.signatures[0]).toMatchObject({
      indication: 'TOTAL-FAILED',
      subIndication: 'HASH_FAILURE',
    });
  });

  it('xmlsec1 --sign (RSA and ECDSA), verified; a changed figure refused', async () => {
    const template = (method: string) =>
      '<?xml version="1.0" encoding="UTF-8"?>\n<HDon><DLHDon><MST>0101234567</MST><TgTTTBSo>1100000</TgTTTBSo></DLHDon>' +
      '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>' +
      '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>' +
      `<SignatureMethod Algorithm="${method}"/>` +
      '<Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>' +
      '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference></SignedInfo>' +
      '<SignatureValue/><KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo></Signature></HDon>\n';
    const cases = [
      {
        name: 'rsa',
        method: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
        key: keyPath,
        cert: signer.pemPath,
        roots: [ca.caDer],
      },
      {
        name: 'ec',
        method: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
        key: file('sw-ec.key'),
        cert: ec.certificatePem,
        roots: [new Uint8Array(ec.caDer)],
      },
    ];
    for (const { name, method, key, cert, roots } of cases) {
      writeFileSync(file(`${name}.tmpl.xml`), template(method));
      await run('xmlsec1', [
        '--sign',
        '--privkey-pem',
        `${key},${cert}`,
        '--output',
        file(`${name}.signed.xml`),
        file(`${name}.tmpl.xml`),
      ]);
      const signed = readFileSync(file(`${name}.signed.xml`), 'utf8');
      const checkOptions = {
        trustedRoots: roots,
        revocation: { policy: name === 'rsa' ? 'require' : 'off' },
      } as const;
      const report = await verifyXmlSignature(signed, checkOptions);
      expect(report.indication, `${name}: ${JSON.stringify(report.signatures.map((s) => s.details))}`).toBe(
        'TOTAL-PASSED',
      );
      expect(report.signatures[0]!.coverage, name).toMatchObject({ wholeDocument: true, references: [''] });
      const changed = await verifyXmlSignature(signed.replace('1100000', '1100001'), checkOptions);
      expect(changed.indication, name).toBe('TOTAL-FAILED');
      expect(changed.signatures[0]!.subIndication, name).toBe('HASH_FAILURE');
      expect(changed.signatures[0]!.details[0], name).toBe(
        'the signed document changed after signing: its digest is not the one signed',
      );
    }
  });

  it('a real HTKK return as its taxpayer signed it (Viettel-CA, HTKK 5.3.4, with appendices): the signature verifies, as xmlsec1 says; its chain is not trusted here and its 1024-bit key is weak; a changed figure fails both', async () => {
    /** xmlsec1 checking the signature with the KeyInfo certificate, its chain not judged. */
    const xmlsecSignatureOk = (name: string, xml: string) => {
      writeFileSync(file(name), xml);
      const args = ['--verify', '--insecure', '--id-attr:id', `${HTKK_NS}:HSoKhaiThue`, file(name)];
      return run('xmlsec1', args).then(
        () => true,
        () => false,
      );
    };
    // Viettel-CA's root is not in the test's trust list: the chain is judged untrusted, the rest as usual.
    const nothingTrusted: VerifyOptions = { trustedRoots: [], revocation: { policy: 'off' } };
    const report = await verifyXmlSignature(REAL_HTKK_SIGNED, nothingTrusted);
    const [signature] = report.signatures;
    expect(report.signatures).toHaveLength(1);
    expect(signature!.problems, JSON.stringify(signature!.details)).toEqual(['UNTRUSTED_CHAIN', 'WEAK_KEY']);
    expect(signature!.subIndication).toBe('CRYPTO_CONSTRAINTS_FAILURE_NO_POE');
    expect(signature!.coverage).toMatchObject({ references: ['#_NODE_TO_SIGN'], bytesAfter: 0 });
    expect(signature!.signer?.mst).toEqual(['0401985971']);
    expect(signature!.party).toEqual({ role: 'taxpayer', taxCodes: ['0401985971'], signerCarries: true });
    expect(await xmlsecSignatureOk('real-htkk.xml', REAL_HTKK_SIGNED)).toBe(true);

    const changed = REAL_HTKK_SIGNED.replace('<ct110>703076224</ct110>', '<ct110>703076225</ct110>');
    expect(changed).not.toBe(REAL_HTKK_SIGNED);
    const changedReport = await verifyXmlSignature(changed, nothingTrusted);
    expect(changedReport.indication).toBe('TOTAL-FAILED');
    expect(changedReport.signatures[0]!.subIndication).toBe('HASH_FAILURE');
    expect(changedReport.signatures[0]!.details[0]).toBe(
      'the signed element #_NODE_TO_SIGN changed after signing: its digest is not the one signed',
    );
    expect(await xmlsecSignatureOk('real-htkk-changed.xml', changed)).toBe(false);
  });

  it("real e-invoices as their issuers signed them (the tax office's message 202 with its own signature, VNPT, VNInvoice): every signature verifies, as xmlsec1 says, with its signed SigningTime and party; a changed figure, code or time fails the signatures that cover it, in both", async () => {
    const nothingTrusted: VerifyOptions = { trustedRoots: [], revocation: { policy: 'off' } };
    const xmlsecSignatureOk = (name: string, xml: string, index: number) =>
      xmlsecSignatureIntact(dir, xml, name, index).ok;
    const { tct202, vnpt, vninvoice } = REAL_EINVOICES_SIGNED;
    const invoice = '#TS24_2111051448445960106322455';
    const seller = (taxCode: string, signerCarries: boolean) => ({
      role: 'seller',
      taxCodes: [taxCode],
      signerCarries,
    });
    const expired = ['UNTRUSTED_CHAIN', 'CERT_EXPIRED_NO_POE'];
    const cases = [
      {
        name: 'tct202',
        xml: tct202,
        signatures: [
          {
            references: [invoice, '#TimeStamp'],
            signingTime: '2021-11-05T07:48:47.000Z',
            problems: expired,
            party: seller('0106324653', true),
          },
          {
            // The tax office's: the invoice, its own SigningTime and the code it gave (MCCQT).
            references: [
              invoice,
              '#SigningTime-17df25b26639432c8e6e1fdca4b08b28',
              '#Id-3fca5333d7894598844aae52ece50271',
            ],
            signingTime: '2021-11-05T07:49:44.000Z',
            problems: expired,
            party: { role: 'tax-authority', taxCodes: [], invoiceCode: '00474597512BE94B7BAB367996EF464828' },
          },
        ],
      },
      {
        // SigningTime in no namespace (VNPT's SignatureProperties xmlns=""), covered and taken.
        name: 'vnpt',
        xml: vnpt,
        signatures: [
          {
            references: ['#DuLieuKy', '#SigningTime-00d1a5600c534b9ab0a8dad4b57526c8'],
            signingTime: '2022-07-21T08:26:46.000Z',
            problems: [...expired, 'WEAK_ALGORITHM'],
            // VNPT's test certificate signs for a seller whose tax code it does not carry: a warning.
            party: seller('0100692594-996', false),
          },
        ],
      },
      {
        name: 'vninvoice',
        xml: vninvoice,
        signatures: [
          {
            references: ['#Id-23776', '#SigningTime-23776'],
            signingTime: '2023-11-18T14:52:27.000Z',
            problems: [...expired, 'WEAK_ALGORITHM'],
            party: seller('0102182292-998', true),
          },
        ],
      },
    ];
    for (const { name, xml, signatures } of cases) {
      const report = await verifyXmlSignature(xml, nothingTrusted);
      expect(report.signatures, name).toHaveLength(signatures.length);
      for (const [at, expected] of signatures.entries()) {
        const signature = report.signatures[at]!;
        const how = `${name} #${at + 1}: ${JSON.stringify(signature.details)}`;
        expect(signature.problems, how).toEqual(expected.problems);
        expect(signature.coverage?.references, how).toEqual(expected.references);
        expect(signature.signingTime?.toISOString(), how).toBe(expected.signingTime);
        expect(signature.party, how).toEqual(expected.party);
        expect(xmlsecSignatureOk(`${name}.xml`, xml, at + 1), how).toBe(true);
      }
    }

    // A changed total: both of the message's signatures cover the invoice, and both fail.
    const changedTotal = tct202.replace('<TgTTTBSo>1284000</TgTTTBSo>', '<TgTTTBSo>1284001</TgTTTBSo>');
    expect(changedTotal).not.toBe(tct202);
    const totalReport = await verifyXmlSignature(changedTotal, nothingTrusted);
    for (const [at, signature] of totalReport.signatures.entries()) {
      expect(signature.subIndication).toBe('HASH_FAILURE');
      expect(signature.details[0]).toBe(
        `the signed element ${invoice} changed after signing: its digest is not the one signed`,
      );
      expect(xmlsecSignatureOk('tct202-total.xml', changedTotal, at + 1)).toBe(false);
    }
    // A changed code: only the tax office's signature covers it; the seller signed before it was given.
    const changedCode = tct202.replace(
      '>00474597512BE94B7BAB367996EF464828<',
      '>00474597512BE94B7BAB367996EF464829<',
    );
    expect(changedCode).not.toBe(tct202);
    const [sellers, taxOffices] = (await verifyXmlSignature(changedCode, nothingTrusted)).signatures;
    expect(sellers!.problems).toEqual(expired);
    expect(taxOffices!.subIndication).toBe('HASH_FAILURE');
    expect(taxOffices!.details[0]).toBe(
      'the signed element #Id-3fca5333d7894598844aae52ece50271 changed after signing: its digest is not the one signed',
    );
    expect(xmlsecSignatureOk('tct202-code.xml', changedCode, 1)).toBe(true);
    expect(xmlsecSignatureOk('tct202-code.xml', changedCode, 2)).toBe(false);
    // An earlier signing time, in no namespace as VNPT writes it: signed, so refused.
    const earlier = vnpt.replace('<SigningTime>2022-07-21T15:26:46<', '<SigningTime>2022-07-20T15:26:46<');
    expect(earlier).not.toBe(vnpt);
    const earlierReport = await verifyXmlSignature(earlier, nothingTrusted);
    expect(earlierReport.signatures[0]!.subIndication).toBe('HASH_FAILURE');
    expect(earlierReport.signatures[0]!.details[0]).toMatch(
      /^the signed element #SigningTime-00d1a5600c534b9ab0a8dad4b57526c8 changed/,
    );
    expect(xmlsecSignatureOk('vnpt-earlier.xml', earlier, 1)).toBe(false);

    // .NET's SignedXml (Mono's) agrees on VNPT's and VNInvoice's; the message's only once its HDon is the document.
    const dotnetValid = dotnetSignedXmlChecker(dir);
    expect(dotnetValid('vnpt.xml', vnpt)).toBe('True');
    expect(dotnetValid('vninvoice.xml', vninvoice)).toBe('True');
    expect(dotnetValid('tct202.xml', tct202, 1)).toBe('False');
    const hdon = REAL_EINVOICE_CODED;
    expect([0, 1].map((at) => dotnetValid('tct202-hdon.xml', hdon, at))).toEqual(['True', 'True']);
  });

  it("the tax office's signed code moved aside and another put where readers take it (HDon/MCCQT): xmlsec1 still verifies the tax office's signature, kyso reports the wrapping", async () => {
    const nothingTrusted: VerifyOptions = { trustedRoots: [], revocation: { policy: 'off' } };
    const { tct202 } = REAL_EINVOICES_SIGNED;
    const code = /<MCCQT Id="([^"]+)">([^<]+)<\/MCCQT>/.exec(tct202)!;
    // The signed MCCQT into an Object of the tax office's Signature (out of the default namespace it
    // would take there); a code of the forger's in its place, without an Id.
    const movedAside = tct202
      .replace(code[0], '<MCCQT>00FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF</MCCQT>')
      .replace(
        /(<Signature Id="Tct-uuid"[^]*?)(<\/Signature>)/,
        `$1<Object><MCCQT xmlns="" Id="${code[1]}">${code[2]}</MCCQT></Object>$2`,
      );
    expect(movedAside).toContain(`<MCCQT xmlns="" Id="${code[1]}">`);
    expect(xmlsecSignatureIntact(dir, movedAside, 'mccqt-moved.xml', 2).ok).toBe(true);
    const [sellers, taxOffices] = (await verifyXmlSignature(movedAside, nothingTrusted)).signatures;
    expect(sellers!.problems).toEqual(['UNTRUSTED_CHAIN', 'CERT_EXPIRED_NO_POE']);
    expect(taxOffices!.problems).toContain('DOCUMENT_MODIFIED_AFTER_SIGNING');
    expect(taxOffices!.details).toContain(
      'the signed <MCCQT> is not the only one where readers take it, or not there: a reader may take another, unsigned one (signature wrapping)',
    );
  });

  it("kyso's own EC-signed HTKK return and e-invoice verify; changed copies refused", async () => {
    const roots: VerifyOptions = { trustedRoots: [new Uint8Array(ec.caDer)], revocation: { policy: 'off' } };
    for (const [profile, xml, from, to] of [
      ['htkk', HTKK, '<mst>0101234567</mst>', '<mst>0101234568</mst>'],
      ['einvoice', EINVOICE, '<MST>', '<MST>9'],
    ] as const) {
      const signed = await signXml(
        xml,
        { profile, certificate: new Uint8Array(ec.certificateDer) },
        ec.signer,
      );
      expect(signed).toMatch(/ecdsa-sha256/);
      const report = await verifyXmlSignature(signed, roots);
      expect(
        report.indication,
        `${profile}: ${JSON.stringify(report.signatures.map((s) => s.details))}`,
      ).toBe('TOTAL-PASSED');
      expect(report.signatures[0]!.signer?.mst).toEqual(['0101234567']);
      expect(signed.includes(from), profile).toBe(true);
      const changed = await verifyXmlSignature(signed.replace(from, to), roots);
      expect(changed.indication, profile).toBe('TOTAL-FAILED');
    }
  });
});
