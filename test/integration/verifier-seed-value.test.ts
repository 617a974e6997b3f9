/**
 * The verifier judges a PDF signature against its field's seed value (/SV): the form
 * (test/fixtures/signature-fields/form.pdf, Ghostscript) given a requirement in its "NguoiDeNghi"
 * field, then signed into that field by pdfsig (`-sign`), which does not read /SV and calls every
 * such signature valid. A required constraint the signature breaks is SEED_VALUE_NOT_MET
 * (TOTAL-FAILED / SIG_CONSTRAINTS_FAILURE) naming it; a met one, or a hint, passes. A form whose
 * /Cert /Issuer names the root is met by a signer under an intermediate, along the verifier's path.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFString, type PDFObject } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPdf } from '../../shared/pdf/pades.js';
import { verifyPdfSignatures, type VerifyOptions } from '../../verifier/src/index.js';
import { issueTestCertificate } from '../support/openssl.js';
import { addNssSigner, makeNssDb, pdfsigNoOcsp } from '../support/pdf-tools.js';
import { startRevocationCa, type IssuedCertificate, type RevocationCa } from '../support/revocation-ca.js';
import { makeSoftwareIdentity, padesSignerOf, rsaSignDigest } from '../support/software-signer.js';

const run = promisify(execFile);
const FORM = fileURLToPath(new URL('../fixtures/signature-fields/form.pdf', import.meta.url));
const FIELD = 'NguoiDeNghi';

describe('kyso verify: a signature against its field’s seed value (/SV)', () => {
  let ca: RevocationCa;
  let dir: string;
  let nss: string;
  let signer: IssuedCertificate;
  let options: VerifyOptions;
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    ca = await startRevocationCa();
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-seed-value-'));
    signer = ca.issue('/C=VN/CN=Lê Văn Điền Mẫu/UID=CCCD:001199000777');
    nss = makeNssDb(dir, [ca.caPemPath]);
    addNssSigner(nss, signer, 'dien-mau');
    options = { trustedRoots: [ca.caDer], revocation: { policy: 'off' } };
    // Certificates are issued "now": a signature a second later is inside their validity.
    await new Promise((resolve) => setTimeout(resolve, 1100));
  }, 60_000);
  afterAll(async () => {
    await ca.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The form with `sv` as its NguoiDeNghi field's seed value (pdf-lib, whole save). */
  async function formWithSeed(name: string, sv: (doc: PDFDocument) => PDFObject): Promise<string> {
    const doc = await PDFDocument.load(readFileSync(FORM));
    const fields = doc.catalog.lookup(PDFName.of('AcroForm'), PDFDict).lookup(PDFName.of('Fields'), PDFArray);
    const field = fields
      .asArray()
      .map((item) => doc.context.lookup(item, PDFDict))
      .find((f) => f.lookup(PDFName.of('T'))?.toString() === `(${FIELD})`)!;
    field.set(PDFName.of('SV'), sv(doc));
    writeFileSync(file(name), await doc.save({ useObjectStreams: false }));
    return file(name);
  }

  /** pdfsig signs the form's field (it reads no /SV) and the verifier judges it. */
  async function pdfsigSigns(form: string, extra: string[] = []) {
    const out = form.replace(/\.pdf$/, '-signed.pdf');
    await run('pdfsig', ['-nssdir', `sql:${nss}`, '-nick', 'dien-mau', '-sign', FIELD, ...extra, form, out]);
    const seen = await pdfsigNoOcsp(out, nss);
    return {
      report: await verifyPdfSignatures(readFileSync(out), options),
      pdfsigValid: seen.signatures[0]?.valid,
    };
  }

  it('a required SubFilter, DigestMethod, Reasons or TimeStamp the signature breaks: SEED_VALUE_NOT_MET naming each; pdfsig calls it valid', async () => {
    const cases: Array<[string, (doc: PDFDocument) => PDFObject, string[]]> = [
      ['subfilter', (d) => d.context.obj({ Ff: 2, SubFilter: ['ETSI.CAdES.detached'] }), ['SubFilter']],
      ['digest', (d) => d.context.obj({ Ff: 64, DigestMethod: ['SHA384'] }), ['DigestMethod']],
      [
        'reasons',
        (d) => d.context.obj({ Ff: 8, Reasons: [PDFHexString.fromText('Phê duyệt')] }),
        ['Reasons'],
      ],
      [
        'timestamp',
        (d) => d.context.obj({ TimeStamp: { URL: PDFString.of('http://tsa.invalid/'), Ff: 1 } }),
        ['TimeStamp'],
      ],
      [
        'two',
        (d) => d.context.obj({ Ff: 2 | 64, SubFilter: ['ETSI.CAdES.detached'], DigestMethod: ['SHA512'] }),
        ['SubFilter', 'DigestMethod'],
      ],
    ];
    for (const [name, sv, broken] of cases) {
      const { report, pdfsigValid } = await pdfsigSigns(await formWithSeed(`${name}.pdf`, sv), [
        '-reason',
        'third party',
      ]);
      expect(pdfsigValid, name).toBe(true);
      const [signature] = report.signatures;
      expect(signature, name).toMatchObject({
        indication: 'TOTAL-FAILED',
        subIndication: 'SIG_CONSTRAINTS_FAILURE',
        problems: ['SEED_VALUE_NOT_MET'],
      });
      const detail = signature!.details.find((d) => d.includes('seed value'));
      expect(detail, name).toContain(`what this signature is not: ${broken.join(', ')}`);
    }
  });

  it('the same requirements met (the reason listed, a digest among those asked), or only hinted (Ff clear): the signature passes', async () => {
    const met = await pdfsigSigns(
      await formWithSeed('met.pdf', (d) =>
        d.context.obj({
          Ff: 2 | 8 | 64,
          SubFilter: ['adbe.pkcs7.detached', 'ETSI.CAdES.detached'],
          Reasons: [PDFHexString.fromText('Phê duyệt'), PDFString.of('Dong y')],
          DigestMethod: ['SHA256', 'SHA384'],
        }),
      ),
      // This pdfsig (22.12) signs SHA-256 whatever -digest says.
      ['-reason', 'Phê duyệt'],
    );
    expect(met.report.signatures[0]?.details).toEqual([]);
    expect(met.report.indication).toBe('TOTAL-PASSED');
    const hinted = await pdfsigSigns(
      await formWithSeed('hinted.pdf', (d) =>
        d.context.obj({
          SubFilter: ['ETSI.CAdES.detached'],
          DigestMethod: ['SHA512'],
          TimeStamp: { URL: PDFString.of('http://tsa.invalid/') },
        }),
      ),
    );
    expect(hinted.report.indication).toBe('TOTAL-PASSED');
  });

  it("PDF 2.0's LockDocument required (Ff 128): /true broken by pdfsig's approval signature (pyHanko's reading: no change may stay allowed), met by kyso certifying with /P 1; a hint, /false or /auto passes", async () => {
    const lockSeed = (value: string, ff?: number) => (d: PDFDocument) =>
      d.context.obj({ ...(ff !== undefined && { Ff: ff }), LockDocument: PDFName.of(value) });
    const broken = await pdfsigSigns(await formWithSeed('lock-true.pdf', lockSeed('true', 128)));
    expect(broken.pdfsigValid).toBe(true);
    expect(broken.report.signatures[0]).toMatchObject({
      indication: 'TOTAL-FAILED',
      subIndication: 'SIG_CONSTRAINTS_FAILURE',
      problems: ['SEED_VALUE_NOT_MET'],
    });
    expect(broken.report.signatures[0]?.details).toEqual([
      "the form's signature field requires (seed value /SV) what this signature is not: LockDocument",
    ]);
    for (const [name, value, ff] of [
      ['lock-hint', 'true', undefined],
      ['lock-false', 'false', 128],
      ['lock-auto', 'auto', 128],
    ] as const) {
      const passed = await pdfsigSigns(await formWithSeed(`${name}.pdf`, lockSeed(value, ff)));
      expect(passed.report.indication, name).toBe('TOTAL-PASSED');
    }

    // kyso signs the /true form only as a certification that allows no change, and its verifier agrees.
    const form = readFileSync(await formWithSeed('lock-kyso.pdf', lockSeed('true', 128)));
    const kysoSigns = (certify?: 1 | 2) =>
      signPdf(
        form,
        { field: FIELD, signerCertificate: signer.der, ...(certify && { certify }) },
        padesSignerOf({ der: signer.der, signer: signer.signer }),
      );
    await expect(kysoSigns()).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      details: { problem: 'field-seed-value', constraint: 'LockDocument' },
    });
    await expect(kysoSigns(2)).rejects.toMatchObject({ details: { constraint: 'LockDocument' } });
    const locked = await kysoSigns(1);
    writeFileSync(file('lock-kyso-signed.pdf'), locked);
    expect((await pdfsigNoOcsp(file('lock-kyso-signed.pdf'), nss)).signatures[0]?.valid).toBe(true);
    const report = await verifyPdfSignatures(locked, options);
    expect(report.indication).toBe('TOTAL-PASSED');
  });

  it('/Cert required: another CA named as /Issuer, or another holder in /SubjectDN, is SEED_VALUE_NOT_MET; the signer’s own CA and name pass', async () => {
    const other = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=Người Khác/UID=CCCD:001199000111');
    const issuer = (der: Uint8Array) => (d: PDFDocument) =>
      d.context.obj({
        Cert: d.context.obj({ Ff: 2, Issuer: [PDFHexString.of(Buffer.from(der).toString('hex'))] }),
      });
    const subjectDn = (uid: string) => (d: PDFDocument) =>
      d.context.obj({ Cert: d.context.obj({ Ff: 8, SubjectDN: [{ UID: PDFString.of(uid) }] }) });

    const wrongCa = await pdfsigSigns(await formWithSeed('issuer-other.pdf', issuer(other.caDer)));
    expect(wrongCa.pdfsigValid).toBe(true);
    expect(wrongCa.report.signatures[0]).toMatchObject({ problems: ['SEED_VALUE_NOT_MET'] });
    expect(wrongCa.report.signatures[0]!.details.join('\n')).toContain('Cert (issuer)');
    const wrongHolder = await pdfsigSigns(
      await formWithSeed('holder-other.pdf', subjectDn('CCCD:001199000111')),
    );
    expect(wrongHolder.report.signatures[0]!.details.join('\n')).toContain('Cert (subject-dn)');

    expect(
      (await pdfsigSigns(await formWithSeed('issuer-own.pdf', issuer(ca.caDer)))).report.indication,
    ).toBe('TOTAL-PASSED');
    expect(
      (await pdfsigSigns(await formWithSeed('holder-own.pdf', subjectDn('CCCD:001199000777')))).report
        .indication,
    ).toBe('TOTAL-PASSED');
  });

  it.each([
    ['its objects in the file', []],
    ['its objects in object streams', ['--object-streams=generate']],
  ])(
    'an encrypted form (owner password), %s: the seed value’s strings are read in the clear, so Reasons and /Cert are judged as in any file',
    async (name, layout) => {
      const other = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=CA Khác');
      const seed = (issuer: Uint8Array) => (d: PDFDocument) =>
        d.context.obj({
          Ff: 2 | 8,
          SubFilter: ['ETSI.CAdES.detached'],
          Reasons: [PDFHexString.fromText('Phê duyệt')],
          Cert: d.context.obj({ Ff: 2, Issuer: [PDFHexString.of(Buffer.from(issuer).toString('hex'))] }),
        });
      const encrypt = async (form: string) => {
        const encrypted = form.replace(/\.pdf$/, '-encrypted.pdf');
        await run('qpdf', [...layout, '--encrypt', '', 'owner', '256', '--', form, encrypted]);
        return encrypted;
      };
      const slug = layout.length ? 'objstm' : 'direct';

      const broken = await pdfsigSigns(
        await encrypt(await formWithSeed(`enc-other-${slug}.pdf`, seed(other.caDer))),
        ['-reason', 'Đồng ý'],
      );
      expect(broken.pdfsigValid).toBe(true);
      expect(broken.report.signatures[0]?.problems).toEqual(['SEED_VALUE_NOT_MET']);
      expect(broken.report.signatures[0]?.details).toEqual([
        "the form's signature field requires (seed value /SV) what this signature is not: SubFilter, Reasons, Cert (issuer)",
      ]);

      const met = await pdfsigSigns(
        await encrypt(await formWithSeed(`enc-own-${slug}.pdf`, seed(ca.caDer))),
        ['-reason', 'Phê duyệt'],
      );
      expect(met.report.signatures[0]?.details).toEqual([
        "the form's signature field requires (seed value /SV) what this signature is not: SubFilter",
      ]);
    },
  );

  it('a required /Cert entry that is not what Table 235 says (an Issuer that is a number) is not judged: a warning, the signature passes', async () => {
    const { report } = await pdfsigSigns(
      await formWithSeed('cert-unreadable.pdf', (d) =>
        d.context.obj({ Cert: d.context.obj({ Ff: 2, Issuer: [42] }) }),
      ),
    );
    expect(report.indication).toBe('TOTAL-PASSED');
    expect(report.signatures[0]?.details).toEqual([
      'warning: the seed value’s certificate requirements (Cert) were not judged: they cannot be read',
    ]);
  });

  it('/Cert /Issuer naming the root, the signer issued by an intermediate the verifier is given: met along the path; without the intermediate the chain fails and the issuer is not met', async () => {
    const intermediate = ca.issueIntermediate('/C=VN/O=kyso test/CN=CA Cấp Dưới');
    const leaf = issueTestCertificate({
      base: file('under-intermediate'),
      subject: '/C=VN/CN=Trịnh Văn Dưới/UID=CCCD:001199000222',
      caFile: intermediate.pemPath,
      caKeyFile: intermediate.keyPath,
      serialHex: Date.now().toString(16),
      days: 30,
      extensions: 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n',
    });
    const der = pemFileDer(leaf.certFile);
    const key = createPrivateKey(readFileSync(leaf.keyFile));
    const form = await formWithSeed('issuer-root.pdf', (d) =>
      d.context.obj({
        Cert: d.context.obj({ Ff: 2, Issuer: [PDFHexString.of(Buffer.from(ca.caDer).toString('hex'))] }),
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // kyso's own signing matches the intermediate given to it, as the host does with the token's CAs.
    const pdf = await signPdf(
      readFileSync(form),
      { field: FIELD, signerCertificate: der, signerIssuers: [intermediate.der] },
      padesSignerOf({
        der,
        signer: {
          keyType: 'RSA',
          signDigest: async (digest, algorithm) => rsaSignDigest(key, digest, algorithm),
        },
      }),
    );
    const withPath = await verifyPdfSignatures(pdf, { ...options, intermediates: [intermediate.der] });
    expect(withPath.signatures[0]?.details).toEqual([]);
    expect(withPath.indication).toBe('TOTAL-PASSED');
    const withoutPath = await verifyPdfSignatures(pdf, options);
    expect(withoutPath.signatures[0]?.problems.toSorted()).toEqual(['SEED_VALUE_NOT_MET', 'UNTRUSTED_CHAIN']);
  });
});

/** A PEM certificate file's DER. */
function pemFileDer(pem: string): Uint8Array {
  const base64 = readFileSync(pem, 'utf8').replace(/-----[^-]+-----|\s+/g, '');
  return new Uint8Array(Buffer.from(base64, 'base64'));
}
