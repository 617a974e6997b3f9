/**
 * The main VGCA flow in Firefox ESR: the portal page with the unmodified vgcaplugin.js
 * (test/fixtures/third_party/plugins/vgca), over https as in production. kyso notices the page trying the
 * plugin, the user chooses "use kyso" in kyso's options, and the page's own calls then sign a PDF,
 * a batch of files with upload, an XML and a message through kyso's consent window.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { signInFirefoxConsent, startFirefoxSession } from '../support/firefox.js';
import { chooseUseKysoInFirefox } from '../support/plugin-choice.js';
import {
  expectSignedFilesUploaded,
  expectUploadedPdfSigned,
  expectVgcaHashSignature,
  openPluginPortal,
  setFieldValue,
  vgcaPortalFiles,
} from '../support/plugin-portal.js';
import { xmlsecVerify } from '../support/xmlsec.js';
import { useSharedSession } from '../support/shared-session.js';

describe('Firefox ESR: a VGCA plugin page signs through kyso', () => {
  const session = useSharedSession(async () => startFirefoxSession(undefined, await vgcaPortalFiles()));
  const portal = () => new URL('/vgca-portal.html', session.portal.url).href;

  /** The plugin's reply, as the portal page shows it (tests empty #raw before each action). */
  const raw = async (page: Page) => {
    // Polled on a timer: the portal tab sits behind the consent window (no animation frames).
    await page.waitForFunction(() => !!document.getElementById('raw')!.textContent, {
      timeout: 60_000,
      polling: 100,
    });
    return JSON.parse(await page.$eval('#raw', (el) => el.textContent)) as Record<string, any>;
  };
  const sign = async (consent: Page) => {
    // Each question is armed after a moment (a click before that is ignored).
    await consent.waitForSelector('body[data-armed="true"]', { timeout: 20_000 });
    if (await consent.$('body[data-state="permission"]')) {
      await consent.click('#allow-site');
      await consent.waitForSelector('body[data-state="ready"][data-armed="true"]', { timeout: 20_000 });
    }
    await signInFirefoxConsent(consent, '01', session.token.pin);
  };

  it('notices the attempt, offers the site in kyso’s options; after "use kyso" the page’s own buttons sign a PDF (pdfsig) with the upload in the real multipart shape', async () => {
    const page = await openPluginPortal(session.browser, portal());
    await page.evaluate(() => (window as any).vgca_get_version(() => ((window as any).answered = true)));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await page.evaluate(() => (window as any).answered)).toBeUndefined();

    await chooseUseKysoInFirefox(session);

    await page.goto(portal());
    const uploads = session.portal.uploads.length;
    await sign(await session.consentWindowAfter(() => page.click('#_lanhdaoPheduyet')));
    const reply = await raw(page);
    expect(reply, JSON.stringify(reply)).toMatchObject({
      Status: 0,
      FileName: 'cong-van.pdf',
      FileServer: `/uploads/${uploads + 1}/cong-van.pdf`,
    });
    expectUploadedPdfSigned(session.portal.uploads, session.token.caPem);
    await page.close();
  }, 180_000);

  it('vgca_sign_files (one consent, uploads verified), vgca_sign_xml inline (xmlsec1) and vgca_sign_msg hash mode (openssl)', async () => {
    const page = await openPluginPortal(session.browser, portal());
    const base = session.portal.url.replace(/\/$/, '');
    const names = ['cong-van.pdf', 'to-khai.xml', 'hoa-don.xml'];
    await setFieldValue(
      page,
      '#_txtfiles',
      JSON.stringify({
        FileUploadHandler: `${base}/upload`,
        SessionId: '',
        Files: names.map((n, i) => ({
          FileID: i,
          FileName: `${base}/files/${n}`,
          URL: `${base}/files/${n}`,
        })),
      }),
    );
    const before = session.portal.uploads.length;
    const batch = await session.consentWindowAfter(() => page.click('#_SignFiles'));
    expect(await batch.$eval('#document-count', (el) => el.getAttribute('data-count'))).toBe('3');
    await sign(batch);
    const files = await raw(page);
    expect(files, JSON.stringify(files)).toMatchObject({ Status: 0 });
    expect(files.Files).toHaveLength(3);
    const uploads = session.portal.uploads.slice(before);
    expectSignedFilesUploaded(uploads, session.token.caPem);

    const xml = readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url));
    await setFieldValue(page, '#xml', xml.toString('base64'));
    await page.$eval('#raw', (el) => (el.textContent = ''));
    await sign(await session.consentWindowAfter(() => page.click('#btn-xml')));
    const signedXml = await raw(page);
    expect(signedXml).toMatchObject({ Status: 0 });
    const xmlRun = xmlsecVerify(
      mkdtempSync(path.join(tmpdir(), 'kyso-ff-xml-')),
      Buffer.from(signedXml.Signature, 'base64'),
      session.token.caPem,
      'inline.xml',
    );
    expect(xmlRun.ok, xmlRun.output).toBe(true);

    const content = Buffer.from('Phiếu điểm học kỳ I');
    await setFieldValue(page, '#hash', createHash('sha256').update(content).digest('base64'));
    await page.$eval('#raw', (el) => (el.textContent = ''));
    const hashConsent = await session.consentWindowAfter(() => page.click('#btn-sign'));
    // The window says plainly that what is signed cannot be shown.
    expect(
      await hashConsent.$eval('#hash-only', (el) => ((el as HTMLElement).hidden ? '' : el.textContent)),
    ).toContain(new URL(session.portal.url).origin);
    await sign(hashConsent);
    expectVgcaHashSignature(await raw(page), content, session.token);
    await page.close();
  }, 180_000);
});
