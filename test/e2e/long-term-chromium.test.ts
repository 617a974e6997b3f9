/**
 * PAdES B-LTA made in the browser: a portal page calls signPdf({ level: 'B-LTA' }); the consent
 * window says so; the extension signs through the host (SoftHSM, a key whose certificate names the
 * local OCSP responder, CRL and caIssuers), then asks the host for the validation data and a
 * document time-stamp and appends them. Judged by pdfsig, qpdf (the DSS) and the verifier with the
 * OCSP responder and CRL down and the clock past the signer's expiry.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDss } from '../../shared/pdf/long-term.js';
import { verifyPdfSignatures } from '../../verifier/src/index.js';
import {
  clickClosingWindow,
  consentWindowAfter,
  consentWindowOpen,
  setExtensionTsa,
} from '../support/browser.js';
import { signInConsent } from '../support/consent.js';
import { longTermPdfSeenByTools } from '../support/pdf-tools.js';
import { startPortalSession } from '../support/portal-session.js';
import { usePortalTab } from '../support/portal-tab.js';
import { startRevocationCa, type RevocationCa } from '../support/revocation-ca.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';
import { screenshot } from '../support/screenshots.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { importIntoToken } from '../support/token.js';
import { startLocalTsa, type LocalTsa } from '../support/tsa.js';

const DAY = 86_400_000;
/** The token's key for the revocation CA's certificate (the test token has 01…05). */
const LONG_TERM_KEY = '06';

