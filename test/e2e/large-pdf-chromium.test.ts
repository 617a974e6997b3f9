/**
 * A large PDF in real Chromium: 1,000 pages of text, A4 and A3 landscape (made here, at run time,
 * 2 MB). "Show page 1,000", for a visible signature on the last page, clicked as soon as the window
 * takes clicks — pdf.js may still be reading the file then — shows that page with the signature's
 * outline, in each of two windows; the signed result is valid for pdfsig.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter } from '../support/browser.js';
import { signInConsent } from '../support/consent.js';
import { makeNssDb, pdfsig, writePdf } from '../support/pdf-tools.js';
import { startPortalSession } from '../support/portal-session.js';
import { textPagesPdf } from '../support/sample-pdf.js';
import { usePortalTab } from '../support/portal-tab.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';

const PAGES = 1000;

const largePdf = async () => Buffer.from(await textPagesPdf(PAGES)).toString('base64');

describe('a 1,000-page PDF (Chromium)', () => {
  const portal = usePortalTab(startPortalSession);
  let dir: string;
  let pdf: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-e2e-large-'));
    pdf = await largePdf();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The window for the PDF with a stamp on its last page; "show page 1,000" clicked at once. */
  async function windowOnLastPage() {
    const consent = await consentWindowAfter(portal.session.browser, () =>
      sdkCall(portal.page, 'signPdf', {
        pdf,
        name: 'phu-luc.pdf',
        description: 'Phụ lục 1.000 trang',
        appearance: { kind: 'stamp', lines: ['Ký bởi: Nguyễn Văn A', '{time}'], pageIndex: PAGES - 1 },
      }),
    );
    await consent.click('#appearance-show');
    await consent.waitForSelector(`#preview[data-page="${PAGES}"][data-rendered="true"]`, {
      timeout: 30_000,
    });
    expect(await consent.$eval('#page-position', (el) => (el as HTMLElement).innerText)).toBe(
      'Page 1,000 of 1,000',
    );
    expect(await consent.$eval('#appearance-outline', (el) => (el as HTMLElement).hidden)).toBe(false);
    return consent;
  }

  it('"show page 1,000" clicked while the file may still be opening goes there (first window, cancelled)', async () => {
    await clickClosingWindow(await windowOnLastPage(), '#cancel');
    expect(await sdkOutcome(portal.page)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
  });

  it('… and in a second window, then signed: pdfsig valid', async () => {
    const consent = await windowOnLastPage();
    await signInConsent(consent, '01', portal.session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const result = await sdkOutcome(portal.page);
    expect(result.ok, JSON.stringify(result).slice(0, 500)).toBe(true);
    const signed = writePdf(dir, 'signed.pdf', Buffer.from(result.pdf, 'base64'));
    const report = pdfsig(signed, makeNssDb(dir, [portal.session.token.caPem]));
    expect(report.signatures, report.output).toHaveLength(1);
    expect(report.signatures[0]!.valid, report.output).toBe(true);
  });
});
