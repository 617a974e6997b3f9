/**
 * The Viettel-CA and BkavCA emulations in Firefox ESR, with the plugins' unmodified page scripts
 * (test/fixtures/plugins/viettel, bkav), the portal over https as in production: the Viettel
 * emulation's XMLHttpRequest and the BKAV emulation's WebSocket in Firefox's page world, each
 * signature through kyso's consent window.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickInside, startFirefoxSession, type FirefoxSession } from '../support/firefox.js';
import { opensslVerifyRawSignature } from '../support/openssl.js';
import { makeNssDb, pdfsig, writePdf } from '../support/pdf-tools.js';
import { onePagePdf } from '../support/sample-pdf.js';

describe('Firefox ESR: Viettel-CA and BkavCA plugin pages sign through kyso', () => {
  let session: FirefoxSession;
  let origin: string;
  beforeAll(async () => {
    session = await startFirefoxSession();
    origin = new URL(session.portal.url).origin;
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  });

  /** The plugin's answer as the page shows it in #raw (emptied before each action). */
  const raw = async (page: Page) => {
    // Polled on a timer: the portal tab sits behind the consent window (no animation frames).
    await page.waitForFunction(() => !!document.getElementById('raw')!.textContent, {
      timeout: 60_000,
      polling: 100,
    });
    return page.$eval('#raw', (el) => el.textContent ?? '');
  };
  const sign = async (consent: Page) => {
    await consent.waitForSelector('body[data-armed="true"]', { timeout: 20_000 });
    if (await consent.$('body[data-state="permission"]')) {
      await consent.click('#allow-site');
      await consent.waitForSelector('body[data-state="ready"][data-armed="true"]', { timeout: 20_000 });
    }
    await consent.click('input[name="certificate"][value$="/01"]');
    await consent.type('#pin', session.token.pin);
    await clickInside(consent, '#sign');
  };

  it('after "use kyso" for the portal, BkavCAPlugin.SignPDF (pdfsig) and a Viettel signHash (openssl) sign through kyso', async () => {
    const bkav = await session.browser.newPage();
    await bkav.goto(new URL('/bkav-portal.html', session.portal.url).href);
    // The page tries wss://localhost:8443: nothing answers, kyso notices the attempt.
    await bkav.evaluate(() => (window as any).connect());
    await bkav.waitForFunction(() => document.getElementById('plugin')!.textContent === '0', {
      timeout: 20_000,
      polling: 100,
    });

    // BiDi cannot open moz-extension:// pages; an extension page can: kyso's consent window, from the SDK page.
    const sdkPage = await session.openPortal();
    const consent = await session.consentWindowAfter(() =>
      sdkPage.evaluate(
        () =>
          void (new Function('return import("/sdk/kyso.js")')() as Promise<any>).then((k) =>
            k
              .status()
              .then(() =>
                k.signCms({
                  digest: 'nxUr1a6P0JXEBtmpNRwJPy/Twc+22fIeqh1R9jYVqmA=',
                  digestAlgorithm: 'SHA-256',
                  description: 'mở tuỳ chọn',
                }),
              )
              .catch(() => undefined),
          ),
      ),
    );
    const before = new Set(session.browser.targets());
    await consent.evaluate(() =>
      (globalThis as any).browser.tabs.create({
        url: (globalThis as any).browser.runtime.getURL('src/options/options.html'),
      }),
    );
    const options = await session.extensionPage('src/options/', before);
    await clickInside(consent, '#cancel');
    await options.waitForSelector(`li.plugin-offer[data-origin="${origin}"]`, { timeout: 20_000 });
    await options.click(`li.plugin-offer[data-origin="${origin}"] .use-kyso`);
    await options.waitForSelector(`body[data-plugin-choice="${origin} kyso"]`, { timeout: 20_000 });
    await options.close();
    await sdkPage.close();

    // BKAV: the page's own SignPDF in base64 mode.
    await bkav.goto(new URL('/bkav-portal.html', session.portal.url).href);
    await bkav.evaluate(() => (window as any).connect());
    await bkav.waitForFunction(() => document.getElementById('plugin')!.textContent === '1', {
      timeout: 20_000,
      polling: 100,
    });
    await bkav.$eval(
      '#pdf',
      (el, value) => ((el as HTMLTextAreaElement).value = value),
      Buffer.from(await onePagePdf('Hop dong 21')).toString('base64'),
    );
    await bkav.$eval('#raw', (el) => (el.textContent = ''));
    await sign(await session.consentWindowAfter(() => bkav.evaluate(() => (window as any).SignPDF())));
    const signed = Buffer.from(await raw(bkav), 'base64');
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-ff-bkav-'));
    expect(
      pdfsig(writePdf(dir, 'signed.pdf', signed), makeNssDb(dir, [session.token.caPem])).signatures[0]?.valid,
    ).toBe(true);
    await bkav.close();

    // Viettel: a session, then a SHA-256 signHash posted as the portal component posts it.
    const viettel = await session.browser.newPage();
    await viettel.goto(new URL('/viettel-portal.html', session.portal.url).href);
    await viettel.$eval('#fn', (el) => ((el as HTMLInputElement).value = 'getSession'));
    await viettel.$eval('#body', (el) => ((el as HTMLInputElement).value = 'liblist=viettel-ca_v6.dll'));
    await viettel.$eval('#raw', (el) => (el.textContent = ''));
    await viettel.evaluate(() => (window as any).callAny());
    const sessionId = await raw(viettel);
    expect(sessionId).toMatch(/^[0-9a-f]{32}$/);
    await viettel.evaluate((id) => ((window as any).hSession = id), sessionId);
    const content = Buffer.from('Bảng lương tháng 11/2026');
    await viettel.$eval(
      '#hash',
      (el, value) => ((el as HTMLInputElement).value = value),
      createHash('sha256').update(content).digest('hex'),
    );
    await viettel.$eval('#raw', (el) => (el.textContent = ''));
    await sign(
      await session.consentWindowAfter(() => viettel.evaluate(() => (window as any).signHashSha256())),
    );
    const verified = opensslVerifyRawSignature({
      certificatePem: session.token.certPemPath('01'),
      content,
      signature: Buffer.from(await raw(viettel), 'base64'),
    });
    expect(verified.output).toContain('Verified OK');
    await viettel.close();
  }, 240_000);
});
