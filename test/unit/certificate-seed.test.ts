/**
 * A signature field's certificate seed value (/SV /Cert, ISO 32000-1 Table 235): read from the form
 * (test/fixtures/signature-fields/form.pdf, its field NguoiDeNghi given a /Cert by pdf-lib) and
 * matched against certificates openssl issues (an independent producer) from two test CAs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFString, type PDFObject } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuersAmong } from '../../shared/certificate/issuer-names.js';
import { assertSeedCertificate, seedProblems, unmetSeed } from '../../shared/certificate/seed-match.js';
import { readCertificateSeed } from '../../shared/pdf/certificate-seed.js';
import { openPdfModel } from '../../shared/pdf/model.js';
import { preparePdfSignature } from '../../shared/pdf/pades.js';
import { brokenSeedValue } from '../../shared/pdf/seed-value.js';
import { findSignatureField } from '../../shared/pdf/signature-field.js';
import { KysoError } from '../../shared/protocol/errors.js';
import { issueTestCertificate, makeTestCa } from '../support/openssl.js';
import { execFileSync } from 'node:child_process';

const FORM = readFileSync(new URL('../fixtures/signature-fields/form.pdf', import.meta.url));
const SIGNING =
  'basicConstraints=critical,CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n';

let dir: string;
const der = (pem: string) => new Uint8Array(execFileSync('openssl', ['x509', '-in', pem, '-outform', 'DER']));
const certs: Record<string, Uint8Array> = {};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kyso-cert-seed-'));
  for (const ca of ['ca-a', 'ca-b']) {
    makeTestCa(path.join(dir, `${ca}.key`), path.join(dir, `${ca}.pem`), `Seed ${ca}`);
    certs[ca] = der(path.join(dir, `${ca}.pem`));
  }
  // ca-c has ca-a's very name but a key of its own: a name alone does not make it ca-a.
  makeTestCa(path.join(dir, 'ca-c.key'), path.join(dir, 'ca-c.pem'), 'Seed ca-a');
  certs['ca-c'] = der(path.join(dir, 'ca-c.pem'));
  const issue = (name: string, ca: string, subject: string, extensions: string) => {
    const { certFile } = issueTestCertificate({
      base: path.join(dir, name),
      subject,
      caFile: path.join(dir, `${ca}.pem`),
      caKeyFile: path.join(dir, `${ca}.key`),
      serialHex: (Object.keys(certs).length + 16).toString(16),
      days: 30,
      extensions,
    });
    certs[name] = der(certFile);
  };
  issue(
    'an',
    'ca-a',
    '/C=VN/ST=Hà Nội/O=Sở Tư pháp/OU=Phòng A/OU=Phòng B/CN=Nguyễn Văn Ân/UID=CCCD:001099012345',
    `${SIGNING}keyUsage=critical,digitalSignature,nonRepudiation\ncertificatePolicies=1.3.6.1.4.1.30339.9.1,2.16.704.1.2.3\n`,
  );
  issue(
    'binh',
    'ca-b',
    '/C=VN/CN=Trần Bình/UID=MST:0312345678',
    `${SIGNING}keyUsage=critical,digitalSignature,keyEncipherment\n`,
  );
  issue('no-ku', 'ca-c', '/C=VN/CN=Lê Không Khoá', SIGNING);
  // A licensed CA under ca-a (as a provider's CA under the national root), and a signer it issued.
  issue(
    'ca-sub',
    'ca-a',
    '/C=VN/O=Seed/CN=Seed ca-sub',
    'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  issue('chi', 'ca-sub', '/C=VN/CN=Phạm Chi', `${SIGNING}keyUsage=critical,digitalSignature\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The form with NguoiDeNghi's /SV /Cert built from `cert` (pdf-lib, whole save), read back as kyso reads it. */