describe('PAdES B-LTA from a portal page (Chromium)', () => {
  let ca: RevocationCa;
  let tsa: LocalTsa;
  let original: Uint8Array;
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-e2e-long-term-'));
  // The token gets the revocation CA's certificate and key before the browser starts.
  const portal = usePortalTab(async () => {
    [ca, tsa] = await Promise.all([startRevocationCa(), startLocalTsa()]);
    const signer = ca.issue('/C=VN/ST=Hà Nội/CN=Trần Thị Lưu Trữ/UID=CCCD:001199000999');
    original = await onePagePdf('Quyet dinh luu tru ho so', 16);
    return startPortalSession((token) => {
      importIntoToken(token, LONG_TERM_KEY, signer.keyPath, signer.der);
      return token.env;
    });
  });

  const setTsa = (url: string | undefined) => setExtensionTsa(portal.session.browser, url);

  const request = () => ({
    pdf: Buffer.from(original).toString('base64'),
    name: 'quyet-dinh-luu-tru.pdf',
    description: 'Quyết định lưu trữ hồ sơ',
    lang: 'vi',
    level: 'B-LTA',
  });

  afterAll(async () => {
    await Promise.all([ca?.close(), tsa?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('without a TSA in the settings: TSA_NOT_CONFIGURED, and no window opens', async () => {
    await setTsa(undefined);
    await sdkCall(portal.page, 'signPdf', request());
    expect(await sdkOutcome(portal.page)).toMatchObject({ ok: false, code: 'TSA_NOT_CONFIGURED' });
    expect(await consentWindowOpen(portal.session.browser, 0)).toBe(false);
  });

  it('B-LTA: the window says so; the PDF carries a DSS and a document time-stamp; pdfsig, qpdf and the verifier (offline, after expiry) accept it', async () => {
    await setTsa(tsa.url);
    const served = ca.served.ocsp;
    const consent = await consentWindowAfter(portal.session.browser, () =>
      sdkCall(portal.page, 'signPdf', request()),
    );
    const notes = await consent.$eval('#document-notes', (el) => (el as HTMLElement).innerText);
    expect(notes).toMatch(/PAdES B-LTA/);
    expect(notes).toMatch(/OCSP\/CRL/);
    // Shown, not only present: laid out with a size, and not hidden by a style.
    const shown = await consent.$eval('#document-notes', (el) => {
      const box = el.getBoundingClientRect();
      return (
        box.width > 0 &&
        box.height > 0 &&
        getComputedStyle(el).visibility === 'visible' &&
        !(el as HTMLElement).closest('[hidden]')
      );
    });
    expect(shown).toBe(true);
    await screenshot(consent, 'consent-pdf-b-lta');
    await signInConsent(consent, LONG_TERM_KEY, portal.session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const result = await sdkOutcome(portal.page);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(await consentWindowOpen(portal.session.browser)).toBe(false);
    expect(ca.served.ocsp).toBeGreaterThan(served); // the host asked the CA's responder

    const pdf = new Uint8Array(Buffer.from(result.pdf as string, 'base64'));
    expect(Buffer.from(pdf.subarray(0, original.length)).equals(Buffer.from(original))).toBe(true);
    const dss = await readDss(pdf);
    expect(dss.ocsps.length).toBeGreaterThanOrEqual(1);
    expect(dss.certificates.map((c) => Buffer.from(c).toString('base64'))).toContain(
      Buffer.from(ca.caDer).toString('base64'),
    );

    const seen = await longTermPdfSeenByTools(pdf, dir, [ca.caPemPath, tsa.caPemPath]);
    expect(seen, seen.pdfsigOutput).toMatchObject({ catalogDss: true, firstSignatureValid: true });
    expect(seen.ocspCounts.some((n) => n >= 1)).toBe(true);
    expect(seen.documentTimestamps).toBeGreaterThan(0);

    ca.set('ocsp', false);
    ca.set('crl', false);
    try {
      const before = ca.served.ocsp + ca.served.crl;
      const report = await verifyPdfSignatures(pdf, {
        trustedRoots: [ca.caDer],
        timestampRoots: [tsa.caDer],
        revocation: { policy: 'require' },
        validationTime: new Date(Date.now() + 12 * DAY), // the signer's certificate (10 days) has expired
      });
      expect(report.indication, JSON.stringify(report.signatures.map((s) => s.details))).toBe('TOTAL-PASSED');
      expect(report.signatures.map((s) => [s.kind, s.level ?? null])).toEqual([
        ['signature', 'B-LTA'],
        ['document-timestamp', null],
      ]);
      expect(report.signatures[0]!.signer?.name).toBe('Trần Thị Lưu Trữ');
      expect(ca.served.ocsp + ca.served.crl).toBe(before);
    } finally {
      ca.set('ocsp', true);
      ca.set('crl', true);
    }
  });

  it('signMany: three PDFs at B-LT under one consent; the CA is asked once for the batch; each carries the DSS', async () => {
    const served = ca.served.ocsp;
    const documents = ['a', 'b', 'c'].map((name) => ({
      kind: 'pdf',
      name: `${name}.pdf`,
      pdf: Buffer.from(original).toString('base64'),
      level: 'B-LT',
    }));
    const consent = await consentWindowAfter(portal.session.browser, () =>
      sdkCall(portal.page, 'signMany', { documents, description: 'Ba hồ sơ lưu trữ', lang: 'en' }),
    );
    const notes = await consent.$eval('#document-notes', (el) => (el as HTMLElement).innerText);
    expect(notes).toMatch(/PAdES B-LT\b/);
    expect(notes).not.toMatch(/B-LTA/);
    await signInConsent(consent, LONG_TERM_KEY, portal.session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const result = await sdkOutcome(portal.page);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.results).toHaveLength(3);
    for (const item of result.results as Array<{ ok: boolean; pdf: string }>) {
      expect(item.ok, JSON.stringify(item)).toBe(true);
      const pdf = new Uint8Array(Buffer.from(item.pdf, 'base64'));
      expect((await readDss(pdf)).ocsps).toHaveLength(1);
      const report = await verifyPdfSignatures(pdf, {
        trustedRoots: [ca.caDer],
        timestampRoots: [tsa.caDer],
      });
      expect(report.signatures.map((s) => [s.kind, s.level ?? null])).toEqual([['signature', 'B-LT']]);
    }
    expect(ca.served.ocsp).toBe(served + 1);
  });
});
