/**
 * Legacy cryptography (docs/verifier.md, "Cryptographic constraints"): a 1024-bit RSA signer key
 * or a SHA-1 certificate signature passes only when a time-stamp proves the signature existed
 * before the sunset date; otherwise INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE_NO_POE. The
 * artefacts are openssl's (`openssl req`, `x509 -sha1`, `cms -sign`); `openssl cms -verify`
 * accepts them all: the policy is kyso's own, as EN 319 102-1 asks of a validator.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachSignatureTimestamp,
  buildTimeStampRequest,
  requestTimestamp,
  signatureValue,
} from '../../shared/cms/timestamp.js';
import { addDocumentTimestamp, DOCUMENT_TIMESTAMP_CONTENTS_BYTES } from '../../shared/pdf/long-term.js';
import { embedPdfSignature, preparePdfSignature } from '../../shared/pdf/pades.js';
import { verifyCmsSignature, verifyPdfSignatures, type VerifyOptions } from '../../verifier/src/index.js';
import {
  issueTestCertificate,
  makeTestCa,
  opensslCmsSign,
  opensslCmsVerify,
  opensslTsVerify,
} from '../support/openssl.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { startLocalTsa, type LocalTsa } from '../support/tsa.js';

const content = Buffer.from('Tờ khai thuế — ký bằng khóa cũ\n');
const pemToDer = (file: string) =>
  new Uint8Array(Buffer.from(readFileSync(file, 'latin1').replace(/-----[^-]+-----|\s/g, ''), 'base64'));

describe('cryptographic constraints: RSA under 2048 bits and SHA-1 need a proof of existence before the sunset', () => {
  let dir: string;
  let tsa: LocalTsa;
  let caPem: string;
  let serial = 0x200;

  /** An openssl-made signer certificate and a detached `openssl cms -sign` CMS over `content`. */
  const signedBy = async (
    name: string,
    rsaBits: number,
    signatureDigest?: string,
    md = 'sha256',
    contentFile = path.join(dir, 'content.txt'),
  ) => {
    const base = path.join(dir, name);
    issueTestCertificate({
      base,
      subject: `/C=VN/CN=${name}`,
      caFile: caPem,
      caKeyFile: path.join(dir, 'ca.key'),
      serialHex: (serial++).toString(16),
      days: 10,
      extensions: 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n',
      rsaBits,
      ...(signatureDigest && { signatureDigest }),
    });
    const cms = await opensslCmsSign({
      contentFile,
      certificateFile: `${base}.pem`,
      keyFile: `${base}.key`,
      outFile: `${base}.p7s`,
      flags: ['-md', md],
    });
    return new Uint8Array(cms);
  };
  const options = (more: Partial<VerifyOptions> = {}): VerifyOptions => ({
    trustedRoots: [pemToDer(caPem)],
    timestampRoots: [tsa.caDer],
    revocation: { policy: 'off' },
    ...more,
  });
  const verdict = async (cms: Uint8Array, more: Partial<VerifyOptions> = {}) => {
    const report = await verifyCmsSignature({ cms, content }, options(more));
    const [signature] = report.signatures;
    return {
      indication: report.indication,
      subIndication: signature!.subIndication,
      problems: signature!.problems,
      timeSource: signature!.timeSource,
      level: signature!.level,
      claimedLevel: signature!.claimedLevel,
      timestamp: signature!.timestamp,
      details: signature!.details.join('\n'),
    };
  };
  /** A sunset just after every time-stamp made so far, judged a day past it, `legacyRoot`'s TSA and the sound one trusted. */
  const pastTheSunsetTrusting = (legacyRoot: Uint8Array): Partial<VerifyOptions> => {
    const sunset = new Date(Date.now() + 1000);
    return {
      legacyCryptoUntil: sunset,
      validationTime: new Date(sunset.getTime() + 86_400_000),
      timestampRoots: [legacyRoot, tsa.caDer],
    };
  };
  /** A PDF's signatures and document time-stamps, oldest first. */
  const reportsOf = async (pdf: Uint8Array, policy: Partial<VerifyOptions>) =>
    (await verifyPdfSignatures(pdf, options(policy))).signatures.sort(
      (x, y) => x.coveredBytes! - y.coveredBytes!,
    );
  /** A document time-stamp of legacy cryptography (`legacy`), stamped again by the sound TSA before the sunset: both pass. */
  const expectRenewed = async (restamped: Uint8Array, legacyRoot: Uint8Array, legacy: string) => {
    const [first, second] = await reportsOf(restamped, pastTheSunsetTrusting(legacyRoot));
    expect(second).toMatchObject({ kind: 'document-timestamp', indication: 'TOTAL-PASSED' });
    expect(first).toMatchObject({
      kind: 'document-timestamp',
      indication: 'TOTAL-PASSED',
      problems: [],
      timeSource: 'timestamp',
    });
    expect(first!.details.join('\n')).toMatch(
      new RegExp(
        `the document time-stamp: ${legacy}: accepted, a later document time-stamp \\(.*, kyso Test Time-Stamping Authority\\) proves the time-stamp existed before`,
      ),
    );
  };
  const timestamped = async (cms: Uint8Array) =>
    attachSignatureTimestamp(cms, await requestTimestamp(tsa.url, signatureValue(cms)));

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-crypto-constraints-'));
    writeFileSync(path.join(dir, 'content.txt'), content);
    caPem = path.join(dir, 'ca.pem');
    makeTestCa(path.join(dir, 'ca.key'), caPem, 'kyso Crypto Constraints CA');
    tsa = await startLocalTsa();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // one-second certificate times
  });
  afterAll(async () => {
    await tsa?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a 2048-bit key with SHA-256 throughout passes (the baseline)', async () => {
    expect(await verdict(await signedBy('Khóa Mới', 2048))).toMatchObject({
      indication: 'TOTAL-PASSED',
      problems: [],
    });
  });

  it('a 1024-bit RSA signer key without a time-stamp: INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE_NO_POE; openssl accepts it', async () => {
    const cms = await signedBy('Khóa 1024', 1024);
    expect(
      opensslCmsVerify({ cms, content, caFile: caPem }).ok,
      'openssl checks no key size: the rule is kyso’s',
    ).toBe(true);
    const result = await verdict(cms);
    expect(result).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
      problems: ['WEAK_KEY'],
    });
    expect(result.details).toMatch(/signer's RSA key has 1024 bits/);
  });

  it('a 1024-bit key time-stamped after the sunset is still INDETERMINATE; time-stamped before it, it passes', async () => {
    const cms = await timestamped(await signedBy('Khóa 1024 Có Dấu Thời Gian', 1024));
    // The test TSA stamps the current time, after the default sunset (2014-01-01).
    expect(await verdict(cms)).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
      problems: ['WEAK_KEY'],
    });
    // An archive policy whose sunset is after the time-stamp: the POE makes the signature acceptable.
    const tomorrow = new Date(Date.now() + 86_400_000);
    const accepted = await verdict(cms, { legacyCryptoUntil: tomorrow });
    expect(accepted).toMatchObject({ indication: 'TOTAL-PASSED', problems: [] });
    expect(accepted.details).toMatch(/1024 bits: accepted, a time-stamp proves/);
    // The POE must be a time-stamp: the sunset alone, without one, proves nothing.
    expect(
      await verdict(await signedBy('Khóa 1024 Không Dấu', 1024), { legacyCryptoUntil: tomorrow }),
    ).toMatchObject({ indication: 'INDETERMINATE', problems: ['WEAK_KEY'] });
  });

  it('a signer certificate signed with SHA-1 (sha1WithRSAEncryption): INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE_NO_POE', async () => {
    const cms = await signedBy('Chứng Thư SHA1', 2048, 'sha1');
    const result = await verdict(cms);
    expect(result).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
      problems: ['WEAK_ALGORITHM'],
    });
    expect(result.details).toMatch(/CN=Chứng Thư SHA1, C=VN is signed with sha1WithRSAEncryption/);
  });

  it('a CMS signed with SHA-1 (openssl cms -sign -md sha1): verified, then INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE_NO_POE, not MALFORMED', async () => {
    const cms = await signedBy('Ký SHA1', 2048, undefined, 'sha1');
    expect(opensslCmsVerify({ cms, content, caFile: caPem }).ok).toBe(true);
    const result = await verdict(cms);
    expect(result).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
      problems: ['WEAK_ALGORITHM'],
    });
    expect(result.details).toMatch(/the signature uses SHA-1 as its digest algorithm/);
    // Still a real check: other content breaks it.
    const changed = await verifyCmsSignature({ cms, content: Buffer.from('Tờ khai khác\n') }, options());
    expect(changed.signatures[0]!.problems).toContain('DIGEST_MISMATCH');
  });

  describe('a time-stamp of legacy cryptography proves no time', () => {
    let weakTsa: LocalTsa;
    beforeAll(async () => {
      weakTsa = await startLocalTsa({ rsaBits: 1024 });
    });
    afterAll(() => weakTsa?.close());

    const stampedBy = async (by: LocalTsa, cms: Uint8Array) => {
      const token = await requestTimestamp(by.url, signatureValue(cms));
      return { token, cms: attachSignatureTimestamp(cms, token) };
    };
    // A sunset between the time-stamp (now) and the validation time (an hour on): only a time-stamp
    // that still proves its time after the sunset makes the 1024-bit signer's key acceptable.
    const afterTheSunset = () => {
      const sunset = new Date(Date.now() + 60_000);
      return {
        legacyCryptoUntil: sunset,
        validationTime: new Date(sunset.getTime() + 3_600_000),
        timestampRoots: [tsa.caDer, weakTsa.caDer],
      };
    };

    it("a TSA's 1024-bit key (openssl ts accepts its token): no POE after the sunset, saying why; a 2048-bit TSA's token proves the signature", async () => {
      const signed = await signedBy('Khóa 1024 Dấu Yếu', 1024);
      const weak = await stampedBy(weakTsa, signed);
      expect(
        opensslTsVerify({
          token: weak.token,
          over: { data: signatureValue(signed) },
          caFile: weakTsa.caPemPath,
        }).ok,
        'openssl checks no key size of a TSA either',
      ).toBe(true);
      const refused = await verdict(weak.cms, afterTheSunset());
      expect(refused).toMatchObject({
        indication: 'INDETERMINATE',
        subIndication: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
        problems: ['WEAK_KEY'],
        timeSource: 'signed-attribute',
        level: 'B-B',
        claimedLevel: 'B-T',
        timestamp: undefined,
      });
      expect(refused.details).toMatch(
        /^warning: the signature time-stamp \(.*Z, .*\) is ignored: the TSA's RSA key has 1024 bits: below what time-stamps may use since .*, and nothing proves the time-stamp existed before then, so it proves no time; B-T is not achieved, the signature is judged as B-B at the validation time$/m,
      );
      // The same signature time-stamped by the 2048-bit TSA: its POE before the sunset holds.
      const strong = await stampedBy(tsa, signed);
      const proven = await verdict(strong.cms, afterTheSunset());
      expect(proven).toMatchObject({ indication: 'TOTAL-PASSED', timeSource: 'timestamp', level: 'B-T' });
      expect(proven.claimedLevel).toBeUndefined();
      expect(proven.timestamp?.time).toBeInstanceOf(Date);
    });

    it("before the sunset (an archive's policy), the 1024-bit TSA's token still proves its time", async () => {
      const signed = await signedBy('Khóa Mới Dấu Yếu', 2048);
      const { cms } = await stampedBy(weakTsa, signed);
      const tomorrow = new Date(Date.now() + 86_400_000);
      expect(
        await verdict(cms, { timestampRoots: [weakTsa.caDer], legacyCryptoUntil: tomorrow }),
      ).toMatchObject({ indication: 'TOTAL-PASSED', problems: [], timeSource: 'timestamp', level: 'B-T' });
      // After it, a signer whose key is sound passes as what it achieves: B-B, judged at the
      // validation time (EN 319 102-1 §5.5.4 drops the time-stamp); no time-stamp time is reported.
      const after = await verdict(cms, { timestampRoots: [weakTsa.caDer] });
      expect(after).toMatchObject({
        indication: 'TOTAL-PASSED',
        timeSource: 'signed-attribute',
        level: 'B-B',
        claimedLevel: 'B-T',
        timestamp: undefined,
      });
      expect(after.details).toMatch(
        /the signature time-stamp .* is ignored: the TSA's RSA key has 1024 bits: below what time-stamps may use.*; B-T is not achieved/,
      );
    });
  });

  it("a document time-stamp by a TSA's 1024-bit key: INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE_NO_POE, no time proven; before the sunset it passes", async () => {
    const weakTsa = await startLocalTsa({ rsaBits: 1024 });
    try {
      const pdf = await addDocumentTimestamp(await onePagePdf('Bien ban luu tru'), weakTsa.url);
      const verdictOf = async (more: Partial<VerifyOptions>) =>
        (await verifyPdfSignatures(pdf, options({ timestampRoots: [weakTsa.caDer], ...more }))).signatures;
      const [stamp] = await verdictOf({});
      expect(stamp).toMatchObject({
        kind: 'document-timestamp',
        indication: 'INDETERMINATE',
        subIndication: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
        problems: ['WEAK_KEY'],
      });
      expect(stamp!.timeSource).toBeUndefined();
      expect(stamp!.details.join('\n')).toMatch(
        /the document time-stamp: the TSA's RSA key has 1024 bits: below what time-stamps may use since 2014-01-01T00:00:00.000Z/,
      );
      const [archived] = await verdictOf({ legacyCryptoUntil: new Date(Date.now() + 86_400_000) });
      expect(archived).toMatchObject({ indication: 'TOTAL-PASSED', timeSource: 'timestamp' });
    } finally {
      await weakTsa.close();
    }
  });

  // SHA-1 in a token is legacy cryptography, judged as a TSA's 1024-bit key is: proves its time
  // before the sunset (an archive's policy), none after it unless a later time-stamp proves the
  // token existed before. The token is verified for it (another imprint is still refused).
  const tomorrow = () => new Date(Date.now() + 86_400_000);

  it('a signature time-stamp signed with SHA-1 (openssl ts accepts it) is ignored after the sunset, naming SHA-1; before it (an archive policy) it proves its time', async () => {
    const sha1Tsa = await startLocalTsa({ signerDigest: 'sha1' });
    try {
      const signed = await signedBy('Khóa 2048 Dấu SHA1', 2048);
      // kyso's own client refuses the token; asked as any other client would, it is made.
      const tokenOver = async (value: Uint8Array) => {
        const answer = await fetch(sha1Tsa.url, {
          method: 'POST',
          headers: { 'content-type': 'application/timestamp-query' },
          body: Buffer.from(buildTimeStampRequest(createHash('sha256').update(value).digest(), 'SHA-256')),
        });
        const response = pkijs.TimeStampResp.fromBER(await answer.arrayBuffer());
        return new Uint8Array(response.timeStampToken!.toSchema().toBER());
      };
      await expect(requestTimestamp(sha1Tsa.url, signatureValue(signed))).rejects.toThrow(
        /does not verify: time-stamp token is signed with SHA-1: it proves no time/,
      );
      const token = await tokenOver(signatureValue(signed));
      expect(
        opensslTsVerify({ token, over: { data: signatureValue(signed) }, caFile: sha1Tsa.caPemPath }).ok,
      ).toBe(true);
      const stamped = attachSignatureTimestamp(signed, token);
      const result = await verdict(stamped, { timestampRoots: [sha1Tsa.caDer] });
      expect(result).toMatchObject({
        indication: 'TOTAL-PASSED',
        problems: [],
        timeSource: 'signed-attribute',
        level: 'B-B',
        claimedLevel: 'B-T',
        timestamp: undefined,
      });
      expect(result.details).toMatch(
        /the signature time-stamp .* is ignored: the time-stamp token is signed with SHA-1: below what time-stamps may use since 2014-01-01T00:00:00.000Z, and nothing proves the time-stamp existed before then, so it proves no time; B-T is not achieved/,
      );
      const archived = await verdict(stamped, {
        timestampRoots: [sha1Tsa.caDer],
        legacyCryptoUntil: tomorrow(),
      });
      expect(archived).toMatchObject({
        indication: 'TOTAL-PASSED',
        problems: [],
        timeSource: 'timestamp',
        level: 'B-T',
      });
      expect(archived.timestamp?.time).toBeInstanceOf(Date);
      // Still verified: a SHA-1 token over another signature proves nothing for this one.
      const other = await signedBy('Khóa 2048 Khác', 2048);
      const misplaced = await verdict(
        attachSignatureTimestamp(signed, await tokenOver(signatureValue(other))),
        {
          timestampRoots: [sha1Tsa.caDer],
          legacyCryptoUntil: tomorrow(),
        },
      );
      expect(misplaced).toMatchObject({ level: 'B-B', claimedLevel: 'B-T', timestamp: undefined });
      expect(misplaced.details).toMatch(
        /is ignored: time-stamp imprint does not match the time-stamped data/,
      );
      // A TSA checked against no root: SHA-1 is refused outright, as kyso's own client does.
      expect((await verdict(stamped, { timestampRoots: undefined })).details).toMatch(
        /is ignored: time-stamp token is signed with SHA-1: it proves no time/,
      );
    } finally {
      await sha1Tsa.close();
    }
  });

  describe('a time-stamp whose message imprint is SHA-1 (openssl ts accepts it) is legacy cryptography, naming SHA-1', () => {
    let sha1Tsa: LocalTsa;
    beforeAll(async () => {
      sha1Tsa = await startLocalTsa({ sha1Imprints: true });
    });
    afterAll(() => sha1Tsa?.close());

    /** A token over `data` with a SHA-1 imprint, asked as an older client would (kyso's own asks SHA-256 only). */
    const sha1Token = async (data: Uint8Array) => {
      const request = new pkijs.TimeStampReq({
        version: 1,
        messageImprint: new pkijs.MessageImprint({
          hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: '1.3.14.3.2.26' }),
          hashedMessage: new asn1js.OctetString({ valueHex: createHash('sha1').update(data).digest() }),
        }),
        certReq: true,
      });
      const answer = await fetch(sha1Tsa.url, {
        method: 'POST',
        headers: { 'content-type': 'application/timestamp-query' },
        body: Buffer.from(request.toSchema().toBER()),
      });
      const response = pkijs.TimeStampResp.fromBER(await answer.arrayBuffer());
      const token = new Uint8Array(response.timeStampToken!.toSchema().toBER());
      expect(opensslTsVerify({ token, over: { data }, caFile: sha1Tsa.caPemPath }).ok).toBe(true);
      return token;
    };
    /** A PDF with a document time-stamp whose imprint is SHA-1. */
    const sha1DocumentTimestamp = async (title: string) => {
      const prepared = await preparePdfSignature(await onePagePdf(title), {
        documentTimestamp: true,
        contentsSize: DOCUMENT_TIMESTAMP_CONTENTS_BYTES,
      });
      const [, start, end] = prepared.byteRange;
      const covered = Buffer.concat([prepared.pdf.subarray(0, start), prepared.pdf.subarray(end)]);
      return embedPdfSignature(prepared, await sha1Token(covered));
    };

    it('a signature time-stamp: ignored after the sunset, the signature B-B judged at the validation time; before it, B-T', async () => {
      const signed = await signedBy('Khóa 2048 Dấu Ảnh SHA1', 2048);
      const stamped = attachSignatureTimestamp(signed, await sha1Token(signatureValue(signed)));
      const result = await verdict(stamped, { timestampRoots: [sha1Tsa.caDer] });
      expect(result).toMatchObject({ indication: 'TOTAL-PASSED', level: 'B-B', claimedLevel: 'B-T' });
      expect(result.details).toMatch(
        /the signature time-stamp .* is ignored: the time-stamp's imprint is hashed with SHA-1: below what time-stamps may use since .*, so it proves no time; B-T is not achieved/,
      );
      expect(result.details).not.toMatch(/unsupported hash/);
      expect(
        await verdict(stamped, { timestampRoots: [sha1Tsa.caDer], legacyCryptoUntil: tomorrow() }),
      ).toMatchObject({ indication: 'TOTAL-PASSED', problems: [], timeSource: 'timestamp', level: 'B-T' });
    });

    it('a document time-stamp: INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE_NO_POE (no HASH_FAILURE: nothing shows the document changed); with no TSA roots, NO_POE', async () => {
      const pdf = await sha1DocumentTimestamp('Luu tru SHA1');
      const [stamp] = (await verifyPdfSignatures(pdf, options({ timestampRoots: [sha1Tsa.caDer] })))
        .signatures;
      expect(stamp).toMatchObject({
        kind: 'document-timestamp',
        indication: 'INDETERMINATE',
        subIndication: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
        problems: ['WEAK_ALGORITHM'],
      });
      expect(stamp!.details.join('\n')).toMatch(
        /the document time-stamp: the time-stamp's imprint is hashed with SHA-1: below what time-stamps may use since 2014-01-01T00:00:00.000Z/,
      );
      const [unjudged] = (await verifyPdfSignatures(pdf, options({ timestampRoots: undefined }))).signatures;
      expect(unjudged).toMatchObject({ subIndication: 'NO_POE', problems: ['TIMESTAMP_INVALID'] });
      expect(unjudged!.details).toContain('time-stamp imprint is hashed with SHA-1: it proves no time');
    });

    it('a document time-stamp stamped again by a SHA-256 TSA before the sunset proves its time (B-LTA renewal)', async () => {
      const restamped = await addDocumentTimestamp(
        await sha1DocumentTimestamp('Luu tru SHA1 gia han'),
        tsa.url,
      );
      await expectRenewed(restamped, sha1Tsa.caDer, "the time-stamp's imprint is hashed with SHA-1");
    });
  });

  describe('a later document time-stamp proves an earlier time-stamp of legacy cryptography existed (B-LTA)', () => {
    let weakTsa: LocalTsa;
    beforeAll(async () => {
      weakTsa = await startLocalTsa({ rsaBits: 1024 });
    });
    afterAll(async () => {
      await weakTsa?.close();
    });
    const pastTheSunset = () => pastTheSunsetTrusting(weakTsa.caDer);

    it("a 1024-bit TSA's document time-stamp, stamped again by a 2048-bit TSA before the sunset, proves its time", async () => {
      const weaklyStamped = await addDocumentTimestamp(await onePagePdf('Luu tru cu'), weakTsa.url);
      const restamped = await addDocumentTimestamp(weaklyStamped, tsa.url);
      const [alone] = await reportsOf(weaklyStamped, pastTheSunset());
      expect(alone).toMatchObject({ indication: 'INDETERMINATE', problems: ['WEAK_KEY'] });
      await expectRenewed(restamped, weakTsa.caDer, "the TSA's RSA key has 1024 bits");
    });

    it('a later time-stamp from after the sunset, or from a TSA not trusted, proves nothing', async () => {
      const restamped = await addDocumentTimestamp(
        await addDocumentTimestamp(await onePagePdf('Luu tru muon'), weakTsa.url),
        tsa.url,
      );
      const policy = pastTheSunset();
      const [late] = await reportsOf(restamped, {
        ...policy,
        legacyCryptoUntil: new Date(Date.now() - 60_000),
      });
      expect(late).toMatchObject({ indication: 'INDETERMINATE', problems: ['WEAK_KEY'] });
      const [untrusted, second] = await reportsOf(restamped, { ...policy, timestampRoots: [weakTsa.caDer] });
      expect(second!.problems).toContain('TIMESTAMP_INVALID');
      expect(untrusted).toMatchObject({ indication: 'INDETERMINATE', problems: ['WEAK_KEY'] });
    });

    it("a PAdES signature time-stamped by a 1024-bit TSA, under a 2048-bit document time-stamp from before the sunset, is B-LTA at its time-stamp's time", async () => {
      const prepared = await preparePdfSignature(await onePagePdf('Ho so ky truoc'), {});
      const [, start, end] = prepared.byteRange;
      const coveredFile = path.join(dir, 'covered.pdf.bin');
      writeFileSync(
        coveredFile,
        Buffer.concat([prepared.pdf.subarray(0, start), prepared.pdf.subarray(end)]),
      );
      const cms = await signedBy('Ký Trước Hạn', 2048, undefined, 'sha256', coveredFile);
      const signedPdf = embedPdfSignature(
        prepared,
        attachSignatureTimestamp(cms, await requestTimestamp(weakTsa.url, signatureValue(cms))),
      );
      const policy = pastTheSunset();
      const [alone] = await reportsOf(signedPdf, policy);
      expect(alone).toMatchObject({ indication: 'TOTAL-PASSED', level: 'B-B', claimedLevel: 'B-T' });
      expect(alone!.timeSource).not.toBe('timestamp');
      const [signature] = await reportsOf(await addDocumentTimestamp(signedPdf, tsa.url), policy);
      expect(signature).toMatchObject({
        kind: 'signature',
        indication: 'TOTAL-PASSED',
        level: 'B-LTA',
        timeSource: 'timestamp',
      });
      expect(signature!.claimedLevel).toBeUndefined();
      expect(signature!.details.join('\n')).toMatch(
        /signature time-stamp: the TSA's RSA key has 1024 bits: accepted, a later document time-stamp/,
      );
    });
  });

  it('below 1024 bits no time-stamp helps: WEAK_KEY even with a POE before the sunset', async () => {
    const cms = await timestamped(await signedBy('Khóa 512', 512));
    expect(await verdict(cms, { legacyCryptoUntil: new Date(Date.now() + 86_400_000) })).toMatchObject({
      indication: 'INDETERMINATE',
      problems: ['WEAK_KEY'],
    });
  });
});
