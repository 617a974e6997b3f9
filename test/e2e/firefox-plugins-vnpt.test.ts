/**
 * The VNPT-CA Plugin page in Firefox ESR: demo/public/vnpt-portal.html with the unmodified
 * vnpt-plugin.js (test/fixtures/third_party/plugins/vnpt), over https. Once the site is set to "use kyso" its
 * WebSocket to wss://localhost:4433/plugin is answered by kyso's emulation in the page's world, and
 * the page's own calls share the certificate and sign a PDF and a tax return through kyso's
 * consent window (pdfsig, xmlsec1), and an XML by node id.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clickInside,
  signInFirefoxConsent,
  startFirefoxSession,
  type FirefoxSession,
} from '../support/firefox.js';
import { scrollIntoViewPainted } from '../support/consent.js';
import { countPixels, isBlue, makeNssDb, pdfsig, renderPage, writePdf } from '../support/pdf-tools.js';
import { blueSignaturePng } from '../support/pdf-images.js';
import { nextRawAnswer } from '../support/plugin-portal.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { xmlsecVerify } from '../support/xmlsec.js';

describe('Firefox ESR: a VNPT-CA Plugin page signs through kyso (unmodified vnpt-plugin.js)', () => {
  let session: FirefoxSession;
  let portal: string;
  let pdf: Uint8Array;
  beforeAll(async () => {
    pdf = await onePagePdf('Hop dong so 45');
    session = await startFirefoxSession();
    portal = new URL('/vnpt-portal.html', session.portal.url).href;
    const origin = new URL(session.portal.url).origin;
    // The user chose "use kyso" for the portal (the choice in kyso's options is shown in
    // firefox-plugins.test.ts). BiDi cannot open moz-extension:// pages; kyso's consent window,
    // opened from the SDK page, is one where the choice can be stored.
    const sdkPage = await session.openPortal();
    const consent = await session.consentWindowAfter(() =>
      sdkPage.evaluate(
        () =>
          void (new Function('return import("/sdk/kyso.js")')() as Promise<any>).then((k) =>
            k
              .signCms({
                digest: 'nxUr1a6P0JXEBtmpNRwJPy/Twc+22fIeqh1R9jYVqmA=',
                digestAlgorithm: 'SHA-256',
                description: 'chọn kyso cho trang',
              })
              .catch(() => undefined),
          ),
      ),
    );
    await consent.evaluate(
      (site) => (globalThis as any).browser.storage.local.set({ pluginSites: { [site]: 'kyso' } }),
      origin,
    );
    await clickInside(consent, '#cancel');
    await sdkPage.close();
    // The background registers the emulation for the origin when the choice is stored.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
  }, 180_000);
  afterAll(async () => {
    await session?.close();
  });

  const sign = async (consent: Page) => {
    if (await consent.$('body[data-state="permission"]')) {
      await consent.click('#allow-site');
      await consent.waitForSelector('body[data-state="ready"][data-armed="true"]', { timeout: 20_000 });
    }
    await signInFirefoxConsent(consent, '01', session.token.pin);
  };
  const setContent = (page: Page, selector: string, value: string) =>
    page.$eval(selector, (el, v) => ((el as HTMLInputElement).value = v), value);

  it('checkPlugin answers "1", setLicenseKey is accepted, getCertInfo answers after "share my certificate"', async () => {
    const page = await session.browser.newPage();
    await page.goto(portal);
    const before = new Set(session.browser.targets());
    await page.click('#btGetCertInfo');
    await page.waitForFunction(() => document.getElementById('plugin')!.textContent === '1', {
      timeout: 30_000,
      polling: 100,
    });
    const prompt = await session.extensionPage('src/plugins/prompt.html', before);
    await prompt.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    await scrollIntoViewPainted(prompt, 'input[name="certificate"][value$="/01"]');
    await prompt.click('input[name="certificate"][value$="/01"]');
    await clickInside(prompt, '#share');
    const info = JSON.parse(await nextRawAnswer(page));
    expect(info).toMatchObject({
      code: 0,
      subjectCN: 'Nguyễn Văn Ân',
      base64: session.token.certDer('01').toString('base64'),
    });
    expect(JSON.parse(await page.$eval('#license', (el) => el.textContent))).toMatchObject({ code: 0 });
    await page.close();
  }, 180_000);

  it('signArrDataAdvanced: a PDF and a tax return, {code: 0, data} each; pdfsig and xmlsec1 accept them', async () => {
    const page = await session.browser.newPage();
    await page.goto(portal);
    await setContent(page, '#fileContent', Buffer.from(pdf).toString('base64'));
    await sign(await session.consentWindowAfter(() => page.click('#btSign')));
    const answer = JSON.parse(await nextRawAnswer(page)) as string[];
    const item = JSON.parse(answer[0]!);
    expect(item).toMatchObject({ code: 0, error: '' });
    expect(await page.$eval('#result', (el) => (el as HTMLTextAreaElement).value)).toBe(
      'Ký dữ liệu thành công.',
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-ff-vnpt-'));
    expect(
      pdfsig(
        writePdf(dir, 'signed.pdf', Buffer.from(item.data, 'base64')),
        makeNssDb(dir, [session.token.caPem]),
      ).signatures[0]?.valid,
    ).toBe(true);

    const previous = JSON.stringify(answer);
    const xml = readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url));
    await setContent(page, '#fileType', 'xml');
    await setContent(page, '#fileContent', xml.toString('base64'));
    await sign(await session.consentWindowAfter(() => page.click('#btSign')));
    const xmlItem = JSON.parse((JSON.parse(await nextRawAnswer(page, previous)) as string[])[0]!);
    expect(xmlItem).toMatchObject({ code: 0 });
    const run = xmlsecVerify(dir, Buffer.from(xmlItem.data, 'base64'), session.token.caPem, 'to-khai.xml');
    expect(run.ok, run.output).toBe(true);
    await page.close();
  }, 180_000);

  it('signPdf with a PdfSigner (rectangle, signature image) draws the image where asked; a cancelled consent answers code 11', async () => {
    const page = await session.browser.newPage();
    await page.goto(portal);
    await setContent(page, '#fileContent', Buffer.from(pdf).toString('base64'));
    await setContent(page, '#image', Buffer.from(blueSignaturePng()).toString('base64'));
    await sign(await session.consentWindowAfter(() => page.click('#btSignPdf')));
    const answer = JSON.parse(await nextRawAnswer(page));
    expect(answer).toMatchObject({ code: 0 });
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-ff-vnpt-pdf-'));
    const file = writePdf(dir, 'signed.pdf', Buffer.from(answer.data, 'base64'));
    expect(pdfsig(file, makeNssDb(dir, [session.token.caPem])).signatures[0]?.valid).toBe(true);
    const raster = renderPage(file);
    expect(countPixels(raster, { x: 400, y: 80, width: 160, height: 80 }, isBlue)).toBeGreaterThan(50);
    expect(countPixels(raster, { x: 0, y: 300, width: 595, height: 542 }, isBlue)).toBe(0);

    const previous = await page.$eval('#raw', (el) => el.textContent);
    const consent = await session.consentWindowAfter(() => page.click('#btSign'));
    await clickInside(consent, '#cancel');
    const cancelled = JSON.parse((JSON.parse(await nextRawAnswer(page, previous)) as string[])[0]!);
    expect(cancelled).toMatchObject({ code: 11, kysoCode: 'USER_CANCELLED' });
    expect(await page.$eval('#result', (el) => (el as HTMLTextAreaElement).value)).toMatch(
      /^11: Người dùng đã huỷ/,
    );
    await page.close();
  }, 180_000);

  it('XML by node id (XmlSigner NodeToSign): the window lists only that element; xmlsec1 (--id-attr) verifies it and nothing outside is signed', async () => {
    const page = await session.browser.newPage();
    await page.goto(portal);
    const xml =
      '<HoSo><HocSinh><Ten>Trần Thị Bích</Ten></HocSinh><DU_LIEU_HOC_BA Id="data"><Diem>8.5</Diem></DU_LIEU_HOC_BA></HoSo>';
    const consent = await session.consentWindowAfter(() =>
      page.evaluate(
        (content) => void (window as any).SignAdvanced(content, 'xml', { NodeToSign: 'data' }),
        Buffer.from(xml).toString('base64'),
      ),
    );
    await consent.waitForSelector('#xml-viewer:not([hidden])', { timeout: 20_000 });
    await consent.$eval('#xml-toggle', (el) => (el as HTMLElement).click());
    await consent.waitForSelector('#xml-table tbody tr', { timeout: 20_000 });
    const rows = await consent.$$eval('#xml-table tbody tr', (trs) =>
      trs.map((tr) => (tr as HTMLElement).innerText),
    );
    expect(rows.join('\n')).toContain('8.5');
    expect(
      rows.every((row) => row.includes('DU_LIEU_HOC_BA')),
      rows.join(' | '),
    ).toBe(true);
    expect(rows.join('\n')).not.toContain('Bích');
    await sign(consent);
    const item = JSON.parse((JSON.parse(await nextRawAnswer(page)) as string[])[0]!);
    expect(item, JSON.stringify(item)).toMatchObject({ code: 0 });
    const signed = Buffer.from(item.data, 'base64').toString('utf8');
    expect(signed).toContain('<Reference URI="#data">');
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-ff-vnpt-node-'));
    const verify = (document: string) => {
      writeFileSync(path.join(dir, 'hoc-ba.xml'), document);
      return spawnSync(
        'xmlsec1',
        [
          '--verify',
          '--trusted-pem',
          session.token.caPem,
          '--id-attr:Id',
          'DU_LIEU_HOC_BA',
          path.join(dir, 'hoc-ba.xml'),
        ],
        { encoding: 'utf8' },
      );
    };
    const run = verify(signed);
    expect(run.status, run.stderr).toBe(0);
    expect(verify(signed.replace('Trần Thị Bích', 'Lê Văn Cường')).status).toBe(0);
    expect(verify(signed.replace('8.5', '9.5')).status).not.toBe(0);
    await page.close();
  }, 180_000);
});
