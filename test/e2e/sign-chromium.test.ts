/**
 * The whole path in real Chromium: demo portal page → SDK → content script → background → native
 * host → PKCS#11 worker → SoftHSM, with the user acting in the extension's consent window.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ElementHandle, Page } from 'puppeteer-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer } from '../../demo/server.js';
import {
  clickClosingWindow,
  consentWindowAfter,
  consentWindowOpen,
  enableDeveloperMode,
  launchChromium,
} from '../support/browser.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { startPortalSession } from '../support/portal-session.js';
import { useSharedSession } from '../support/shared-session.js';
import { copyTestToken } from '../support/token.js';
import { screenshot } from '../support/screenshots.js';
import { signInConsent, signWithWrongPin } from '../support/consent.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';

const applicationText = 'Đơn đề nghị cấp giấy phép xây dựng — Nguyễn Văn Ân, phường Ba Đình, Hà Nội\n';

describe('signing on the demo portal in Chromium', () => {
  const session = useSharedSession(startPortalSession);
  let page: Page;
  let applicationFile: string;

  beforeAll(async () => {
    applicationFile = path.join(mkdtempSync(path.join(tmpdir(), 'kyso-doc-')), 'don-de-nghi.txt');
    writeFileSync(applicationFile, applicationText);
    page = await session.openPortal();
  });
  afterEach(async () => {
    // every test leaves the portal idle and no consent window behind
    await page.waitForFunction(
      () => document.querySelector('#status')?.getAttribute('data-state') !== 'signing',
      { timeout: 20_000 },
    );
    expect(await consentWindowOpen(session.browser)).toBe(false);
  });

  async function startSigning(): Promise<Page> {
    const input = (await page.$('input#file')) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(applicationFile);
    return consentWindowAfter(session.browser, () => page.click('#sign'));
  }

  async function portalOutcome(): Promise<{ state: string; code: string | null }> {
    await page.waitForFunction(
      () => ['done', 'error'].includes(document.querySelector('#status')!.getAttribute('data-state')!),
      { timeout: 30_000 },
    );
    return page.evaluate(() => ({
      state: document.querySelector('#status')!.getAttribute('data-state')!,
      code: document.querySelector('#error')!.getAttribute('data-code'),
    }));
  }

  it('signs after the user picks a certificate and types the PIN; the portal verifies who signed', async () => {
    const consent = await startSigning();
    expect(await consent.$eval('#origin', (el) => el.textContent)).toContain(new URL(session.demo.url).host);
    expect(await consent.$eval('#description', (el) => el.textContent)).toContain(
      'Đơn đề nghị cấp giấy phép kinh doanh',
    );
    // expired and non-signing certificates are shown but cannot be chosen
    const disabled = await consent.$$eval('input[name="certificate"]:disabled', (els) =>
      els.map((e) => e.value),
    );
    expect(disabled.map((id) => id.split('/')[2]).sort()).toEqual(['03', '04']);
    await signInConsent(consent, '02', session.token.pin);
    await clickClosingWindow(consent, '#sign'); // success closes the window

    expect(await portalOutcome()).toEqual({ state: 'done', code: null });
    expect(await page.$eval('#result-signer', (el) => el.textContent)).toBe('Công ty TNHH Ký Số Việt');
    expect(await page.$eval('#result-identity', (el) => el.textContent)).toBe('MST: 0312345678');
    await screenshot(page, 'portal');
    const submission = session.demo.submissions.at(-1)!;
    expect(submission.signer).toBe('Công ty TNHH Ký Số Việt');
    // an independent verifier agrees with the portal
    const cms = Buffer.from(submission.cms, 'base64');
    expect(
      opensslCmsVerify({ cms, content: Buffer.from(applicationText), caFile: session.token.caPem }).ok,
    ).toBe(true);
    expect(
      opensslCmsVerify({ cms, content: Buffer.from(applicationText + ' '), caFile: session.token.caPem }).ok,
    ).toBe(false);
  });

  it('a wrong PIN shows PIN_INCORRECT in the consent window and returns no signature', async () => {
    const before = session.demo.submissions.length;
    const consent = await startSigning();
    await signWithWrongPin(consent, '01', '999999');
    expect(await page.$eval('#status', (el) => el.getAttribute('data-state'))).toBe('signing');
    await clickClosingWindow(consent, '#cancel');
    expect(await portalOutcome()).toEqual({ state: 'error', code: 'USER_CANCELLED' });
    expect(session.demo.submissions.length).toBe(before);
  });

  it('wrong PIN then right PIN signs with the same consent window', async () => {
    const before = session.demo.submissions.length;
    const consent = await startSigning();
    await signWithWrongPin(consent, '01', '111111');
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    expect(await portalOutcome()).toEqual({ state: 'done', code: null });
    expect(session.demo.submissions.length).toBe(before + 1);
    expect(session.demo.submissions.at(-1)!.identities).toEqual({ CCCD: ['001099012345'] });
  });

  it('cancel returns USER_CANCELLED to the page', async () => {
    const consent = await startSigning();
    await clickClosingWindow(consent, '#cancel');
    expect(await portalOutcome()).toEqual({ state: 'error', code: 'USER_CANCELLED' });
  });

  it('closing the consent window is a cancel too', async () => {
    const consent = await startSigning();
    await consent.close();
    expect(await portalOutcome()).toEqual({ state: 'error', code: 'USER_CANCELLED' });
  });

  it('reloading the asking page ends its request: the consent window closes, nothing can be signed in it', async () => {
    await startSigning();
    await page.reload();
    expect(await consentWindowOpen(session.browser, 10_000)).toBe(false);
  });

  it('the PIN never reaches the page', async () => {
    const leaked = await page.evaluate(
      (pin) => document.documentElement.outerHTML.includes(pin),
      session.token.pin,
    );
    expect(leaked).toBe(false);
  });
});

describe('without the native host', () => {
  it('detect() tells a site not allowed (localhost without developer mode) from a missing host; the page learns HOST_NOT_INSTALLED', async () => {
    const token = copyTestToken();
    const demo = await startDemoServer({ trustedRoots: [] });
    const session = await launchChromium(); // no host manifest in this profile
    try {
      const before = await session.browser.newPage();
      await before.goto(demo.url);
      await before.waitForSelector('#kyso-state[data-state="site-not-allowed"]', { timeout: 20_000 });
      await before.close();
      await enableDeveloperMode(session.browser);
      const page = await session.browser.newPage();
      await page.goto(demo.url);
      await page.waitForSelector('#kyso-state[data-state="host-missing"]', { timeout: 20_000 });
      await sdkCall(page, 'signCms', {
        digest: Buffer.alloc(32).toString('base64'),
        digestAlgorithm: 'SHA-256',
        description: 'thử',
      });
      expect(await sdkOutcome(page)).toMatchObject({ ok: false, code: 'HOST_NOT_INSTALLED' });
      expect(await consentWindowOpen(session.browser, 0)).toBe(false);
    } finally {
      await session.close();
      await demo.close();
      token.remove();
    }
  });
});
