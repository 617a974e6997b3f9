/**
 * PDFs signed by other software — Acrobat Reader, Adobe PDF Library, Spain's @firma client, pyHanko,
 * DSS's test data — as unmodified copies of other projects' public test files
 * (test/fixtures/third_party/signed-pdfs/README.md). kyso's verdict on each signature is held against
 * pdfsig's (and, for pyHanko's coverage anomalies, pyHanko's own expectations), and kyso signs after
 * them, as a user does who received such a file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPdfSignatures, type SignatureReport, type VerifyOptions } from '../../verifier/src/index.js';
import { REPO_ROOT } from '../support/paths.js';
import { makeNssDb, pdfsig } from '../support/pdf-tools.js';
import { copyTestToken, type TestToken } from '../support/token.js';
import { kysoSignPades } from '../support/verifier-service.js';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/third_party/signed-pdfs');
const fixture = (name: string) => path.join(FIXTURES, name);

/** Each file, with how many signatures it holds and how many of them pdfsig finds broken. */
const SIGNED_PDFS = [
  { name: 'pyhanko-acrobat-two-signatures.pdf', signatures: 2, broken: 0 },
  { name: 'pyhanko-certified-no-changes.pdf', signatures: 1, broken: 0 },
  { name: 'endesive-acrobat-reader-dc.pdf', signatures: 1, broken: 0 },
  { name: 'pdfcpu-adobe-certified-no-changes.pdf', signatures: 1, broken: 0 },
  { name: 'openpdf-afirma-cades.pdf', signatures: 1, broken: 0 },
  { name: 'dss-two-signatures.pdf', signatures: 2, broken: 0 },
  // DSS's own tampered copy: the second signature's ByteRange and signing time edited.
  { name: 'dss-two-signatures-edited.pdf', signatures: 2, broken: 1 },
];
const CERTIFIED_NO_CHANGES = ['pyhanko-certified-no-changes.pdf', 'pdfcpu-adobe-certified-no-changes.pdf'];

/** What pdfsig's "Signature Validation" judges: the bytes, the digest, the signature value. */
const BROKEN = new Set(['MALFORMED', 'DIGEST_MISMATCH', 'SIGNATURE_INVALID']);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** A time as pdfsig prints it in UTC: "Jan 04 2021 19:11:51". */
function pdfsigTime(time: Date | undefined): string | undefined {
  if (!time) return undefined;
  const two = (n: number) => String(n).padStart(2, '0');
  const clock = [time.getUTCHours(), time.getUTCMinutes(), time.getUTCSeconds()].map(two).join(':');
  return `${MONTHS[time.getUTCMonth()]} ${two(time.getUTCDate())} ${time.getUTCFullYear()} ${clock}`;
}

interface Seen {
  signer: string | undefined;
  signingTime: string | undefined;
  wholeDocument: boolean;
  intact: boolean;
}
const inOrder = (seen: Seen[]) => seen.map((s) => JSON.stringify(s)).sort();

const seenByKyso = (signatures: SignatureReport[]) =>
  inOrder(
    signatures.map((s) => ({
      signer: s.signer?.name,
      signingTime: pdfsigTime(s.signingTime),
      wholeDocument: s.coverage?.wholeDocument === true,
      intact: !s.problems.some((problem) => BROKEN.has(problem)),
    })),
  );
const seenByPdfsig = (file: string, nssDb: string) =>
  inOrder(
    pdfsig(file, nssDb).signatures.map((s) => ({
      signer: s.signer,
      signingTime: s.signingTime,
      wholeDocument: s.wholeDocument,
      intact: s.valid,
    })),
  );

