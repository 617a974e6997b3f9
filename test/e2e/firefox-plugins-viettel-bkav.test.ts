/**
 * The Viettel-CA and BkavCA emulations in Firefox ESR, with the plugins' unmodified page scripts
 * (test/fixtures/third_party/plugins/viettel, bkav), the portal over https as in production: the Viettel
 * emulation's XMLHttpRequest and the BKAV emulation's WebSocket in Firefox's page world, each
 * signature through kyso's consent window.
 *
 * One Firefox per plugin: a third consent window in a row did not always receive input under BiDi
 * (see firefox-plugins.test.ts), so each signature here is its session's second window.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterEach, describe, expect, it } from 'vitest';
import { signInConsent } from '../support/consent.js';
import { clickInside, startFirefoxSession, type FirefoxSession } from '../support/firefox.js';
import { opensslVerifyRawSignature } from '../support/openssl.js';
import { makeNssDb, pdfsig, writePdf } from '../support/pdf-tools.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { chooseUseKysoInFirefox } from '../support/plugin-choice.js';

/** The plugin's answer as the page shows it in #raw (emptied before each action). */
async function raw(page: Page): Promise<string> {
  // Polled on a timer: the portal tab sits behind the consent window (no animation frames).
  await page.waitForFunction(() => !!document.getElementById('raw')!.textContent, {
    timeout: 60_000,
    polling: 100,
  });
  return page.$eval('#raw', (el) => el.textContent ?? '');
}

async function sign(session: FirefoxSession, consent: Page): Promise<void> {
  // Input reaches only the active window.
  await consent.bringToFront();
  await consent.waitForSelector('body[data-armed="true"]', { timeout: 20_000 });
  if (await consent.$('body[data-state="permission"]')) {
    await consent.click('#allow-site');
    await consent.waitForSelector('body[data-state="ready"][data-armed="true"]', { timeout: 20_000 });
  }
  // The certificate list may sit below the fold of a digest's window: signInConsent scrolls to it, and does
  // again a click or key lost on a busy machine (the radio checked, every PIN digit there).
  await signInConsent(consent, '01', session.token.pin);
  await clickInside(consent, '#sign');
}

describe('Firefox ESR: Viettel-CA and BkavCA plugin pages sign through kyso', () => {
  let session: FirefoxSession | undefined;
  afterEach(async () => {
    await session?.close();
    session = undefined;
  });

  it('BkavCAPlugin.SignPDF: nothing answers before "use kyso"; afterwards the PDF is signed after consent (pdfsig)', async () => {
    session = await startFirefoxSession();
    const s = session;
    const bkav = await s.browser.newPage();
    const portal = new URL('/bkav-portal.html', s.portal.url).href;
    await bkav.goto(portal);
    // The page tries wss://localhost:8443: nothing answers, kyso notices the attempt.
    await bkav.evaluate(() => (window as any).connect());
    await bkav.waitForFunction(() => document.getElementById('plugin')!.textContent === '0', {
      timeout: 20_000,
      polling: 100,
    });
    await chooseUseKysoInFirefox(s);

    await bkav.goto(portal);
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
    await sign(s, await s.consentWindowAfter(() => bkav.evaluate(() => (window as any).SignPDF())));
    const signed = Buffer.from(await raw(bkav), 'base64');
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-ff-bkav-'));
    expect(
      pdfsig(writePdf(dir, 'signed.pdf', signed), makeNssDb(dir, [s.token.caPem])).signatures[0]?.valid,
    ).toBe(true);
  }, 240_000);

  it('Viettel-CA: the page’s XMLHttpRequests to 127.0.0.1:14007 reach kyso after "use kyso": getSession, then a SHA-256 signHash after consent (openssl)', async () => {
    session = await startFirefoxSession();
    const s = session;
    const viettel = await s.browser.newPage();
    const portal = new URL('/viettel-portal.html', s.portal.url).href;
    const call = async (fn: string, body: string) => {
      await viettel.$eval('#fn', (el, value) => ((el as HTMLInputElement).value = value), fn);
      await viettel.$eval('#body', (el, value) => ((el as HTMLInputElement).value = value), body);
      await viettel.$eval('#raw', (el) => (el.textContent = ''));
      await viettel.evaluate(() => (window as any).callAny());
      return raw(viettel);
    };
    await viettel.goto(portal);
    // Nothing listens on 14007: the request fails as without the plugin; kyso notices the attempt.
    expect(await call('getSession', 'liblist=viettel-ca_v6.dll')).toBe('NETWORK ERROR');
    await chooseUseKysoInFirefox(s);

    await viettel.goto(portal);
    const sessionId = await call('getSession', 'liblist=viettel-ca_v6.dll');
    expect(sessionId).toMatch(/^[0-9a-f]{32}$/);
    await viettel.evaluate((id) => ((window as any).hSession = id), sessionId);
    const content = Buffer.from('Bảng lương tháng 11/2026');
    await viettel.$eval(
      '#hash',
      (el, value) => ((el as HTMLInputElement).value = value),
      createHash('sha256').update(content).digest('hex'),
    );
    await viettel.$eval('#raw', (el) => (el.textContent = ''));
    await sign(s, await s.consentWindowAfter(() => viettel.evaluate(() => (window as any).signHashSha256())));
    const verified = opensslVerifyRawSignature({
      certificatePem: s.token.certPemPath('01'),
      content,
      signature: Buffer.from(await raw(viettel), 'base64'),
    });
    expect(verified.output).toContain('Verified OK');
  }, 240_000);
});
