/**
 * XMLDSig input that xml-crypto reads differently from XML 1.0 processors, and signatures it
 * refuses with its own words: through the built CLI (`kyso verify`), with xmlsec1 (libxml2, an
 * XML 1.0 processor) as the independent judge.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import {
  completeXmlSignature,
  formatSigningTime,
  preparedSignature,
  prepareXmlSignature,
  signXml,
} from '../../shared/xml/xmldsig.js';
import { verifyXmlSignature } from '../../verifier/src/index.js';
import { dotnetSignedXmlChecker } from '../support/dotnet-signedxml.js';
import { makeSoftwareIdentity, type SoftwareIdentity } from '../support/software-signer.js';
import { KYSO_CLI, kysoVerifyJson } from '../support/verifier-service.js';
import { xmlsecVerify } from '../support/xmlsec.js';
import { REAL_EINVOICE_CODED } from '../support/fixtures.js';

const run = promisify(execFile);
const HTKK = readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url), 'utf8');
const EINVOICE = readFileSync(new URL('../fixtures/xml/einvoice-gtgt.xml', import.meta.url), 'utf8');

describe('XMLDSig: input read differently, signatures refused', () => {
  let dir: string;
  let signer: SoftwareIdentity;
  let signed: string;

  /** `kyso verify FILE --json`: exit code, stderr and, when it printed one, the report. */
  const kysoVerify = async (name: string, xml: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, xml);
    return kysoVerifyJson(file, signer.caPem);
  };

  /**
   * `xml` signed by xml-crypto (another program than kyso) with the test key: the element at each
   * `xpath` referenced (enveloped, C14N 1.0, SHA-256), the Signature appended to the element at `location`.
   */
  const thirdPartySigned = (xml: string, xpaths: string | string[], location: string) => {
    const signing = new SignedXml({
      privateKey: readFileSync(path.join(dir, 'sw-rsa.key')),
      publicCert: readFileSync(signer.certificatePem),
      canonicalizationAlgorithm: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    });
    for (const xpath of [xpaths].flat())
      signing.addReference({
        xpath,
        digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
        transforms: [
          'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
          'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
        ],
      });
    signing.computeSignature(xml, { location: { reference: location, action: 'append' } });
    return signing.getSignedXml();
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-verify-xml-'));
    signer = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=Người Nộp Thuế/UID=MST:0101234567');
    signed = await signXml(
      HTKK,
      { profile: 'htkk', certificate: new Uint8Array(signer.certificateDer) },
      signer.signer,
    );
    expect(xmlsecVerify(dir, signed, signer.caPem, 'signed.xml').ok).toBe(true);
    expect((await kysoVerify('signed.xml', signed)).code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a newline in the signed element replaced by U+2028 or U+0085 (XML 1.1 line ends): refused, as xmlsec1 refuses it', async () => {
    const start = signed.indexOf('<HSoKhaiThue');
    const newline = signed.indexOf('\n', start);
    expect(newline).toBeGreaterThan(start);
    for (const [name, character] of [
      ['u2028', '\u2028'],
      ['u0085', '\u0085'],
    ] as const) {
      const changed = signed.slice(0, newline) + character + signed.slice(newline + 1);
      expect(xmlsecVerify(dir, changed, signer.caPem, `${name}.xml`).ok, name).toBe(false);
      const result = await kysoVerify(`${name}.xml`, changed);
      expect(result.report?.indication, name).not.toBe('TOTAL-PASSED');
      expect(result.code, name).toBe(2);
      expect(result.stderr.trim()).toBe(
        'the XML contains U+0085 or U+2028, which XML 1.0 readers keep and XML 1.1 readers take for a line end: its digests depend on the reader',
      );
    }
  });

  it("xml-crypto's and pkijs's own messages stay out of the report: kyso's sentences instead", async () => {
    // No Algorithm on CanonicalizationMethod: xml-crypto throws "could not find CanonicalizationMethod/@Algorithm element".
    const broken = signed.replace(/(<(?:\w+:)?CanonicalizationMethod) Algorithm="[^"]*"/, '$1');
    expect(broken).not.toBe(signed);
    expect(xmlsecVerify(dir, broken, signer.caPem, 'no-c14n-algorithm.xml').ok).toBe(false);
    const result = await kysoVerify('no-c14n-algorithm.xml', broken);
    expect(result.code).toBe(1);
    const [signature] = result.report!.signatures;
    expect(signature!.problems).toEqual(['SIGNATURE_INVALID']);
    expect(signature!.details[0]).toBe(
      'the signature cannot be checked: its SignedInfo, canonicalization or signature method is missing or unknown',
    );
    expect(JSON.stringify(signature!.details)).not.toMatch(
      /could not find|CanonicalizationMethod\/@Algorithm/,
    );

    // A changed figure: xml-crypto only answers false; kyso names the reference that failed.
    const changed = await kysoVerify(
      'changed.xml',
      signed.replace('<ct22>4500000</ct22>', '<ct22>9500000</ct22>'),
    );
    expect(changed.report!.signatures[0]!.details[0]).toBe(
      'the signed element #_NODE_TO_SIGN changed after signing: its digest is not the one signed',
    );

    // No trusted root: the chain's failure in kyso's words, with the time it was checked at.
    const file = path.join(dir, 'untrusted.xml');
    writeFileSync(file, signed);
    const untrusted = await run(process.execPath, [
      KYSO_CLI,
      'verify',
      file,
      '--revocation',
      'off',
      '--json',
    ]).catch((e: { stdout: string }) => e);
    const report = JSON.parse(untrusted.stdout) as { signatures: Array<{ details: string[] }> };
    expect(report.signatures[0]!.details).toEqual([
      expect.stringMatching(/^signed: /),
      expect.stringMatching(/^chain: no path from the certificate to a trusted root, valid at \d{4}-/),
    ]);
  });

  it('a SignatureValue that is no base64 (a character past its padding changed): refused, as xmlsec1 refuses it', async () => {
    const value = /<SignatureValue>([^<]*)<\/SignatureValue>/.exec(signed)![1]!;
    for (const [name, changedValue] of [
      ['padding-question-mark', `${value.slice(0, -1)}?`],
      ['padding-hyphen', `${value.slice(0, -1)}-`],
    ] as const) {
      const changed = signed.replace(`<SignatureValue>${value}<`, `<SignatureValue>${changedValue}<`);
      expect(changed).not.toBe(signed);
      expect(xmlsecVerify(dir, changed, signer.caPem, `${name}.xml`).ok, name).toBe(false);
      const result = await kysoVerify(`${name}.xml`, changed);
      expect(result.report?.indication, name).toBe('TOTAL-FAILED');
      expect(result.report!.signatures[0]!.problems, name).toEqual(['MALFORMED']);
      expect(result.report!.signatures[0]!.details, name).toEqual(['the SignatureValue is not base64']);
    }
  });

  it('a character XML 1.0 does not allow (U+001D) outside the signed element: refused as not XML, as xmlsec1 refuses it', async () => {
    const changed = signed.replace('<HSoKhaiThue', '\u001d<HSoKhaiThue');
    expect(changed).not.toBe(signed);
    expect(xmlsecVerify(dir, changed, signer.caPem, 'u001d.xml').ok).toBe(false);
    const result = await kysoVerify('u001d.xml', changed);
    expect(result.report).toBeUndefined();
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'not an acceptable XML document: it contains a character XML 1.0 does not allow (U+001D)',
    );
  });

  it('a declaration naming another encoding (ISO-8859-1) over UTF-8 bytes: refused, as xmlsec1 refuses it', async () => {
    // The declaration is outside the signed element; libxml2 decodes the Vietnamese text as Latin-1.
    const changed = signed.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"');
    expect(changed).not.toBe(signed);
    expect(xmlsecVerify(dir, changed, signer.caPem, 'latin1.xml').ok).toBe(false);
    const result = await kysoVerify('latin1.xml', changed);
    expect(result.report).toBeUndefined();
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'not an acceptable XML document: the XML declares the encoding "ISO-8859-1": only UTF-8 is accepted',
    );
  });

  it('a third party\'s signature over an Id that is no XML name ("a b"): refused, as xmlsec1 cannot resolve it', async () => {
    // xml-crypto (a third party here) signs DLHDon by its Id, as invoice software does.
    const sign = (id: string) =>
      thirdPartySigned(
        EINVOICE.replace('Id="DLHDon-C26TKS-00001234"', `Id="${id}"`),
        "//*[local-name(.)='DLHDon']",
        "//*[local-name(.)='NBan' and not(*)]",
      );
    const named = sign('DLHDon-1');
    expect(named).toContain('<Reference URI="#DLHDon-1">');
    expect(xmlsecVerify(dir, named, signer.caPem, 'third-named.xml').ok).toBe(true);
    const fine = await verifyXmlSignature(named, { trustedRoots: [signer.caDer] });
    expect(fine.signatures[0]!.problems).not.toContain('DIGEST_MISMATCH');
    expect(fine.signatures[0]!.problems).not.toContain('SIGNATURE_INVALID');

    const spaced = sign('a b');
    expect(spaced).toContain('<Reference URI="#a b">');
    const xmlsec = xmlsecVerify(dir, spaced, signer.caPem, 'third-spaced.xml');
    expect(xmlsec.ok).toBe(false);
    expect(xmlsec.output).toContain("xpointer(id('a b'))");
    const report = await verifyXmlSignature(spaced, { trustedRoots: [signer.caDer] });
    expect(report.valid).toBe(false);
    expect(report.signatures[0]!.problems).toContain('DIGEST_MISMATCH');
    expect(report.signatures[0]!.details.join('\n')).toContain('names an id that is no XML name');
  });

  it("a tax return signed by another program over its header only (TTinChung): xmlsec1 verifies it, kyso fails it, the declaration's amounts being unsigned", async () => {
    const third = (xpath: string) =>
      thirdPartySigned(
        HTKK.replace('<TTinChung>', '<TTinChung id="hdr">'),
        xpath,
        "//*[local-name(.)='CKyDTu']",
      );
    const header = third("//*[local-name(.)='TTinChung']");
    expect(header).toContain('<Reference URI="#hdr">');
    const headerId = ['--id-attr:id', 'http://kekhaithue.gdt.gov.vn/TKhaiThue:TTinChung'];
    const xmlsec = xmlsecVerify(dir, header, signer.caPem, 'third-header.xml', headerId);
    expect(xmlsec.ok, xmlsec.output).toBe(true);
    const [partial] = (await verifyXmlSignature(header, { trustedRoots: [signer.caDer] })).signatures;
    expect(partial!.problems).toEqual(['DOCUMENT_MODIFIED_AFTER_SIGNING']);
    expect(partial!.indication).toBe('TOTAL-FAILED');
    expect(partial!.details).toContain(
      'the signature covers only part of the tax return (HSoKhaiThue): receivers read all of it, and the rest can be changed without breaking the signature',
    );
    // The same program signing the whole declaration, as HTKK does: nothing to say.
    const whole = third("//*[local-name(.)='HSoKhaiThue']");
    expect(whole).toContain('<Reference URI="#_NODE_TO_SIGN">');
    const [covered] = (await verifyXmlSignature(whole, { trustedRoots: [signer.caDer] })).signatures;
    expect(covered!.problems).toEqual([]);
    expect(covered!.indication).toBe('TOTAL-PASSED');
  });

  it('a document kyso signs with U+2028 or U+0085 in its values is written with character references: xmlsec1 and kyso verify it', async () => {
    const unusual = EINVOICE.replace('Thiết bị USB Token', 'Thiết bị\u2028USB\u0085Token').replace(
      '<SHDon>1234</SHDon>',
      '<SHDon ghiChu="a\u2028b">1234</SHDon>',
    );
    const written = await signXml(
      unusual,
      { profile: 'einvoice', certificate: new Uint8Array(signer.certificateDer) },
      signer.signer,
    );
    expect(written).toContain('Thiết bị&#x2028;USB&#x85;Token');
    expect(written).toContain('ghiChu="a&#x2028;b"');
    expect(written).not.toMatch(/[\u0085\u2028]/);
    const run = xmlsecVerify(dir, written, signer.caPem, 'line-ends.xml');
    expect(run.ok, run.output).toBe(true);
    const report = await verifyXmlSignature(written, { trustedRoots: [signer.caDer] });
    expect(report.signatures[0]!.problems).not.toContain('SIGNATURE_INVALID');
    expect(report.signatures[0]!.problems).not.toContain('DIGEST_MISMATCH');
    // The characters are signed: as line feeds, the signature breaks.
    const asLineFeeds = written.replace('&#x2028;USB&#x85;', '\nUSB\n');
    expect(xmlsecVerify(dir, asLineFeeds, signer.caPem, 'line-feeds.xml').ok).toBe(false);
  });

  it('a SigningTime outside what the signature covers (a second ds:Object placed first) is not taken for the signed one', async () => {
    // An e-invoice signed after the portal's deadline (its SigningTime in a referenced Object). The
    // deadline is a second after the certificate's start, so an earlier claim can still be in its validity.
    const validFrom = new Date(new X509Certificate(signer.certificateDer).validFrom);
    const deadline = new Date(validFrom.getTime() + 1000);
    const signedAt = new Date(deadline.getTime() + 2000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, signedAt.getTime() - Date.now())));
    const invoice = await signXml(
      EINVOICE,
      { profile: 'einvoice', certificate: new Uint8Array(signer.certificateDer), signingTime: signedAt },
      signer.signer,
    );
    const options = {
      trustedRoots: [new Uint8Array(signer.caDer)],
      revocation: { policy: 'off' as const },
      notAfter: deadline,
    };
    const late = await verifyXmlSignature(invoice, options);
    expect(late.signatures[0]!.problems, JSON.stringify(late.signatures[0]!.details)).toEqual([
      'SIGNING_TIME_OUT_OF_BOUNDS',
    ]);

    // Unsigned: an Object before the signed one, claiming the deadline itself.
    const forged = invoice.replace(
      /(<\/(?:\w+:)?KeyInfo>)/,
      `$1<Object xmlns="http://www.w3.org/2000/09/xmldsig#"><SignatureProperties><SignatureProperty Target="#x"><SigningTime>${formatSigningTime(deadline)}</SigningTime></SignatureProperty></SignatureProperties></Object>`,
    );
    expect(forged).not.toBe(invoice);
    expect(xmlsecVerify(dir, forged, signer.caPem, 'forged-time.xml').ok).toBe(true); // still a valid signature
    const [signature] = (await verifyXmlSignature(forged, options)).signatures;
    expect(signature!.signingTime).toEqual(late.signatures[0]!.signingTime);
    expect(signature!.problems).toEqual(['SIGNING_TIME_OUT_OF_BOUNDS']);
  });

  it("an e-invoice signed as Viettel's software signs it (its SigningTime Object referenced under an enveloped-signature transform, digested whole): verified as .NET verifies it, with a warning that xmlsec1 refuses it; its SigningTime is signed", async () => {
    // The shape of a real Viettel invoice (test/fixtures/xml/README.md), made with the test key: the
    // Object's reference gets the enveloped-signature transform, its digest still over the whole Object.
    // A whole second, after the test certificate's start (the time is written to the second).
    const signingTime = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
    await new Promise((resolve) => setTimeout(resolve, signingTime.getTime() - Date.now()));
    const prepared = await prepareXmlSignature(EINVOICE, {
      profile: 'einvoice',
      keyType: 'RSA',
      signingTime,
    });
    const enveloped = '<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>';
    const objectReference = /(<Reference URI="#SigningTime-[^"]+"><Transforms>)/;
    expect(prepared.xml).toMatch(objectReference);
    const asViettel = await preparedSignature({
      ...prepared,
      xml: prepared.xml.replace(objectReference, `$1${enveloped}`),
    });
    if (asViettel.digestAlgorithm === 'SHA-1') throw new Error('kyso signs with SHA-256');
    const signatureValue = await signer.signer.signDigest(
      asViettel.signedInfoDigest,
      asViettel.digestAlgorithm,
      asViettel.canonicalSignedInfo,
    );
    const invoice = completeXmlSignature(
      asViettel,
      signatureValue,
      new Uint8Array(signer.certificateDer),
      'RSA',
    );
    const objectId = /<Object Id="(SigningTime-[^"]+)"/.exec(invoice)![1]!;
    const options = { trustedRoots: [new Uint8Array(signer.caDer)], revocation: { policy: 'off' as const } };

    const [signature] = (await verifyXmlSignature(invoice, options)).signatures;
    expect(signature!.problems, JSON.stringify(signature!.details)).toEqual([]);
    expect(signature!.details).toContain(
      `warning: the signed element #${objectId} lies inside its own Signature, under an enveloped-signature transform: checked whole, as its signer digested it (.NET's reading); xmlsec1 reads it as empty and refuses the signature`,
    );
    expect(signature!.signingTime).toEqual(signingTime);
    const dotnetValid = dotnetSignedXmlChecker(dir);
    expect(dotnetValid('as-viettel.xml', invoice)).toBe('True');
    const xmlsec = xmlsecVerify(dir, invoice, signer.caPem, 'as-viettel.xml', [
      '--id-attr:Id',
      'DLHDon',
      '--id-attr:Id',
      'Object',
    ]);
    expect(xmlsec.ok, xmlsec.output).toBe(false);

    // Its SigningTime is bound by that digest: an earlier one fails here and in .NET.
    const time = formatSigningTime(signingTime);
    const earlier = invoice.replace(
      `<SigningTime>${time}<`,
      `<SigningTime>${formatSigningTime(new Date(signingTime.getTime() - 86_400_000))}<`,
    );
    expect(earlier).not.toBe(invoice);
    const [changed] = (await verifyXmlSignature(earlier, options)).signatures;
    expect(changed!.subIndication).toBe('HASH_FAILURE');
    expect(changed!.details[0]).toBe(
      `the signed element #${objectId} changed after signing: its digest is not the one signed`,
    );
    expect(dotnetValid('as-viettel-earlier.xml', earlier)).toBe('False');
  });

  it('an attribute named like a namespace declaration (xmlnsTien) added to the signed element: refused, as xmlsec1 refuses it', async () => {
    // xml-crypto's C14N leaves such attributes out of the digest: the signature still verified in it.
    const added = signed.replace('<mst>', '<mst xmlnsTien="9999">');
    expect(added).not.toBe(signed);
    expect(xmlsecVerify(dir, added, signer.caPem, 'xmlns-lookalike.xml').ok).toBe(false);
    await expect(verifyXmlSignature(added, { trustedRoots: [signer.caDer] })).rejects.toThrow(
      'not an acceptable XML document: the attribute "xmlnsTien" is named like a namespace declaration: XML readers disagree on it',
    );
  });

  it.each([
    ['xml:lang', 'en'],
    ['xml:space', 'preserve'],
    ['xml:base', 'https://example.com/'],
  ])(
    '%s added to the root after signing (C14N 1.0 carries it into the signed element): xmlsec1 and kyso fail it',
    async (attribute, value) => {
      const root = '<HSoThueDTu xmlns="http://kekhaithue.gdt.gov.vn/TKhaiThue"';
      const changed = signed.replace(root, `${root} ${attribute}="${value}"`);
      expect(changed).not.toBe(signed);
      expect(xmlsecVerify(dir, changed, signer.caPem, `inherited-${attribute.slice(4)}.xml`).ok).toBe(false);
      const [signature] = (await verifyXmlSignature(changed, { trustedRoots: [signer.caDer] })).signatures;
      expect(signature!.indication).toBe('TOTAL-FAILED');
      expect(signature!.problems).toContain('DIGEST_MISMATCH');
      expect(signature!.details.join('\n')).toContain(
        'an xml:lang, xml:space or xml:base above the signed element belongs to its canonical form (C14N 1.0) but not to this digest',
      );
    },
  );

  it('the signed id given to a second element after signing: a reference that cannot be checked, said so', async () => {
    // Outside the signed element: xmlsec1, told the id is HSoKhaiThue's, still verifies it.
    const repeated = signed.replace('<CKyDTu>', '<Khac id="_NODE_TO_SIGN"/><CKyDTu>');
    expect(repeated).not.toBe(signed);
    expect(xmlsecVerify(dir, repeated, signer.caPem, 'repeated-id.xml').ok).toBe(true);
    const [signature] = (await verifyXmlSignature(repeated, { trustedRoots: [signer.caDer] })).signatures;
    expect(signature!.problems).toEqual(['DIGEST_MISMATCH']);
    expect(signature!.details).toContain(
      'a signed reference cannot be checked: its element is missing or its ID repeated, or its digest or transform is unknown',
    );
  });

  /** The signed element cut out of `xml`, an unsigned copy with `change` applied left in its place. */
  const wrapping = (xml: string, name: string, change: (element: string) => string) => {
    const start = xml.indexOf(`<${name}`);
    const end = xml.indexOf(`</${name}>`) + `</${name}>`.length;
    const original = xml.slice(start, end);
    const decoy = change(original.replace(/ (?:id|Id)="[^"]*"/, ''));
    expect(decoy).not.toBe(original);
    return { rest: xml.slice(0, start) + decoy + xml.slice(end), original };
  };

  it.each<[string, 'htkk' | 'einvoice', (signed: string) => string]>([
    [
      'a tax return: the signed declaration under a wrapper after an unsigned one',
      'htkk',
      (xml) => {
        const { rest, original } = wrapping(xml, 'HSoKhaiThue', (e) => e.replace('0101234567', '9999999999'));
        return rest.replace('<CKyDTu>', `<Khac>${original}</Khac><CKyDTu>`);
      },
    ],
    [
      'a tax return: the signed declaration beside the Signature in CKyDTu',
      'htkk',
      (xml) => {
        const { rest, original } = wrapping(xml, 'HSoKhaiThue', (e) => e.replace('0101234567', '9999999999'));
        return rest.replace('<CKyDTu>', `<CKyDTu>${original}`);
      },
    ],
    [
      'an e-invoice: the signed data in the seller slot, another total where it was',
      'einvoice',
      (xml) => {
        const { rest, original } = wrapping(xml, 'DLHDon', (e) => e.replace('21450000', '1450000'));
        return rest.replace('<NBan>', `<NBan>${original}`);
      },
    ],
  ])(
    'signature wrapping, %s: xmlsec1 still verifies the signature, kyso fails it',
    async (name, profile, wrap) => {
      const document =
        profile === 'htkk'
          ? signed
          : await signXml(
              EINVOICE,
              { profile, certificate: new Uint8Array(signer.certificateDer) },
              signer.signer,
            );
      const wrapped = wrap(document);
      expect(wrapped).not.toBe(document);
      const file = `wrapped-${profile}-${name.length}.xml`;
      const xmlsec = xmlsecVerify(dir, wrapped, signer.caPem, file);
      expect(xmlsec.ok, xmlsec.output).toBe(true);
      const [signature] = (await verifyXmlSignature(wrapped, { trustedRoots: [signer.caDer] })).signatures;
      expect(signature!.problems).toContain('DOCUMENT_MODIFIED_AFTER_SIGNING');
      expect(signature!.indication).toBe('TOTAL-FAILED');
      expect(signature!.details.join('\n')).toMatch(
        /the signed <(?:HSoKhaiThue|DLHDon)> is not the only one where readers take it, or not there: a reader may take another, unsigned one \(signature wrapping\)/,
      );
    },
  );

  it('a message carrying two signed invoices (each HDon with its own DLHDon and DSCKS) is no wrapping', async () => {
    const sign = (xml: string) =>
      signXml(
        xml,
        { profile: 'einvoice', certificate: new Uint8Array(signer.certificateDer) },
        signer.signer,
      );
    const body = (xml: string) => xml.replace(/^<\?xml[^>]*\?>\s*/, '');
    const second = EINVOICE.replace(/(<DLHDon[^>]* Id=")([^"]*)"/, '$1$2-2"');
    expect(second).not.toBe(EINVOICE);
    const message = `<TDiep><DLieu>${body(await sign(EINVOICE))}${body(await sign(second))}</DLieu></TDiep>`;
    for (const which of [1, 2]) {
      const signature = `(//*[local-name()="Signature"])[${which}]`;
      const xmlsec = xmlsecVerify(dir, message, signer.caPem, `message-${which}.xml`, undefined, signature);
      expect(xmlsec.ok, xmlsec.output).toBe(true);
    }
    const report = await verifyXmlSignature(message, { trustedRoots: [signer.caDer] });
    expect(report.signatures.map((signature) => [signature.indication, signature.problems])).toEqual([
      ['TOTAL-PASSED', []],
      ['TOTAL-PASSED', []],
    ]);
  });

  it("the tax authority's signature in a real coded invoice's DSCKS/CQT: named as the tax authority's, with the invoice code it covers; one that leaves the code out is said to, and a changed code then breaks nothing", async () => {
    // The tax office's message 202's invoice, its own signature taken off: the place it signs in left empty.
    const coded = REAL_EINVOICE_CODED.replace(/(<CQT>)<Signature [^]*?<\/Signature>(<\/CQT>)/, '$1$2');
    expect(coded).not.toBe(REAL_EINVOICE_CODED);
    const code = '00474597512BE94B7BAB367996EF464828';
    const noCode =
      "warning: the tax authority's signature (DSCKS/CQT) covers no invoice code (MCCQT): a code the invoice shows is not signed by it";
    const invoice = "//*[local-name(.)='DLHDon']";
    const inPlace = "//*[local-name(.)='CQT']";
    const checked = async (name: string, xml: string) => {
      const xmlsec = xmlsecVerify(
        dir,
        xml,
        signer.caPem,
        name,
        ['--id-attr:Id', 'DLHDon', '--id-attr:Id', 'MCCQT'],
        '(//*[local-name()="Signature"])[2]',
      );
      expect(xmlsec.ok, `${name}: ${xmlsec.output}`).toBe(true);
      const report = await verifyXmlSignature(xml, { trustedRoots: [signer.caDer] });
      expect(report.signatures).toHaveLength(2);
      return report.signatures[1]!;
    };

    const signedWithCode = thirdPartySigned(coded, [invoice, "//*[local-name(.)='MCCQT']"], inPlace);
    const withCode = await checked('cqt-code.xml', signedWithCode);
    expect(withCode.indication).toBe('TOTAL-PASSED');
    expect(withCode.party).toEqual({ role: 'tax-authority', taxCodes: [], invoiceCode: code });
    expect(withCode.details).not.toContain(noCode);
    // What a person reads: `kyso verify` (the seller's signature, SAFE-CA's, is not trusted here).
    const file = path.join(dir, 'cqt-code-printed.xml');
    writeFileSync(file, signedWithCode);
    const printed = await run(process.execPath, [
      KYSO_CLI,
      'verify',
      file,
      '--roots',
      signer.caPem,
      '--revocation',
      'off',
    ]).catch((e: { stdout: string }) => e);
    expect(printed.stdout).toContain(`signs for: the tax authority, invoice code ${code}`);

    const withoutCode = thirdPartySigned(coded, invoice, inPlace);
    const codeChanged = withoutCode.replace(`>${code}<`, '>00000000000000000000000000000000AA<');
    expect(codeChanged).not.toBe(withoutCode);
    for (const [name, xml] of [
      ['cqt-no-code.xml', withoutCode],
      ['cqt-no-code-changed.xml', codeChanged],
    ] as const) {
      const signature = await checked(name, xml);
      expect(signature.indication, name).toBe('TOTAL-PASSED');
      expect(signature.party, name).toEqual({ role: 'tax-authority', taxCodes: [] });
      expect(signature.details, name).toContain(noCode);
    }
    // The same place outside an invoice's DSCKS names no one.
    const elsewhere = thirdPartySigned(
      coded.replace('<CQT></CQT>', '<DSCKSKhac><CQT></CQT></DSCKSKhac>'),
      invoice,
      inPlace,
    );
    expect((await checked('cqt-elsewhere.xml', elsewhere)).party).toBeUndefined();
  });

  it('an e-invoice signed by the seller and the buyer (two ds:Object, one per signature) is no wrapping', async () => {
    const bySeller = await signXml(
      EINVOICE,
      { profile: 'einvoice', certificate: new Uint8Array(signer.certificateDer) },
      signer.signer,
    );
    const byBoth = await signXml(
      bySeller,
      { profile: 'einvoice-buyer', certificate: new Uint8Array(signer.certificateDer) },
      signer.signer,
    );
    const report = await verifyXmlSignature(byBoth, { trustedRoots: [signer.caDer] });
    expect(report.signatures).toHaveLength(2);
    for (const signature of report.signatures)
      expect(signature.problems).not.toContain('DOCUMENT_MODIFIED_AFTER_SIGNING');
  });
});