describe('PDFs signed by other software', () => {
  let token: TestToken;
  let dir: string;
  let nssDb: string;
  let options: VerifyOptions;
  const file = (name: string) => path.join(dir, name);

  beforeAll(() => {
    token = copyTestToken();
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-real-pdfs-'));
    nssDb = makeNssDb(dir, [token.caPem]);
    // Their own CAs are not trusted here: the verdicts compared are the signatures' own.
    options = { trustedRoots: [token.caDer()], revocation: { policy: 'off' } };
  });
  afterAll(() => {
    token.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each signature as pdfsig reads it: the same signer, signing time and whole-file coverage, intact where pdfsig finds it valid and failed where it finds a digest mismatch (DSS edited copy; a changed byte of an Acrobat-signed file)', async () => {
    // A byte of the header's binary comment (%âãÏÓ), inside the first range Acrobat Reader DC signed.
    const acrobat = readFileSync(fixture('endesive-acrobat-reader-dc.pdf'));
    const changed = Buffer.from(acrobat);
    expect(changed[10]).toBe(0xe2);
    changed[10] = 0xe4;
    writeFileSync(file('acrobat-changed.pdf'), changed);
    const cases = [
      ...SIGNED_PDFS.map((pdf) => ({ ...pdf, path: fixture(pdf.name) })),
      { name: 'acrobat-changed.pdf', path: file('acrobat-changed.pdf'), signatures: 1, broken: 1 },
    ];
    for (const { name, path: pdfPath, signatures, broken } of cases) {
      const report = await verifyPdfSignatures(readFileSync(pdfPath), options);
      const kyso = seenByKyso(report.signatures);
      expect(kyso, name).toEqual(seenByPdfsig(pdfPath, nssDb));
      expect(kyso.length, name).toBe(signatures);
      expect(kyso.filter((s) => s.includes('"intact":false')).length, name).toBe(broken);
      // A broken signature fails; an intact one is at worst undecided (its CA is not trusted here).
      for (const signature of report.signatures) {
        const isBroken = signature.problems.some((problem) => BROKEN.has(problem));
        expect(signature.indication === 'TOTAL-FAILED', `${name}: ${signature.details.join('; ')}`).toBe(
          isBroken,
        );
      }
    }
  });

  it("pyHanko's coverage anomalies: pdfsig and pyHanko find each digest intact; kyso, as pyHanko's bottom line, passes none, and names what its ByteRange leaves out (one range: counted and failed, not skipped)", async () => {
    const anomalies = {
      'tail-uncovered': {
        problems: ['DOCUMENT_MODIFIED_AFTER_SIGNING'],
        detail: /bytes were added after this signature/,
      },
      'signature-gap-too-big': {
        problems: ['MALFORMED', 'DOCUMENT_MODIFIED_AFTER_SIGNING'],
        detail: /leaves out more than the signature's \/Contents \(bytes 690 to 6692\)/,
      },
      'weird-byterange': {
        problems: ['MALFORMED', 'DOCUMENT_MODIFIED_AFTER_SIGNING'],
        detail: /leaves out more than the signature's \/Contents \(bytes 10 to 20\)/,
      },
      'one-byterange': { problems: ['MALFORMED'], detail: /the ByteRange is not four whole numbers/ },
    };
    for (const [anomaly, expected] of Object.entries(anomalies)) {
      const pdfPath = fixture(`pyhanko-coverage-${anomaly}.pdf`);
      const poppler = pdfsig(pdfPath, nssDb).signatures;
      expect(
        poppler.map((s) => [s.valid, s.wholeDocument]),
        anomaly,
      ).toEqual([[true, false]]);
      const [signature, ...more] = (await verifyPdfSignatures(readFileSync(pdfPath), options)).signatures;
      expect(more, anomaly).toEqual([]);
      expect(signature!.indication, anomaly).toBe('TOTAL-FAILED');
      expect(
        signature!.problems.filter((p) => p !== 'UNTRUSTED_CHAIN'),
        anomaly,
      ).toEqual(expected.problems);
      expect(signature!.details.join('\n'), anomaly).toMatch(expected.detail);
    }
  });

  it("Acrobat Reader's signer trusted as itself (a self-signed v1 certificate): both signatures TOTAL-PASSED, as pdfsig trusting the same certificate says", async () => {
    const pdfPath = fixture('pyhanko-acrobat-two-signatures.pdf');
    const pdf = readFileSync(pdfPath);
    const untrusted = await verifyPdfSignatures(pdf, options);
    const signer = untrusted.signatures[0]!.signer!.certificate;
    expect(untrusted.signatures.map((s) => s.subIndication)).toEqual([
      'NO_CERTIFICATE_CHAIN_FOUND',
      'NO_CERTIFICATE_CHAIN_FOUND',
    ]);
    const signerPem = file('acrobat-signer.pem');
    execFileSync('openssl', ['x509', '-inform', 'DER', '-out', signerPem], { input: signer });
    expect(
      execFileSync('openssl', ['x509', '-in', signerPem, '-noout', '-text'], { encoding: 'utf8' }),
    ).toMatch(/Version: 1 \(0x0\)/);

    const trusted = await verifyPdfSignatures(pdf, { ...options, trustedRoots: [signer] });
    expect(trusted.indication, JSON.stringify(trusted.signatures.map((s) => s.details))).toBe('TOTAL-PASSED');
    expect(trusted.signatures.map((s) => s.chain?.length)).toEqual([1, 1]);
    const poppler = pdfsig(pdfPath, makeNssDb(mkdtempSync(file('nss-')), [signerPem])).signatures;
    expect(poppler.map((s) => [s.valid, s.trusted])).toEqual([
      [true, true],
      [true, true],
    ]);
  });

  it("Adobe PDF Library's 2008 signature under the Adobe Root CA it carries: validated in 2012, its GeoTrust time-stamp proves 2008 and it passes at B-T (openssl agrees on the chain then); today that SHA-1, 1024-bit time-stamp proves nothing (the 2014 sunset, with no later proof): B-B, INDETERMINATE", async () => {
    const pdf = readFileSync(fixture('pdfcpu-adobe-certified-no-changes.pdf'));
    const signer = (await verifyPdfSignatures(pdf, options)).signatures[0]!.signer!.certificate;
    // The certificates the signature carries, Adobe Root CA among them (AATL's root in 2008).
    const chainPem = file('adobe-carried.pem');
    const signerPem = file('adobe-signer.pem');
    const rootPem = file('adobe-root.pem');
    const contents = /\/Contents\s*<([0-9a-fA-F]+)>/.exec(pdf.toString('latin1'))![1]!;
    execFileSync('openssl', ['pkcs7', '-inform', 'DER', '-print_certs', '-out', chainPem], {
      input: Buffer.from(contents, 'hex'),
    });
    const pems = readFileSync(chainPem, 'utf8').match(
      /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g,
    )!;
    const root = pems.find((pem) =>
      execFileSync('openssl', ['x509', '-noout', '-subject'], { input: pem, encoding: 'utf8' }).includes(
        'CN = Adobe Root CA',
      ),
    )!;
    writeFileSync(rootPem, root);
    execFileSync('openssl', ['x509', '-inform', 'DER', '-out', signerPem], { input: signer });
    const rootDer = execFileSync('openssl', ['x509', '-in', rootPem, '-outform', 'DER']);
    const adobe = {
      trustedRoots: [rootDer],
      timestampRoots: [rootDer],
      revocation: { policy: 'off' as const },
    };

    const in2012 = await verifyPdfSignatures(pdf, {
      ...adobe,
      validationTime: new Date('2012-01-01T00:00:00Z'),
    });
    expect(in2012.signatures[0], JSON.stringify(in2012.signatures[0]!.details)).toMatchObject({
      indication: 'TOTAL-PASSED',
      level: 'B-T',
      timestamp: { time: new Date('2008-06-13T14:07:21Z'), tsa: 'adobe-timestamp.geotrust.com' },
    });
    expect(in2012.signatures[0]!.chain!.map((c) => /CN=([^,]+)/.exec(c.subject)![1])).toEqual([
      'Avow Systems',
      'GeoTrust CA for Adobe',
      'Adobe Root CA',
    ]);
    // openssl, at the same time, with the same root and the carried certificates.
    const in2012Epoch = String(Date.parse('2012-01-01T00:00:00Z') / 1000);
    const openssl = execFileSync(
      'openssl',
      ['verify', '-attime', in2012Epoch, '-CAfile', rootPem, '-untrusted', chainPem, signerPem],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(openssl).toContain(': OK');

    const today = await verifyPdfSignatures(pdf, adobe);
    expect(today.signatures[0]).toMatchObject({ indication: 'INDETERMINATE', level: 'B-B' });
    expect(today.signatures[0]!.details.join('\n')).toMatch(
      /the signature time-stamp \(2008-06-13T14:07:21\.000Z, adobe-timestamp\.geotrust\.com\) is ignored: the time-stamp's imprint is hashed with SHA-1.*below what time-stamps may use since 2014-01-01/,
    );
  });

  it('kyso signs after each of them: pdfsig finds every signature valid, kyso its own TOTAL-PASSED and the earlier ones as before', async () => {
    const signable = SIGNED_PDFS.filter((pdf) => !pdf.broken && !CERTIFIED_NO_CHANGES.includes(pdf.name));
    expect(signable).toHaveLength(4);
    for (const { name, signatures } of signable) {
      const output = file(`cosigned-${name}`);
      const signed = await kysoSignPades(token.env, {
        input: fixture(name),
        output,
        cert: '01',
        pin: token.pin,
      });
      expect(signed.status, `${name}: ${signed.stderr}`).toBe(0);

      const poppler = pdfsig(output, nssDb).signatures;
      expect(
        poppler.map((s) => s.valid),
        name,
      ).toEqual(Array<boolean>(signatures + 1).fill(true));
      const ours = poppler.filter((s) => s.signer === 'Nguyễn Văn Ân');
      expect(
        ours.map((s) => [s.wholeDocument, s.trusted]),
        name,
      ).toEqual([[true, true]]);

      const before = await verifyPdfSignatures(readFileSync(fixture(name)), options);
      const after = await verifyPdfSignatures(readFileSync(output), options);
      const outcome = (s: SignatureReport) => [s.signer?.name, s.indication, s.subIndication ?? null];
      expect(after.signatures.filter((s) => s.signer?.name === 'Nguyễn Văn Ân').map(outcome), name).toEqual([
        ['Nguyễn Văn Ân', 'TOTAL-PASSED', null],
      ]);
      expect(after.signatures.filter((s) => s.signer?.name !== 'Nguyễn Văn Ân').map(outcome), name).toEqual(
        before.signatures.map(outcome),
      );
    }
  });

  it('a file certified with "no changes" (pyHanko, Adobe PDF Library) is refused before signing: PDF_CERTIFIED, nothing written', async () => {
    for (const name of CERTIFIED_NO_CHANGES) {
      const output = file(`refused-${name}`);
      const signed = await kysoSignPades(token.env, {
        input: fixture(name),
        output,
        cert: '01',
        pin: token.pin,
      });
      expect(signed.status, name).not.toBe(0);
      expect(signed.stderr, name).toContain('(PDF_CERTIFIED)');
      expect(existsSync(output), name).toBe(false);
    }
  });
});