async function fieldWithCert(cert: (doc: PDFDocument) => Record<string, PDFObject | number>) {
  const doc = await PDFDocument.load(FORM);
  const fields = doc.catalog.lookup(PDFName.of('AcroForm'), PDFDict).lookup(PDFName.of('Fields'), PDFArray);
  const nguoi = fields
    .asArray()
    .map((item) => doc.context.lookup(item, PDFDict))
    .find((field) => field.lookup(PDFName.of('T'))?.toString() === '(NguoiDeNghi)')!;
  nguoi.set(
    PDFName.of('SV'),
    doc.context.obj({ Type: 'SV', Cert: doc.context.obj({ Type: 'SVCert', ...cert(doc) }) }),
  );
  const pdf = await doc.save({ useObjectStreams: false });
  const model = await openPdfModel(pdf);
  return { pdf, model, field: findSignatureField(model, 'NguoiDeNghi') };
}

const hex = (bytes: Uint8Array) => PDFHexString.of(Buffer.from(bytes).toString('hex'));
const seedOf = async (cert: (doc: PDFDocument) => Record<string, PDFObject | number>) => {
  const { field } = await fieldWithCert(cert);
  return readCertificateSeed(field);
};

describe('certificate seed value', () => {
  it('Subject required: only the listed certificate, byte for byte', async () => {
    const seed = (await seedOf((doc) => ({ Ff: 1, Subject: doc.context.obj([hex(certs.an!)]) })))!;
    expect(seed.required).toEqual(['subject']);
    expect(seedProblems(seed, certs.an!)).toEqual({ required: [], hints: [] });
    expect(seedProblems(seed, certs.binh!)).toEqual({ required: ['subject'], hints: [] });
    // One byte changed (the signature's last): another certificate.
    const altered = certs.an!.slice();
    altered[altered.length - 1]! ^= 1;
    expect(unmetSeed(seed, altered)).toEqual(['subject']);
  });

  it('Issuer required: issued directly by a listed CA, by name and key identifier — not by a CA of the same name', async () => {
    const seed = (await seedOf((doc) => ({ Ff: 2, Issuer: doc.context.obj([hex(certs['ca-a']!)]) })))!;
    expect(unmetSeed(seed, certs.an!)).toEqual([]);
    expect(unmetSeed(seed, certs.binh!)).toEqual(['issuer']);
    // Issued by ca-c, whose subject name is ca-a's: its authority key identifier is not ca-a's.
    expect(unmetSeed(seed, certs['no-ku']!)).toEqual(['issuer']);
  });

  it('Issuer required: a listed CA further up counts (Table 235: "directly or indirectly") when the CA between is at hand', async () => {
    const seed = (await seedOf((doc) => ({ Ff: 2, Issuer: doc.context.obj([hex(certs['ca-a']!)]) })))!;
    const chi = certs.chi!;
    // Nothing at hand leads from the signer's issuer (ca-sub) to ca-a.
    expect(unmetSeed(seed, chi)).toEqual(['issuer']);
    // A token holding ca-sub beside its signer's: ca-c (ca-a's name, another key) is no issuer of ca-sub.
    const onToken = [certs.binh!, certs['ca-c']!, chi, certs['ca-sub']!, certs.an!];
    expect(issuersAmong(chi, onToken)).toEqual([certs['ca-sub']]);
    expect(unmetSeed(seed, chi, issuersAmong(chi, onToken))).toEqual([]);
    // Up to the root, which issued itself; a CA listed elsewhere is still not the signer's.
    expect(issuersAmong(chi, [certs['ca-a']!, certs['ca-sub']!])).toEqual([certs['ca-sub'], certs['ca-a']]);
    const otherCa = (await seedOf((doc) => ({ Ff: 2, Issuer: doc.context.obj([hex(certs['ca-b']!)]) })))!;
    expect(unmetSeed(otherCa, chi, [certs['ca-sub']!, certs['ca-a']!])).toEqual(['issuer']);
    // Only ca-c at hand: ca-sub's issuer key is not ca-c's, so ca-c (listed) does not accept it.
    const impostor = (await seedOf((doc) => ({ Ff: 2, Issuer: doc.context.obj([hex(certs['ca-c']!)]) })))!;
    expect(unmetSeed(impostor, chi, issuersAmong(chi, onToken))).toEqual(['issuer']);
  });

  it('OID: every listed policy, dotted text (as Acrobat writes them) or DER', async () => {
    const dotted = (await seedOf((doc) => ({
      Ff: 4,
      OID: doc.context.obj([PDFString.of('2.16.704.1.2.3')]),
    })))!;
    expect(unmetSeed(dotted, certs.an!)).toEqual([]);
    expect(unmetSeed(dotted, certs.binh!)).toEqual(['policy']);
    // 06 0A 2B 06 01 04 01 81 ED 03 09 01: 1.3.6.1.4.1.30339.9.1 as DER; and one the certificate lacks.
    const derOid = Uint8Array.from([0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x81, 0xed, 0x03, 0x09, 0x01]);
    const both = (await seedOf((doc) => ({
      Ff: 4,
      OID: doc.context.obj([hex(derOid), PDFString.of('1.2.3.4')]),
    })))!;
    expect(both.policies).toEqual(['1.3.6.1.4.1.30339.9.1', '1.2.3.4']);
    expect(unmetSeed(both, certs.an!)).toEqual(['policy']);
  });

  it('SubjectDN: every attribute of every dictionary, by RFC 4514 name or OID, case and spaces aside', async () => {
    const seed = (await seedOf((doc) => ({
      Ff: 8,
      SubjectDN: doc.context.obj([
        doc.context.obj({ CN: PDFHexString.fromText('NGUYỄN  VĂN ÂN'), OU: PDFString.of('Phòng B') }),
        doc.context.obj({ '0.9.2342.19200300.100.1.1': PDFString.of('CCCD:001099012345') }),
      ]),
    })))!;
    expect(seed.subjectDn).toEqual([
      [
        { type: '2.5.4.3', value: 'NGUYỄN  VĂN ÂN' },
        { type: '2.5.4.11', value: 'Phòng B' },
      ],
      [{ type: '0.9.2342.19200300.100.1.1', value: 'CCCD:001099012345' }],
    ]);
    expect(unmetSeed(seed, certs.an!)).toEqual([]);
    expect(unmetSeed(seed, certs.binh!)).toEqual(['subject-dn']);
    // An attribute kyso has no name for matches nothing: a requirement kyso cannot check is not met.
    const unknown = (await seedOf((doc) => ({
      Ff: 8,
      SubjectDN: doc.context.obj([doc.context.obj({ XYZ: PDFString.of('Nguyễn Văn Ân') })]),
    })))!;
    expect(unmetSeed(unknown, certs.an!)).toEqual(['subject-dn']);
  });

  it('KeyUsage: one pattern fits, per bit 1 set, 0 clear, X either; no extension is no bit set', async () => {
    const seed = (await seedOf((doc) => ({
      Ff: 32,
      KeyUsage: doc.context.obj([PDFString.of('X1X0'), PDFString.of('1X1')]),
    })))!;
    expect(unmetSeed(seed, certs.an!)).toEqual([]); // nonRepudiation, no dataEncipherment
    expect(unmetSeed(seed, certs.binh!)).toEqual([]); // digitalSignature and keyEncipherment
    expect(unmetSeed(seed, certs['no-ku']!)).toEqual(['key-usage']);
    const noRepudiation = (await seedOf((doc) => ({
      Ff: 32,
      KeyUsage: doc.context.obj([PDFString.of('X1')]),
    })))!;
    expect(unmetSeed(noRepudiation, certs.binh!)).toEqual(['key-usage']);
  });

  it('constraints without their /Ff bit are hints: missed, not required', async () => {
    const seed = (await seedOf((doc) => ({
      Ff: 1,
      Subject: doc.context.obj([hex(certs.an!), hex(certs.binh!)]),
      Issuer: doc.context.obj([hex(certs['ca-a']!)]),
      URL: PDFString.of('https://ca.example/enrol'),
    })))!;
    expect(seed.required).toEqual(['subject']);
    expect(seedProblems(seed, certs.binh!)).toEqual({ required: [], hints: ['issuer'] });
    expect(() => assertSeedCertificate(seed, 'NguoiDeNghi', certs.binh!)).not.toThrow();
    expect(seedProblems(seed, certs['no-ku']!)).toEqual({ required: ['subject'], hints: ['issuer'] });
  });

  it('assertSeedCertificate: CERTIFICATE_NOT_USABLE naming the requirements missed', async () => {
    const seed = (await seedOf((doc) => ({
      Ff: 1 | 8,
      Subject: doc.context.obj([hex(certs.an!)]),
      SubjectDN: doc.context.obj([doc.context.obj({ CN: PDFHexString.fromText('Nguyễn Văn Ân') })]),
    })))!;
    let error: unknown;
    try {
      assertSeedCertificate(seed, 'NguoiDeNghi', certs.binh!);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(KysoError);
    expect((error as KysoError).code).toBe('CERTIFICATE_NOT_USABLE');
    expect((error as KysoError).details).toEqual({
      problem: 'field-certificate',
      constraints: 'subject,subject-dn',
    });
    expect(() => assertSeedCertificate(seed, 'NguoiDeNghi', certs.an!)).not.toThrow();
  });

  it('no constraining entry: no seed; a required list kyso cannot hold refuses the field, a hint’s is dropped', async () => {
    expect(await seedOf(() => ({ Ff: 64, URL: PDFString.of('https://ca.example/') }))).toBeUndefined();
    expect(await seedOf(() => ({ Ff: 1 }))).toBeUndefined(); // required, but nothing listed
    const many = (doc: PDFDocument) => doc.context.obj(Array.from({ length: 9 }, () => hex(certs.an!)));
    await expect(seedOf((doc) => ({ Ff: 1, Subject: many(doc) }))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      details: { field: 'field', problem: 'field-seed-value', constraint: 'Cert' },
    });
    expect(await seedOf((doc) => ({ Ff: 0, Subject: many(doc) }))).toBeUndefined();
    // Not a byte string where a certificate belongs, required: refused too.
    await expect(seedOf((doc) => ({ Ff: 2, Issuer: doc.context.obj([1]) }))).rejects.toMatchObject({
      details: { constraint: 'Cert' },
    });
  });

  it('the field itself is no longer refused for a required Cert: the certificate is matched instead', async () => {
    const { field } = await fieldWithCert((doc) => ({ Ff: 1, Subject: doc.context.obj([hex(certs.an!)]) }));
    expect(brokenSeedValue(field, {})).toBeUndefined();
  });

  it('preparePdfSignature matches the signer’s certificate: another is CERTIFICATE_NOT_USABLE, none is the field refused', async () => {
    const { pdf } = await fieldWithCert((doc) => ({ Ff: 2, Issuer: doc.context.obj([hex(certs['ca-a']!)]) }));
    const field = 'NguoiDeNghi';
    const prepared = await preparePdfSignature(pdf, { field, signerCertificate: certs.an! });
    expect(prepared.pdf.length).toBeGreaterThan(pdf.length);
    await expect(preparePdfSignature(pdf, { field, signerCertificate: certs.binh! })).rejects.toMatchObject({
      code: 'CERTIFICATE_NOT_USABLE',
      details: { problem: 'field-certificate', constraints: 'issuer' },
    });
    await expect(preparePdfSignature(pdf, { field })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      details: { problem: 'field-seed-value', constraint: 'Cert' },
    });
  });
});
