/**
 * PAdES B-LT / B-LTA of a document signed in the browser: the extension's own PDF path
 * (planDocument → prepare → finish) with the real native host process fetching the validation data
 * (`validation-data`: the issuer from caIssuers, OCSP from the local responder) and the document
 * time-stamp (`document-timestamp`, local TSA). The signer's certificate (with AIA/CDP) is from the
 * local revocation CA, signing in software: the host only sees the CMS it is asked about. Then, the
 * OCSP responder and CRL down and the clock past the signer's expiry, the verifier says TOTAL-PASSED;
 * qpdf finds the DSS and pdfsig accepts the signature.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { planDocument, signerOf, type LongTermServices } from '../../extension/src/background/documents.js';
import { signCades } from '../../shared/cms/cades.js';
import { addSignatureTimestamp } from '../../shared/cms/timestamp.js';
import { base64ToBytes, bytesToBase64 } from '../../shared/encoding.js';
import { pdfSignatureFields, readDss } from '../../shared/pdf/long-term.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import type { HostResponse } from '../../shared/protocol/host.js';
import { verifyPdfSignatures } from '../../verifier/src/index.js';
import { signedPdfOf } from '../support/extension-document-path.js';
import { startHostSession, type HostSession } from '../support/host-session.js';
import { longTermPdfSeenByTools } from '../support/pdf-tools.js';
import { startRevocationCa, type IssuedCertificate, type RevocationCa } from '../support/revocation-ca.js';
import { startLocalTsa, type LocalTsa } from '../support/tsa.js';

// The extension's document path imports the browser's API (configured images, unused by these documents).
vi.mock('webextension-polyfill', () => ({ default: {} }));

const DAY = 86_400_000;

function resultOf<T>(response: HostResponse): T {
  if (!response.ok) throw new Error(JSON.stringify(response.error));
  return response.result as T;
}

describe('host validation-data and document-timestamp: PAdES B-LT/B-LTA from the extension path', () => {
  let session: HostSession;
  let ca: RevocationCa;
  let tsa: LocalTsa;
  let signer: IssuedCertificate;
  let dir: string;
  let original: Uint8Array;

  /** The extension's LongTermServices (jobs.ts) against this host process. */
  const services = (): LongTermServices => ({
    validationData: async (cms) => resultOf(await session.host.request('validation-data', { cms })),
    documentTimestamp: async (sha256) =>
      base64ToBytes(
        resultOf<{ token: string }>(
          await session.host.request('document-timestamp', {
            digest: bytesToBase64(sha256),
            tsaUrl: tsa.url,
          }),
        ).token,
      ),
  });

  /** planDocument → prepare → (the host's CAdES-T, here in software) → finish with the host's long-term services. */
  async function signThroughExtension(level: 'B-LT' | 'B-LTA', longTerm = services()) {
    const sent = bytesToBase64(original);
    const plan = await planDocument({ kind: 'pdf', name: 'luu-tru.pdf', pdf: sent, level }, 0);
    const prepared = await plan.prepare(signerOf(bytesToBase64(signer.der)), new Date());
    if (prepared.item.kind !== 'cms') throw new Error('a PDF is signed as a CMS');
    expect(prepared.item.timestamp).toBe(true);
    const cms = await signCades(
      {
        contentDigest: base64ToBytes(prepared.item.digest),
        digestAlgorithm: prepared.item.digestAlgorithm,
        signerCertificate: signer.der,
        signingTime: null,
      },
      signer.signer,
    );
    const stamped = await addSignatureTimestamp(cms, tsa.url);
    const result = await prepared.finish({ ok: true, cms: bytesToBase64(stamped) }, longTerm);
    return { plan, pdf: signedPdfOf(sent, result), cms: stamped };
  }

  beforeAll(async () => {
    [session, ca, tsa] = await Promise.all([startHostSession(), startRevocationCa(), startLocalTsa()]);
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-host-long-term-'));
    signer = ca.issue('/C=VN/CN=Nguyễn Văn Lưu Trữ/UID=CCCD:001199000888');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // one-second certificate times
    const doc = await PDFDocument.create();
    doc.addPage([595, 842]);
    original = await doc.save();
  }, 120_000);
  afterAll(async () => {
    await Promise.all([ca?.close(), tsa?.close()]);
    expect(await session.close()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('validation-data: the issuer from caIssuers, an OCSP response from the responder; the TSA without URLs is missing', async () => {
    const { cms } = await signThroughExtension('B-LT');
    const servedBefore = ca.served.ocsp;
    const data = resultOf<{ certificates: string[]; ocsps: string[]; crls: string[]; missing: string[] }>(
      await session.host.request('validation-data', { cms: bytesToBase64(cms) }),
    );
    expect(data.certificates).toContain(bytesToBase64(ca.caDer));
    expect(data.certificates).toContain(bytesToBase64(signer.der));
    expect(data.ocsps).toHaveLength(1);
    expect(ca.served.ocsp).toBe(servedBefore + 1);
    expect(data.missing.join(' ')).toMatch(/Time-Stamping Authority/);
    expect(data.missing.join(' ')).not.toMatch(/Lưu Trữ/);

    // OCSP down: the CRL answers instead.
    ca.set('ocsp', false);
    try {
      const fromCrl = resultOf<{ ocsps: string[]; crls: string[] }>(
        await session.host.request('validation-data', { cms: bytesToBase64(cms) }),
      );
      expect(fromCrl.ocsps).toHaveLength(0);
      expect(fromCrl.crls).toHaveLength(1);
    } finally {
      ca.set('ocsp', true);
    }
  }, 120_000);

  it('B-LTA: DSS and document time-stamp; with the CA down and past the expiry the verifier says TOTAL-PASSED; qpdf and pdfsig agree', async () => {
    const { plan, pdf } = await signThroughExtension('B-LTA');
    expect(plan.consent).toMatchObject({ kind: 'pdf', timestamp: true, longTerm: 'B-LTA' });
    expect(plan.timestamp).toBe(true);
    expect(Buffer.from(pdf.subarray(0, original.length)).equals(Buffer.from(original))).toBe(true);
    const dss = await readDss(pdf);
    expect(dss.ocsps).toHaveLength(1);
    expect(dss.certificates.map(bytesToBase64)).toContain(bytesToBase64(ca.caDer));

    const seen = await longTermPdfSeenByTools(pdf, dir, [ca.caPemPath, tsa.caPemPath]);
    expect(seen, seen.pdfsigOutput).toMatchObject({ catalogDss: true, firstSignatureValid: true });
    expect(seen.ocspCounts).toContain(1);
    expect(seen.documentTimestamps).toBeGreaterThan(0);

    ca.set('ocsp', false);
    ca.set('crl', false);
    try {
      const served = ca.served.ocsp + ca.served.crl;
      const options = {
        trustedRoots: [ca.caDer],
        timestampRoots: [tsa.caDer],
        revocation: { policy: 'require' as const },
        validationTime: new Date(Date.now() + 12 * DAY), // the signer's certificate (10 days) has expired
      };
      const report = await verifyPdfSignatures(pdf, options);
      expect(report.indication, JSON.stringify(report.signatures.map((s) => s.details))).toBe('TOTAL-PASSED');
      expect(report.signatures.map((s) => [s.kind, s.level ?? null])).toEqual([
        ['signature', 'B-LTA'],
        ['document-timestamp', null],
      ]);
      expect(report.signatures[0]!.revocation).toMatchObject({ origin: 'embedded', status: 'good' });
      expect(ca.served.ocsp + ca.served.crl).toBe(served);
    } finally {
      ca.set('ocsp', true);
      ca.set('crl', true);
    }
  }, 180_000);

  it('B-LTA with a TSA whose tokens are large: any token the host may pass fits; a larger one is TIMESTAMP_FAILED', async () => {
    /** The document time-stamp from a TSA that adds a certificate of `extraBytes` to its tokens. */
    const largeTokens = (extraBytes: number): LongTermServices => ({
      validationData: (cms) => services().validationData(cms),
      async documentTimestamp(sha256) {
        tsa.behave({ kind: 'large-token', extraBytes });
        try {
          return await services().documentTimestamp(sha256);
        } finally {
          tsa.behave({ kind: 'grant' });
        }
      },
    });
    const { pdf } = await signThroughExtension('B-LTA', largeTokens(10_500));
    const token = pdfSignatureFields(await PDFDocument.load(pdf)).find((f) => f.documentTimestamp)!.contents;
    // Between the old 12 KiB placeholder and what the protocol passes (LIMITS.maxCmsBase64Chars).
    expect(token.length).toBeGreaterThan(12 * 1024);
    expect(bytesToBase64(token).length).toBeLessThanOrEqual(LIMITS.maxCmsBase64Chars);
    const report = await verifyPdfSignatures(pdf, { trustedRoots: [ca.caDer], timestampRoots: [tsa.caDer] });
    expect(report.indication, JSON.stringify(report.signatures.map((s) => s.details))).toBe('TOTAL-PASSED');
    expect(report.signatures.map((s) => s.kind)).toEqual(['signature', 'document-timestamp']);

    // Larger than the protocol passes: the TSA's failure, in kyso's words, not INTERNAL.
    await expect(largeTokens(16 * 1024).documentTimestamp(new Uint8Array(32).fill(3))).rejects.toThrow(
      /TIMESTAMP_FAILED.*tsa-token-too-large/,
    );
  }, 180_000);

  it('refuses what is not theirs to ask: not a CMS, a non-http TSA, a digest of another length', async () => {
    const notCms = await session.host.request('validation-data', {
      cms: bytesToBase64(new Uint8Array([1, 2, 3])),
    });
    expect(notCms.ok).toBe(false);
    expect(!notCms.ok && notCms.error.code).toBe('BAD_REQUEST');
    const sha256 = bytesToBase64(new Uint8Array(32).fill(7));
    for (const params of [
      { digest: sha256, tsaUrl: 'file:///etc/passwd' },
      { digest: bytesToBase64(new Uint8Array(20)), tsaUrl: tsa.url },
    ]) {
      const response = await session.host.request('document-timestamp', params);
      expect(response.ok).toBe(false);
      expect(!response.ok && response.error.code).toBe('BAD_REQUEST');
    }
    // The host answers after the refusals: a time-stamp token over the digest.
    const token = resultOf<{ token: string }>(
      await session.host.request('document-timestamp', { digest: sha256, tsaUrl: tsa.url }),
    );
    expect(base64ToBytes(token.token).length).toBeGreaterThan(500);
  }, 60_000);
});

describe('host validation-data: responders that never answer, or never end', () => {
  /** The host's time for all validation data, shortened (LIMITS.validationDataTimeoutMs otherwise). */
  const TOTAL_MS = 3000;
  let session: HostSession;
  let ca: RevocationCa;

  beforeAll(async () => {
    [session, ca] = await Promise.all([
      startHostSession({ env: (token) => ({ ...token.env, KYSO_VALIDATION_DATA_MS: String(TOTAL_MS) }) }),
      startRevocationCa(),
    ]);
  }, 120_000);
  afterAll(async () => {
    await ca?.close();
    expect(await session.close()).toBe(0);
  });

  interface ValidationData {
    certificates: string[];
    ocsps: string[];
    crls: string[];
    missing: string[];
  }

  /** The host's validation-data for a CMS `signer` made (over a digest of `fill`s: each test its own). */
  async function validationDataOf(signer: IssuedCertificate, fill: number): Promise<ValidationData> {
    const cms = await signCades(
      {
        contentDigest: new Uint8Array(32).fill(fill),
        digestAlgorithm: 'SHA-256',
        signerCertificate: signer.der,
        signingTime: null,
      },
      signer.signer,
    );
    return resultOf<ValidationData>(
      await session.host.request('validation-data', { cms: bytesToBase64(cms) }),
    );
  }

  it('answers within its own time with what it has, naming each URL not fetched, before the extension gives up', async () => {
    // Five URLs that hang: 10 s each one after another would outlast the wait (the extension's 120 s, here 30 s).
    const signer = ca.issue('/C=VN/CN=Trần Thị Chờ Mãi', {
      ocsp: [1, 2, 3].map((n) => `${ca.url}/ocsp/${n}`),
      crl: [1, 2].map((n) => `${ca.url}/crl/${n}`),
    });
    ca.set('ocsp', 'hang');
    ca.set('crl', 'hang');
    const data = await validationDataOf(signer, 9);
    // The chain (caIssuers answers), no revocation evidence, and why for each URL in kyso's words.
    expect(data.certificates).toEqual(
      expect.arrayContaining([bytesToBase64(ca.caDer), bytesToBase64(signer.der)]),
    );
    expect(data.ocsps).toEqual([]);
    expect(data.crls).toEqual([]);
    expect(data.missing).toHaveLength(1);
    expect(data.missing[0]).toMatch(/Chờ Mãi/);
    for (const url of [1, 2, 3]
      .map((n) => `OCSP ${ca.url}/ocsp/${n}`)
      .concat([1, 2].map((n) => `CRL ${ca.url}/crl/${n}`)))
      expect(data.missing[0]).toContain(url);
    expect(data.missing[0]).toMatch(
      new RegExp(`not fetched within the ${TOTAL_MS / 1000} s for all validation data`),
    );
  }, 60_000);

  it('a CRL that never ends is cut at 8 MiB and named in missing', async () => {
    const signer = ca.issue('/C=VN/CN=Lê Văn Vô Tận');
    ca.set('ocsp', false);
    ca.set('crl', 'endless');
    const data = await validationDataOf(signer, 8);
    expect(data.certificates).toContain(bytesToBase64(signer.der));
    expect(data.crls).toEqual([]);
    expect(data.missing).toHaveLength(1);
    expect(data.missing[0]).toContain(`CRL ${ca.url}/crl: answer from ${ca.url}/crl too large (over 8 MiB)`);
  }, 60_000);

  it('a signer whose issuer cannot be fetched is named in missing, not left out as if complete', async () => {
    ca.set('ocsp', true);
    ca.set('crl', true);
    const signer = ca.issue('/C=VN/CN=Phạm Thị Mồ Côi', {
      ocsp: [`${ca.url}/ocsp`],
      crl: [`${ca.url}/crl`],
      caIssuers: `${ca.url}/no-such-ca.der`, // 503
    });
    const data = await validationDataOf(signer, 7);
    expect(data.certificates).toEqual([bytesToBase64(signer.der)]);
    expect(data.ocsps).toEqual([]);
    expect(data.crls).toEqual([]);
    expect(data.missing).toEqual([expect.stringMatching(/Mồ Côi: its issuer's certificate was not found/)]);
  }, 60_000);
});
