/**
 * kyso's replaceable vgca-shim.js, for portals that include kyso's script instead of the plugin's:
 * the same portal page as plugins-vgca-chromium.test.ts, its script tag pointing at
 * /sdk/vgca-shim.js. No site choice is needed (the page itself loads kyso); the globals keep the
 * plugin's three call shapes and answers.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickClosingWindow, consentWindowAfter } from '../support/browser.js';
import { makeNssDb, pdfsig, writePdf } from '../support/pdf-tools.js';
import { startPortalSession, type PortalSession } from '../support/portal-session.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { signInConsent } from '../support/consent.js';

describe('vgca-shim.js (kyso’s replacement for vgcaplugin.js)', () => {
  let session: PortalSession;
  beforeAll(async () => {
    const plainPdf = await onePagePdf('Cong van so 123');
    session = await startPortalSession(undefined, { 'cong-van.pdf': plainPdf });
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  });

  it('f(json, cb): the page’s button signs and uploads; cb gets the service’s answer; pdfsig accepts the upload', async () => {
    const page = await session.browser.newPage();
    await page.goto(new URL('/vgca-shim-portal.html', session.demo.url).href);
    const consent = await consentWindowAfter(session.browser, () => page.click('#_lanhdaoPheduyet'));
    await signInConsent(consent, '02', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    await page.waitForFunction(() => document.getElementById('raw')!.textContent, { timeout: 60_000 });
    const reply = JSON.parse(await page.$eval('#raw', (el) => el.textContent));
    expect(reply, JSON.stringify(reply)).toMatchObject({ Status: 0, FileName: 'cong-van.pdf' });
    const upload = session.demo.uploads.at(-1)!;
    expect(upload.field).toBe('uploadfile');
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-shim-'));
    expect(
      pdfsig(writePdf(dir, 'signed.pdf', upload.bytes), makeNssDb(dir, [session.token.caPem])).signatures[0]
        ?.valid,
    ).toBe(true);
  }, 120_000);

  it('f(sender, json, cb) gets its sender back; f(cb) answers; unknown functions answer NOT_SUPPORTED', async () => {
    const page = await session.browser.newPage();
    await page.goto(new URL('/vgca-shim-portal.html', session.demo.url).href);
    const [sender, json] = await page.evaluate(
      () =>
        new Promise<[string, string]>((resolve) =>
          (window as any).vgca_sign_json({ id: 'nut-ky' }, '{}', (s: { id: string }, answer: string) =>
            resolve([s.id, answer]),
          ),
        ),
    );
    expect(sender).toBe('nut-ky');
    expect(JSON.parse(json)).toMatchObject({ Status: 1, ErrorCode: 'NOT_SUPPORTED' });
    const version = await page.evaluate(
      () => new Promise<string>((resolve) => (window as any).vgca_get_version(resolve)),
    );
    expect(JSON.parse(version)).toMatchObject({ Status: 0 });
    const malformed = await page.evaluate(
      () => new Promise<string>((resolve) => (window as any).vgca_sign_pdf('not json', resolve)),
    );
    expect(JSON.parse(malformed)).toMatchObject({ Status: 1, ErrorCode: 'BAD_REQUEST' });
  }, 60_000);
});
