/**
 * Long-term signatures: PAdES B-LT / B-LTA and CAdES-LT made from a B-T signature with a local CA
 * (openssl OCSP responder and CRL) and a local TSA, then validated with the CA's services down and
 * the clock (injected validationTime) past the signer certificate's expiry. qpdf reads the DSS,
 * pdfsig judges the signatures, openssl the CAdES-LT CMS.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCades } from '../../shared/cms/cades.js';
import { addLongTermValues, parseSignedData } from '../../shared/cms/long-term.js';
import { basicOcspResponse, fetchOcspResponse } from '../../shared/cms/revocation-data.js';
import { parseCertificate } from '../../verifier/src/certificates.js';
import { signatureTimestampTokens } from '../../shared/cms/verify-timestamp.js';
import { pdfSignatureFields } from '../../shared/pdf/long-term.js';
import { openPdfModel } from '../../shared/pdf/model.js';
import { addSignatureTimestamp, requestTimestamp } from '../../shared/cms/timestamp.js';
import { embedPdfSignature, preparePdfSignature, signPdf } from '../../shared/pdf/pades.js';
import {
  extendCms,
  extendPdf,
  verifyCmsSignature,
  verifyPdfSignatures,
  type VerificationReport,
  type VerifyOptions,
} from '../../verifier/src/index.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { blueSignaturePng } from '../support/pdf-images.js';
import { makeNssDb, writePdf } from '../support/pdf-tools.js';
import { padesSignerOf } from '../support/software-signer.js';
import { startRevocationCa, type IssuedCertificate, type RevocationCa } from '../support/revocation-ca.js';
import { startLocalTsa, type LocalTsa } from '../support/tsa.js';
import { onePagePdf } from '../support/sample-pdf.js';

const DAY = 86_400_000;

describe('long-term signatures (B-LT, B-LTA, CAdES-LT)', () => {
  let ca: RevocationCa;
  let tsa: LocalTsa;
  let dir: string;
  let signer: IssuedCertificate;
  let bT: Uint8Array;
  let bLT: Uint8Array;
  let bLTA: Uint8Array;
  let options: VerifyOptions;
  /** After the signer's certificate (10 days) expired, within the CA's and TSA's (30 days). */
  const afterExpiry = () => new Date(Date.now() + 12 * DAY);

  beforeAll(async () => {
    [ca, tsa] = await Promise.all([startRevocationCa(), startLocalTsa()]);
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-long-term-'));
    signer = ca.issue('/C=VN/ST=Hà Nội/CN=Lưu Trữ Lâu Dài/UID=CCCD:001199000777');
    // Certificate and time-stamp times have one-second precision: sign in a later second than the issue.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    options = { trustedRoots: [ca.caDer], timestampRoots: [tsa.caDer], revocation: { policy: 'require' } };
    const plainPdf = await onePagePdf('Quyet dinh luu tru');
    bT = await signPdf(plainPdf, { level: 'B-T', tsaUrl: tsa.url, reason: 'Lưu trữ' }, padesSignerOf(signer));
    const lt = await extendPdf(bT, 'B-LT', { certificates: [ca.caDer] });
    bLT = lt.pdf;
    bLTA = (await extendPdf(bT, 'B-LTA', { certificates: [ca.caDer], tsaUrl: tsa.url })).pdf;
    // The signer's certificate has OCSP evidence; only the TSA's (no AIA/CDP) has none.
    expect(lt.missing.join(' ')).toMatch(/Time-Stamping Authority/);
    expect(lt.missing.join(' ')).not.toMatch(/Lưu Trữ/);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([ca.close(), tsa.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('B-LT and B-LTA are incremental updates after the signed revision; qpdf finds the DSS; pdfsig accepts the signature', async () => {
    expect(Buffer.from(bLT.subarray(0, bT.length)).equals(Buffer.from(bT))).toBe(true);
    expect(Buffer.from(bLTA.subarray(0, bT.length)).equals(Buffer.from(bT))).toBe(true);
    const file = writePdf(dir, 'b-lta.pdf', bLTA);
    const json = JSON.parse(
      execFileSync('qpdf', ['--json=1', '--json-key=objects', file], { encoding: 'utf8' }),
    ) as {
      objects: Record<
        string,
        { '/Type'?: string; '/DSS'?: string; '/Certs'?: string[]; '/OCSPs'?: string[] }
      >;
    };
    const catalog = Object.values(json.objects).find((o) => o['/Type'] === '/Catalog' && o['/DSS'])!;
    expect(catalog, 'catalog with /DSS').toBeDefined();
    const dss = json.objects[catalog['/DSS']!]!;
    expect(dss['/Certs']!.length).toBeGreaterThanOrEqual(3); // signer, CA, TSA
    expect(dss['/OCSPs']).toHaveLength(1);
    expect(spawnSync('qpdf', ['--check', file]).status).toBe(0);

    const nss = makeNssDb(dir, [ca.caPemPath, tsa.caPemPath]);
    // Asynchronously: the OCSP responder and TSA answer from this process. -no-ocsp: NSS's status for this CA is "unknown issue".
    const pdfsig = async (name: string, pdf: Uint8Array) =>
      (
        await promisify(execFile)('pdfsig', ['-no-ocsp', '-nssdir', `sql:${nss}`, writePdf(dir, name, pdf)], {
          encoding: 'utf8',
        })
      ).stdout;
    for (const [name, pdf] of [
      ['b-lt.pdf', bLT],
      ['b-lta.pdf', bLTA],
    ] as const) {
      const output = await pdfsig(name, pdf);
      expect(output.split(/^Signature #\d+:$/m)[1], output).toMatch(
        /Signature Validation: Signature is Valid\./,
      );
      expect(output).toMatch(/ETSI\.CAdES\.detached/);
    }
  });

  it('a TSA not trusted here (or no TSA roots at all): the signature time-stamp proves no time, B-B is achieved and B-T / B-LT / B-LTA only claimed, no time-stamp time reported', async () => {
    const untrustedTsa = { ...options, timestampRoots: [ca.caDer] };
    const { timestampRoots: _, ...noTsaRoots } = options;
    for (const verifyOptions of [untrustedTsa, noTsaRoots]) {
      const [t, lt, lta] = (await Promise.all(
        [bT, bLT, bLTA].map((pdf) => verifyPdfSignatures(pdf, verifyOptions)),
      )) as [VerificationReport, VerificationReport, VerificationReport];
      for (const [report, claimed] of [
        [t, 'B-T'],
        [lt, 'B-LT'],
        [lta, 'B-LTA'],
      ] as const) {
        const [signature] = report.signatures;
        expect(signature, claimed).toMatchObject({
          level: 'B-B',
          claimedLevel: claimed,
          timeSource: 'claimed',
        });
        expect(signature!.timestamp).toBeUndefined();
        expect(signature!.details.join('\n')).toMatch(
          new RegExp(
            `^warning: the signature time-stamp \\(.*, kyso Test Time-Stamping Authority\\) is ignored: .*; ${claimed === 'B-LTA' ? 'B-LT' : claimed} is not achieved, the signature is judged as B-B at the validation time$`,
            'm',
          ),
        );
      }
      // Judged as B-B at the validation time: valid today, the CA answering.
      expect(t.signatures[0]).toMatchObject({ indication: 'TOTAL-PASSED', revocation: { status: 'good' } });
      // After the signer's certificate expired nothing proves the signature came before: no pass.
      const later = await verifyPdfSignatures(bLT, { ...verifyOptions, validationTime: afterExpiry() });
      expect(later.signatures[0]).toMatchObject({
        level: 'B-B',
        claimedLevel: 'B-LT',
        indication: 'INDETERMINATE',
      });
    }
  });

  it('today, with the CA up: B-T, B-LT and B-LTA pass; the levels and the evidence origin are reported', async () => {
    const [t, lt, lta] = (await Promise.all(
      [bT, bLT, bLTA].map((pdf) => verifyPdfSignatures(pdf, options)),
    )) as [VerificationReport, VerificationReport, VerificationReport];
    for (const report of [t, lt, lta])
      expect(report.indication, JSON.stringify(report.signatures.map((s) => s.details))).toBe('TOTAL-PASSED');
    expect(t.signatures[0]).toMatchObject({
      level: 'B-T',
      timeSource: 'timestamp',
      revocation: { origin: 'online', source: 'ocsp', status: 'good' },
    });
    expect(lt.signatures[0]).toMatchObject({
      level: 'B-LT',
      revocation: { origin: 'embedded', source: 'ocsp', status: 'good' },
      coverage: { after: 'validation-data', wholeDocument: false },
    });
    expect(lta.signatures.map((s) => s.kind)).toEqual(['signature', 'document-timestamp']);
    expect(lta.signatures[0]!.level).toBe('B-LTA');
    expect(lta.signatures[1]).toMatchObject({
      indication: 'TOTAL-PASSED',
      coverage: { wholeDocument: true },
      timestamp: { tsa: 'kyso Test Time-Stamping Authority' },
    });
    // By when each file must be stamped (again): the TSA's certificate's expiry, on the time-stamp nothing later covers.
    const tsaExpiry = new Date(new X509Certificate(tsa.tsaCertDer).validTo);
    expect(t.signatures[0]!.timestamp!.renewBefore).toEqual(tsaExpiry);
    expect(lt.signatures[0]!.timestamp!.renewBefore).toEqual(tsaExpiry);
    expect(lta.signatures[0]!.timestamp!.renewBefore).toBeUndefined();
    expect(lta.signatures[1]!.timestamp!.renewBefore).toEqual(tsaExpiry);
    expect(lt.signatures[0]!.chain!.map((c) => c.subject)).toEqual([
      expect.stringContaining('Lưu Trữ Lâu Dài'),
      expect.stringContaining('kyso Revocation Test CA'),
    ]);
  });

  it('B-LTA extended again (a renewal, which extends the DSS in place): the signature and both document time-stamps pass', async () => {
    const renewed = (await extendPdf(bLTA, 'B-LTA', { certificates: [ca.caDer], tsaUrl: tsa.url })).pdf;
    const report = await verifyPdfSignatures(renewed, options);
    expect(report.signatures.map((s) => [s.kind, s.indication, s.coverage?.after])).toEqual([
      ['signature', 'TOTAL-PASSED', 'validation-data'],
      ['document-timestamp', 'TOTAL-PASSED', 'validation-data'],
      ['document-timestamp', 'TOTAL-PASSED', 'none'],
    ]);
  });

  it("a TSA under none of the timestampRoots, said in kyso's words (not pkijs's): the signature time-stamp is ignored, the document time-stamp INDETERMINATE / NO_POE", async () => {
    const report = await verifyPdfSignatures(bLTA, {
      ...options,
      timestampRoots: [ca.caDer],
      revocation: { policy: 'off' },
    });
    const [signature, documentTimestamp] = report.signatures;
    const noPath = (time: Date | undefined) =>
      `TSA certificate chain: no path to a trusted time-stamping root, valid at ${time!.toISOString()}`;
    // EN 319 102-1 §5.5.4: dropped, the signature judged without it, at the validation time.
    expect(signature).toMatchObject({ indication: 'TOTAL-PASSED', level: 'B-B', claimedLevel: 'B-LTA' });
    expect(signature!.timestamp).toBeUndefined();
    // The time in the warning is the token's own, the one its TSA's path was looked for at.
    expect(signature!.details).toHaveLength(1);
    expect(signature!.details[0]).toMatch(
      /^warning: the signature time-stamp \((\S+), kyso Test Time-Stamping Authority\) is ignored: TSA certificate chain: no path to a trusted time-stamping root, valid at \1; B-LT is not achieved, the signature is judged as B-B at the validation time$/,
    );
    expect(documentTimestamp).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'NO_POE' });
    expect(documentTimestamp!.details).toEqual([noPath(documentTimestamp!.timestamp?.time)]);
  });

  it('a time-stamp whose TSA is checked against no root proves no time: after expiry without timestampRoots, INDETERMINATE / OUT_OF_BOUNDS_NO_POE', async () => {
    // Anyone can run a TSA and stamp any time: one no root vouches for (openssl cannot verify it
    // against the signer's roots either) must not excuse an expired certificate.
    const field = pdfSignatureFields((await openPdfModel(bT)).document)[0]!;
    const token = signatureTimestampTokens(parseSignedData(field.contents)!.signerInfo)[0]!;
    const tokenFile = path.join(dir, 'token.tst');
    writeFileSync(tokenFile, token);
    const untrusted = spawnSync(
      'openssl',
      ['ts', '-verify', '-token_in', '-in', tokenFile, '-digest', '00'.repeat(32), '-CAfile', ca.caPemPath],
      { encoding: 'utf8' },
    );
    expect(untrusted.status).not.toBe(0);

    const noTsaRoots = {
      trustedRoots: [ca.caDer],
      revocation: { policy: 'off' as const },
      validationTime: afterExpiry(),
    };
    const report = await verifyPdfSignatures(bT, noTsaRoots);
    expect(report.indication).toBe('INDETERMINATE');
    expect(report.signatures[0]!.subIndication).toBe('OUT_OF_BOUNDS_NO_POE');
    expect(report.signatures[0]!.timeSource).not.toBe('timestamp');
    const trusted = await verifyPdfSignatures(bT, { ...noTsaRoots, timestampRoots: [tsa.caDer] });
    expect(trusted.indication, JSON.stringify(trusted.signatures[0]!.details)).toBe('TOTAL-PASSED');
    expect(trusted.signatures[0]!.timeSource).toBe('timestamp');
  });

  it('after the certificate expired, with the OCSP responder and CRL down: B-LT and B-LTA still pass from embedded data; B-T is INDETERMINATE / OUT_OF_BOUNDS_NO_POE', async () => {
    ca.set('ocsp', false);
    ca.set('crl', false);
    try {
      const later = { ...options, validationTime: afterExpiry() };
      const served = ca.served.ocsp + ca.served.crl;
      for (const pdf of [bLT, bLTA]) {
        const report = await verifyPdfSignatures(pdf, later);
        expect(report.indication, JSON.stringify(report.signatures.map((s) => s.details))).toBe(
          'TOTAL-PASSED',
        );
        expect(report.signatures[0]!.revocation).toMatchObject({ origin: 'embedded', status: 'good' });
      }
      expect(ca.served.ocsp + ca.served.crl).toBe(served); // nothing was asked of the CA
      const t = await verifyPdfSignatures(bT, later);
      expect(t.indication).toBe('INDETERMINATE');
      expect(t.signatures[0]).toMatchObject({
        indication: 'INDETERMINATE',
        subIndication: 'OUT_OF_BOUNDS_NO_POE',
      });
      // The same B-LT without the clock moved: the CA being down does not matter either.
      expect((await verifyPdfSignatures(bLT, options)).indication).toBe('TOTAL-PASSED');
      // And a change after the B-LTA's time-stamp is caught.
      const tampered = Buffer.concat([bLTA, Buffer.from('\n1 0 obj\n<< /Type /Catalog >>\nendobj\n')]);
      const report = await verifyPdfSignatures(tampered, later);
      expect(report.indication).toBe('TOTAL-FAILED');
    } finally {
      ca.set('ocsp', true);
      ca.set('crl', true);
    }
  });

  it('a B-B signature (no time-stamp of its own, as the Vietnamese plugins sign) archived with B-LTA passes after its certificate expired: the document time-stamp proves it existed', async () => {
    const bB = await signPdf(await onePagePdf('Ho so nhan luc'), { level: 'B-B' }, padesSignerOf(signer));
    const archived = (await extendPdf(bB, 'B-LTA', { certificates: [ca.caDer], tsaUrl: tsa.url })).pdf;
    ca.set('ocsp', false);
    ca.set('crl', false);
    try {
      const later = { ...options, validationTime: afterExpiry() };
      const alone = await verifyPdfSignatures(bB, later);
      expect(alone.signatures[0]).toMatchObject({
        indication: 'INDETERMINATE',
        subIndication: 'OUT_OF_BOUNDS_NO_POE',
      });
      const report = await verifyPdfSignatures(archived, later);
      const signature = report.signatures.find((s) => s.kind === 'signature')!;
      expect(report.indication, JSON.stringify(signature.details)).toBe('TOTAL-PASSED');
      expect(signature.revocation).toMatchObject({ origin: 'embedded', status: 'good' });
      // The signing time is still the signer's claim, and B-LTA builds on B-T: the level stays B-B.
      expect(signature.level).toBe('B-B');
      expect(signature.claimedLevel).toBeUndefined();
      expect(signature.timeSource).not.toBe('timestamp');
      expect(signature.details.join('\n')).toMatch(
        /a later document time-stamp \(.*, kyso Test Time-Stamping Authority\) proves the signature existed by then/,
      );
      // The document time-stamp proves nothing from a TSA not trusted here.
      const untrusted = await verifyPdfSignatures(archived, { ...later, timestampRoots: [ca.caDer] });
      expect(untrusted.signatures.find((s) => s.kind === 'signature')).toMatchObject({
        subIndication: 'OUT_OF_BOUNDS_NO_POE',
      });
    } finally {
      ca.set('ocsp', true);
      ca.set('crl', true);
    }
  });

  it("a B-B signature claiming a time after its certificate's expiry, under a document time-stamp from within its validity: the claim is out of bounds, the certificate was not expired at signing", async () => {
    // The signer's clock 11 days ahead: its /M is after the certificate's 10 days; the TSA's is right.
    const claimed = new Date(Date.now() + 11 * DAY);
    const bB = await signPdf(
      await onePagePdf('Ho so dong ho sai'),
      { level: 'B-B', signingTime: claimed },
      padesSignerOf(signer),
    );
    const archived = (await extendPdf(bB, 'B-LTA', { certificates: [ca.caDer], tsaUrl: tsa.url })).pdf;
    const report = await verifyPdfSignatures(archived, { ...options, revocation: { policy: 'off' } });
    const signature = report.signatures.find((s) => s.kind === 'signature')!;
    // The proof shows the signature existed while the certificate was valid: only the signer's claim is wrong.
    expect(signature.problems, JSON.stringify(signature.details)).toEqual(['SIGNING_TIME_OUT_OF_BOUNDS']);
    expect(signature.details.join('\n')).toMatch(/after the document time-stamp of .* that covers it/);
    // Without the proof the claim is all there is: signed after the certificate expired, which nothing disproves.
    const alone = await verifyPdfSignatures(bB, { ...options, revocation: { policy: 'off' } });
    expect(alone.signatures[0]!.problems).toContain('CERT_EXPIRED_NO_POE');
  });

  it("a later document time-stamp from after the certificate's expiry, or from after the validation time, is not used", async () => {
    // TSAs whose clocks run ahead (faketime): their tokens are dated 11 and 2 days on.
    const [lateTsa, aheadTsa] = await Promise.all([
      startLocalTsa({ clockDays: 11 }),
      startLocalTsa({ clockDays: 2 }),
    ]);
    try {
      const bB = await signPdf(await onePagePdf('Ho so luu muon'), { level: 'B-B' }, padesSignerOf(signer));
      const judged = async (by: LocalTsa, validationTime: Date) => {
        const archived = (await extendPdf(bB, 'B-LTA', { certificates: [ca.caDer], tsaUrl: by.url })).pdf;
        const report = await verifyPdfSignatures(archived, {
          trustedRoots: [ca.caDer],
          timestampRoots: [by.caDer],
          revocation: { policy: 'off' },
          validationTime,
        });
        const [signature, stamp] = report.signatures;
        // The document time-stamp itself passes: only its use as a proof is in question.
        expect(stamp).toMatchObject({ kind: 'document-timestamp', indication: 'TOTAL-PASSED' });
        return {
          problems: signature!.problems,
          details: signature!.details.join('\n'),
          stamped: stamp!.timestamp!.time,
        };
      };
      // The signer's certificate (10 days) had expired when this time-stamp was made: it proves nothing about it.
      const late = await judged(lateTsa, afterExpiry());
      expect(late.stamped.getTime()).toBeGreaterThan(Date.now() + 10 * DAY);
      expect(late.problems).toEqual(['CERT_EXPIRED_NO_POE']);
      expect(late.details).not.toMatch(/later document time-stamp/);
      // A time-stamp dated after the validation time says nothing the validation time does not.
      const ahead = await judged(aheadTsa, new Date(Date.now() + DAY));
      expect(ahead.stamped.getTime()).toBeGreaterThan(Date.now() + DAY);
      expect(ahead.problems).toEqual([]);
      expect(ahead.details).not.toMatch(/later document time-stamp/);
    } finally {
      await Promise.all([lateTsa.close(), aheadTsa.close()]);
    }
  });

  describe("a time-stamp whose TSA's certificate has expired proves its time only under a later time-stamp from before the expiry (B-LTA renewal)", () => {
    let shortTsa: LocalTsa;
    /** After the short-lived TSA's certificate (2 days) expired, within the signer's (10 days). */
    const afterTsaExpiry = () => new Date(Date.now() + 3 * DAY);
    const expired = "the TSA's certificate expired on \\S+";
    beforeAll(async () => {
      shortTsa = await startLocalTsa({ certificateDays: 2 });
    });
    afterAll(() => shortTsa?.close());
    const bothTsas = (): VerifyOptions => ({ ...options, timestampRoots: [tsa.caDer, shortTsa.caDer] });

    it('a signature time-stamp: ignored once its TSA certificate expired, so past the signer’s expiry the signature is INDETERMINATE; a document time-stamp from before then keeps it B-LTA, the CA down', async () => {
      const stamped = await signPdf(
        await onePagePdf('Ho so dau thoi gian ngan'),
        { level: 'B-T', tsaUrl: shortTsa.url },
        padesSignerOf(signer),
      );
      const noRevocation = { ...bothTsas(), revocation: { policy: 'off' as const } };
      const [today] = (await verifyPdfSignatures(stamped, noRevocation)).signatures;
      expect(today).toMatchObject({ indication: 'TOTAL-PASSED', level: 'B-T', timeSource: 'timestamp' });
      const [meanwhile] = (
        await verifyPdfSignatures(stamped, { ...noRevocation, validationTime: afterTsaExpiry() })
      ).signatures;
      expect(meanwhile).toMatchObject({ indication: 'TOTAL-PASSED', level: 'B-B', claimedLevel: 'B-T' });
      expect(meanwhile!.details.join('\n')).toMatch(
        new RegExp(
          `^warning: the signature time-stamp \\(.*\\) is ignored: ${expired}, and nothing proves the time-stamp existed before then, so it proves no time; B-T is not achieved`,
          'm',
        ),
      );
      const [later] = (await verifyPdfSignatures(stamped, { ...noRevocation, validationTime: afterExpiry() }))
        .signatures;
      expect(later).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE' });

      const archived = (await extendPdf(stamped, 'B-LTA', { certificates: [ca.caDer], tsaUrl: tsa.url })).pdf;
      ca.set('ocsp', false);
      ca.set('crl', false);
      try {
        const report = await verifyPdfSignatures(archived, { ...bothTsas(), validationTime: afterExpiry() });
        const signature = report.signatures.find((s) => s.kind === 'signature')!;
        expect(report.indication, JSON.stringify(signature.details)).toBe('TOTAL-PASSED');
        expect(signature).toMatchObject({ level: 'B-LTA', timeSource: 'timestamp' });
        expect(signature.details.join('\n')).toMatch(
          new RegExp(
            `signature time-stamp: ${expired}: accepted, a later document time-stamp \\(.*, kyso Test Time-Stamping Authority\\) proves the time-stamp existed before then`,
          ),
        );
      } finally {
        ca.set('ocsp', true);
        ca.set('crl', true);
      }
    });

    it('a document time-stamp: INDETERMINATE / OUT_OF_BOUNDS_NO_POE once its TSA certificate expired, until the archive is stamped again before then', async () => {
      const archived = (await extendPdf(bT, 'B-LTA', { certificates: [ca.caDer], tsaUrl: shortTsa.url })).pdf;
      const judged = {
        ...bothTsas(),
        revocation: { policy: 'off' as const },
        validationTime: afterTsaExpiry(),
      };
      // Today the report says by when the archive must be stamped again: its TSA's certificate's expiry.
      const expiryOf = (der: Uint8Array) => new Date(new X509Certificate(der).validTo);
      const [, fresh] = (await verifyPdfSignatures(archived, { ...judged, validationTime: new Date() }))
        .signatures;
      expect(fresh).toMatchObject({
        indication: 'TOTAL-PASSED',
        timestamp: { renewBefore: expiryOf(shortTsa.tsaCertDer) },
      });
      const [, stale] = (await verifyPdfSignatures(archived, judged)).signatures;
      expect(stale!.timestamp!.renewBefore).toBeUndefined();
      expect(stale).toMatchObject({
        kind: 'document-timestamp',
        indication: 'INDETERMINATE',
        subIndication: 'OUT_OF_BOUNDS_NO_POE',
        problems: ['CERT_EXPIRED_NO_POE'],
      });
      expect(stale!.details.join('\n')).toMatch(
        new RegExp(
          `the document time-stamp: ${expired}, and nothing proves the time-stamp existed before then`,
        ),
      );
      const renewed = (await extendPdf(archived, 'B-LTA', { certificates: [ca.caDer], tsaUrl: tsa.url })).pdf;
      const report = await verifyPdfSignatures(renewed, judged);
      expect(report.signatures.map((s) => s.kind)).toEqual([
        'signature',
        'document-timestamp',
        'document-timestamp',
      ]);
      expect(report.signatures[1]!.timestamp!.renewBefore).toBeUndefined();
      expect(report.signatures[2]!.timestamp!.renewBefore).toEqual(expiryOf(tsa.tsaCertDer));
      expect(report.indication, JSON.stringify(report.signatures.map((s) => s.details))).toBe('TOTAL-PASSED');
      expect(report.signatures[1]!.details.join('\n')).toMatch(
        new RegExp(
          `the document time-stamp: ${expired}: accepted, a later document time-stamp \\(.*, kyso Test Time-Stamping Authority\\) proves the time-stamp existed before then`,
        ),
      );
    });
  });

  it("a signature time-stamp whose TSA's certificate is revoked proves its time only under a later document time-stamp from before the revocation", async () => {
    // A TSA certified by the CA with an OCSP responder, so that its certificate can be revoked.
    const tsaCertificate = ca.issueTsa('/C=VN/O=kyso thử nghiệm/CN=kyso Revocable Time-Stamping Authority');
    const revocableTsa = await startLocalTsa({
      issued: { certFile: tsaCertificate.pemPath, keyFile: tsaCertificate.keyPath, caFile: ca.caPemPath },
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1100)); // one-second certificate times
      const stamped = await signPdf(
        await onePagePdf('Ho so dau thoi gian thu hoi'),
        { level: 'B-T', tsaUrl: revocableTsa.url },
        padesSignerOf(signer),
      );
      const archived = (await extendPdf(stamped, 'B-LTA', { certificates: [ca.caDer], tsaUrl: tsa.url })).pdf;
      const checked: VerifyOptions = {
        ...options,
        timestampRoots: [tsa.caDer, ca.caDer],
        revocation: { policy: 'prefer' },
      };
      const signatureOf = async (pdf: Uint8Array) =>
        (await verifyPdfSignatures(pdf, checked)).signatures.find((s) => s.kind === 'signature')!;
      expect(await signatureOf(stamped)).toMatchObject({ indication: 'TOTAL-PASSED', level: 'B-T' });
      const stampedByIt = (
        await extendPdf(bT, 'B-LTA', { certificates: [ca.caDer], tsaUrl: revocableTsa.url })
      ).pdf;

      // Revoked now: after both time-stamps (one-second times).
      await new Promise((resolve) => setTimeout(resolve, 1100));
      ca.revoke(tsaCertificate, new Date());
      const alone = await signatureOf(stamped);
      expect(alone).toMatchObject({ indication: 'TOTAL-PASSED', level: 'B-B', claimedLevel: 'B-T' });
      expect(alone.details.join('\n')).toMatch(
        /the signature time-stamp .* is ignored: the TSA's certificate was revoked at \S+ \(ocsp\), and nothing proves the time-stamp existed before then, so it proves no time/,
      );
      // A document time-stamp of that TSA, nothing later: INDETERMINATE / REVOKED_NO_POE.
      const [, documentTimestamp] = (await verifyPdfSignatures(stampedByIt, checked)).signatures;
      expect(documentTimestamp).toMatchObject({
        indication: 'INDETERMINATE',
        subIndication: 'REVOKED_NO_POE',
        problems: ['REVOKED_NO_POE'],
      });
      const renewed = await signatureOf(archived);
      expect(renewed).toMatchObject({ indication: 'TOTAL-PASSED', level: 'B-LTA', timeSource: 'timestamp' });
      expect(renewed.details.join('\n')).toMatch(
        /signature time-stamp: the TSA's certificate was revoked at \S+ \(ocsp\): accepted, a later document time-stamp \(.*, kyso Test Time-Stamping Authority\) proves the time-stamp existed before then/,
      );

      // Revoked before either time-stamp: the document time-stamp came too late to prove anything.
      ca.revoke(tsaCertificate, new Date(Date.now() - 60_000));
      expect(await signatureOf(archived)).toMatchObject({ level: 'B-B', claimedLevel: 'B-LTA' });
    } finally {
      await revocableTsa.close();
    }
  });

  it('a "document time-stamp" with a visible appearance after the signature is not validation data: the signature fails', async () => {
    const prepared = await preparePdfSignature(bLT, {
      documentTimestamp: true,
      appearance: {
        kind: 'image',
        rect: { x: 72, y: 600, width: 200, height: 80 },
        signatureImage: blueSignaturePng(),
      },
    });
    const [, start, end, rest] = prepared.byteRange;
    const covered = Buffer.concat([prepared.pdf.subarray(0, start), prepared.pdf.subarray(end, end + rest)]);
    const shadowed = embedPdfSignature(prepared, await requestTimestamp(tsa.url, covered));
    const report = await verifyPdfSignatures(shadowed, options);
    expect(report.signatures[0]).toMatchObject({
      indication: 'TOTAL-FAILED',
      subIndication: 'SIG_CONSTRAINTS_FAILURE',
      coverage: { after: 'other' },
    });
    expect(report.signatures[1]).toMatchObject({ kind: 'document-timestamp', indication: 'TOTAL-PASSED' });
  });

  it('CAdES-LT: certificate and revocation values make a detached CMS pass after expiry offline; openssl still verifies it; CAdES-T does not pass', async () => {
    const content = Buffer.from('Tờ khai lưu trữ 10 năm\n');
    const cms = await signCades(
      {
        contentDigest: createHash('sha256').update(content).digest(),
        digestAlgorithm: 'SHA-256',
        signerCertificate: signer.der,
      },
      signer.signer,
    );
    const cadesT = await addSignatureTimestamp(cms, tsa.url);
    const { cms: cadesLT, missing } = await extendCms(cadesT, { certificates: [ca.caDer] });
    expect(missing.join(' ')).not.toMatch(/Lưu Trữ/);
    expect(opensslCmsVerify({ cms: cadesLT, content, caFile: ca.caPemPath }).ok).toBe(true);
    ca.set('ocsp', false);
    ca.set('crl', false);
    try {
      const later = { ...options, validationTime: afterExpiry() };
      const lt = await verifyCmsSignature({ cms: cadesLT, content }, later);
      expect(lt.indication, JSON.stringify(lt.signatures[0]!.details)).toBe('TOTAL-PASSED');
      expect(lt.signatures[0]).toMatchObject({ level: 'B-LT', revocation: { origin: 'embedded' } });
      // A detached CMS cannot be stamped again (no archive time-stamp): no renewal date is offered.
      expect(lt.signatures[0]!.timestamp!.renewBefore).toBeUndefined();
      const t = await verifyCmsSignature({ cms: cadesT, content }, later);
      expect(t.signatures[0]).toMatchObject({
        indication: 'INDETERMINATE',
        subIndication: 'OUT_OF_BOUNDS_NO_POE',
      });
      // Without any time-stamp, an expired certificate cannot be placed in time at all.
      const bb = await verifyCmsSignature({ cms, content }, { ...later, revocation: { policy: 'off' } });
      expect(bb.signatures[0]).toMatchObject({
        indication: 'INDETERMINATE',
        subIndication: 'OUT_OF_BOUNDS_NO_POE',
      });
    } finally {
      ca.set('ocsp', true);
      ca.set('crl', true);
    }
  });
  describe('several stored answers about one certificate (CAdES revocation values)', () => {
    /** A new signer's CAdES-T signature, and OCSP answers about it fetched from the CA now. */
    async function signedAndAnswered(name: string) {
      const issued = ca.issue(`/C=VN/CN=${name}/UID=CCCD:001199000666`);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // one-second certificate times
      const content = Buffer.from(`Hợp đồng của ${name}\n`);
      const cms = await signCades(
        {
          contentDigest: createHash('sha256').update(content).digest(),
          digestAlgorithm: 'SHA-256',
          signerCertificate: issued.der,
        },
        issued.signer,
      );
      const certificate = parseCertificate(issued.der);
      const issuer = parseCertificate(ca.caDer);
      const ocsp = () => fetchOcspResponse(certificate, issuer, `${ca.url}/ocsp`);
      return { issued, content, cms, ocsp };
    }
    const stored = (cms: Uint8Array, ocsps: Uint8Array[]) =>
      addLongTermValues(cms, { certificates: [], ocsps, crls: [] });
    /** The CA not asked: only what the signature stores counts. */
    const offline = (): VerifyOptions => ({ ...options, revocation: { policy: 'require', offline: true } });

    it('an answer saying revoked (before the time-stamp) wins over a "good" stored before or after it, with or without a time-stamp', async () => {
      const { issued, content, cms, ocsp } = await signedAndAnswered('Thu Hồi Sau');
      const cadesT = await addSignatureTimestamp(cms, tsa.url);
      const good = await ocsp();
      ca.revoke(issued); // revoked a minute ago: before the time-stamp
      const revoked = await ocsp();
      for (const [signed, which] of [
        [cadesT, 'CAdES-T'],
        [cms, 'CAdES-B'],
      ] as const)
        for (const order of [
          [good, revoked],
          [revoked, good],
        ]) {
          const report = await verifyCmsSignature({ cms: stored(signed, order), content }, offline());
          expect(report.signatures[0], which).toMatchObject({
            indication: 'TOTAL-FAILED',
            subIndication: 'REVOKED',
            revocation: { status: 'revoked', origin: 'embedded' },
          });
        }
    });

    it('of two "good" answers fresh for the time-stamp, the later issued is the one reported', async () => {
      const { content, cms, ocsp } = await signedAndAnswered('Hai Câu Trả Lời');
      const cadesT = await addSignatureTimestamp(cms, tsa.url);
      const first = await ocsp();
      await new Promise((resolve) => setTimeout(resolve, 1100)); // OCSP times have one-second precision
      const second = await ocsp();
      const secondTime = basicOcspResponse(second).tbsResponseData.responses[0]!.thisUpdate;
      for (const order of [
        [first, second],
        [second, first],
      ]) {
        const report = await verifyCmsSignature({ cms: stored(cadesT, order), content }, offline());
        expect(report.indication).toBe('TOTAL-PASSED');
        expect(report.signatures[0]!.revocation?.thisUpdate).toEqual(secondTime);
      }
    });
  });
});
