/** A site's first request asks the user to allow it; the choice is remembered and revocable in the options page. */
import type { Page } from 'puppeteer-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_EXTENSION_ID } from '../../shared/identity.js';
import { clickClosingWindow, consentWindowAfter, consentWindowOpen } from '../support/browser.js';
import { screenshot } from '../support/screenshots.js';
import { startPortalSession } from '../support/portal-session.js';
import { useSharedSession } from '../support/shared-session.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';

describe('per-site permission', () => {
  const session = useSharedSession(startPortalSession);
  let page: Page;
  let origin: string;

  beforeAll(async () => {
    origin = new URL(session.demo.url).origin;
    page = await session.openPortal();
  });

  /** Starts a signing request from the page. */
  const ask = () =>
    sdkCall(page, 'signCms', {
      digest: Buffer.alloc(32, 3).toString('base64'),
      digestAlgorithm: 'SHA-256',
      description: 'Thử quyền',
    });
  /** 'ok', or the error code. */
  const outcome = async () => {
    const { ok, code } = await sdkOutcome(page);
    return ok ? 'ok' : code;
  };

  async function openOptions(): Promise<Page> {
    const options = await session.browser.newPage();
    await options.goto(`chrome-extension://${CHROMIUM_EXTENSION_ID}/src/options/options.html`);
    await options.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    return options;
  }

  /** Revokes the site's decision in the options page, then asks again: the site question is back. */
  async function revokeThenAsk(options: Page): Promise<Page> {
    await options.click(`#sites li[data-origin="${origin}"] button.revoke`);
    await options.waitForSelector(`#sites li[data-origin="${origin}"]`, { hidden: true });
    // The focus left with the row stays in the site list (another row's button, or "no sites yet"), not the page's top.
    expect(
      await options.evaluate(() =>
        document.activeElement?.closest('section')?.getAttribute('aria-labelledby'),
      ),
    ).toBe('sites-title');
    await options.close();
    const consent = await consentWindowAfter(session.browser, ask, { allowSite: false });
    expect(await consent.$eval('body', (b) => b.dataset.state)).toBe('permission');
    return consent;
  }

  /** The next request (same page, never reloaded) is refused at once, with no window. */
  async function refusedAtOnce(): Promise<void> {
    await ask();
    expect(await outcome()).toBe('ORIGIN_NOT_ALLOWED');
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);
  }
  /** The next request opens the consent form straight away (the site is allowed: no question); cancelled. */
  async function consentFormAtOnce(): Promise<void> {
    const consent = await consentWindowAfter(session.browser, ask, { allowSite: false });
    expect(await consent.$eval('body', (b) => b.dataset.state)).toBe('ready');
    await clickClosingWindow(consent, '#cancel');
    expect(await outcome()).toBe('USER_CANCELLED');
  }

  it('asks the first time, shows the origin, and remembers an allowed site', async () => {
    const consent = await consentWindowAfter(session.browser, ask, { allowSite: false });
    expect(await consent.$eval('body', (b) => b.dataset.state)).toBe('permission');
    expect(await consent.$eval('#origin', (el) => el.textContent)).toBe(origin);
    expect(await consent.$eval('#consent', (f) => (f as HTMLElement).hidden)).toBe(true); // no PIN field before the answer
    await screenshot(consent, 'site-permission');
    await consent.click('#allow-site');
    await consent.waitForSelector('body[data-state="ready"][data-armed="true"]');
    await clickClosingWindow(consent, '#cancel');
    expect(await outcome()).toBe('USER_CANCELLED');

    const again = await consentWindowAfter(session.browser, ask, { allowSite: false });
    expect(await again.$eval('body', (b) => b.dataset.state)).toBe('ready'); // remembered
    await clickClosingWindow(again, '#cancel');
    expect(await outcome()).toBe('USER_CANCELLED');
  });

  it('the options page lists the site and shows the host and certificates; revoking asks again', async () => {
    const options = await openOptions();
    expect(await options.$eval(`#sites li[data-origin="${origin}"]`, (li) => li.textContent)).toContain(
      'allowed',
    );
    await options.waitForFunction(() =>
      document.querySelector('#host-status')?.textContent?.includes('kyso-host 0.1.0'),
    );
    expect(await options.$eval('#certificates', (ul) => ul.textContent)).toContain(
      'Công ty TNHH Ký Số Việt MST:0312345678',
    );
    const consent = await revokeThenAsk(options);
    await clickClosingWindow(consent, '#deny-site');
    expect(await outcome()).toBe('ORIGIN_NOT_ALLOWED');
    expect(await consentWindowOpen(session.browser)).toBe(false);
  });

  it('a site not yet answered cannot open kyso’s plugin windows; refused in its first window, its requests already waiting end too, with no window', async () => {
    const options = await openOptions();
    await options.click(`#sites li[data-origin="${origin}"] button.revoke`);
    await options.waitForSelector(`#sites li[data-origin="${origin}"]`, { hidden: true });
    await options.close();
    // The plugins' "share my certificate" and "pick a file" windows are for sites the user chose or allowed.
    await sdkCall(page, 'pluginRequest', { action: 'share-certificate', plugin: 'vgca' });
    expect(await outcome()).toBe('ORIGIN_NOT_ALLOWED');
    expect(await consentWindowOpen(session.browser, 500)).toBe(false);
    expect(session.browser.targets().some((t) => t.url().includes('/plugins/prompt.html'))).toBe(false);

    // Two requests at once: the first window asks about the site; the second waits behind it.
    const askTwice = () =>
      page.evaluate(() => {
        const w = window as any;
        w.kysoBoth = undefined;
        void (new Function('return import("/sdk/kyso.js")')() as Promise<any>)
          .then((kyso) =>
            Promise.allSettled(
              [1, 2].map((n) =>
                kyso.signCms({
                  digest: btoa(String.fromCharCode(...new Uint8Array(32).fill(n))),
                  digestAlgorithm: 'SHA-256',
                  description: `Thử quyền ${n}`,
                }),
              ),
            ),
          )
          .then((all) => (w.kysoBoth = all.map((r) => (r.status === 'fulfilled' ? 'ok' : r.reason.code))));
      });
    const consent = await consentWindowAfter(session.browser, askTwice, { allowSite: false });
    expect(await consent.$eval('body', (b) => b.dataset.state)).toBe('permission');
    await clickClosingWindow(consent, '#deny-site');
    await page.waitForFunction(() => (window as any).kysoBoth !== undefined, { timeout: 15_000 });
    expect(await page.evaluate(() => (window as any).kysoBoth)).toEqual([
      'ORIGIN_NOT_ALLOWED',
      'ORIGIN_NOT_ALLOWED',
    ]);
    expect(await consentWindowOpen(session.browser)).toBe(false);
  });

  it('a refused site gets ORIGIN_NOT_ALLOWED at once, with no window, until the user revokes the refusal', async () => {
    await ask();
    expect(await outcome()).toBe('ORIGIN_NOT_ALLOWED');
    expect(await consentWindowOpen(session.browser, 0)).toBe(false);
    const options = await openOptions();
    expect(await options.$eval(`#sites li[data-origin="${origin}"]`, (li) => li.textContent)).toContain(
      'refused',
    );
    const consent = await revokeThenAsk(options);
    await clickClosingWindow(consent, '#cancel');
    expect(await outcome()).toBe('USER_CANCELLED');
  });

  it('storage.local changed by another extension context (options page) applies to the very next request', async () => {
    const options = await openOptions();
    // Written from the options page itself: the background learns of it only through storage.onChanged.
    const write = (items: Record<string, unknown>) =>
      options.evaluate((items) => (globalThis as any).chrome.storage.local.set(items), items);
    await write({ sitePermissions: { [origin]: 'allowed' } });
    await consentFormAtOnce(); // the background now holds 'allowed' in memory
    await write({ sitePermissions: { [origin]: 'blocked' } });
    await refusedAtOnce();
    await write({ sitePermissions: { [origin]: 'allowed' } });
    await consentFormAtOnce();

    // Developer mode (what lets http://localhost ask), turned off and on with the options page's checkbox.
    const developerMode = () =>
      options.evaluate(
        async () => (await (globalThis as any).chrome.storage.local.get('developerMode')).developerMode,
      );
    expect(await options.$eval('#developer-mode', (el) => (el as HTMLInputElement).checked)).toBe(true);
    await options.click('#developer-mode');
    await expect.poll(developerMode).toBe(false);
    await refusedAtOnce();
    await options.click('#developer-mode');
    await expect.poll(developerMode).toBe(true);
    await consentFormAtOnce();
    await options.close();
  });
  it('a request waiting behind another window, when the site is revoked meanwhile: asked about the site again; when refused meanwhile: no window', async () => {
    const options = await openOptions();
    const write = async (items: Record<string, unknown>) => {
      await options.bringToFront(); // a tab behind the consent window may not run scripts at once
      await options.evaluate((items) => (globalThis as any).chrome.storage.local.set(items), items);
    };
    await write({ sitePermissions: { [origin]: 'allowed' } });
    const second = await session.openPortal();
    const askFrom = (tab: Page) =>
      sdkCall(tab, 'signCms', {
        digest: Buffer.alloc(32, 4).toString('base64'),
        digestAlgorithm: 'SHA-256',
        description: 'Chờ sau cửa sổ khác',
      });

    // Revoked (the options page's "revoke" forgets the decision) while the second request waits its turn.
    const first = await consentWindowAfter(session.browser, ask, { allowSite: false });
    expect(await first.$eval('body', (b) => b.dataset.state)).toBe('ready');
    await askFrom(second);
    await write({ sitePermissions: {} });
    const next = await consentWindowAfter(session.browser, () => clickClosingWindow(first, '#cancel'), {
      allowSite: false,
    });
    expect(await outcome()).toBe('USER_CANCELLED');
    expect(await next.$eval('body', (b) => b.dataset.state)).toBe('permission');
    await clickClosingWindow(next, '#cancel');
    expect((await sdkOutcome(second)).code).toBe('USER_CANCELLED');

    // Refused (here by a write, as a window's "refuse" or another context would) while it waits.
    await write({ sitePermissions: { [origin]: 'allowed' } });
    const third = await consentWindowAfter(session.browser, ask, { allowSite: false });
    await askFrom(second);
    await write({ sitePermissions: { [origin]: 'blocked' } });
    await clickClosingWindow(third, '#cancel');
    expect(await outcome()).toBe('USER_CANCELLED');
    expect((await sdkOutcome(second)).code).toBe('ORIGIN_NOT_ALLOWED');
    expect(await consentWindowOpen(session.browser)).toBe(false);
    await write({ sitePermissions: {} });
    await options.close();
    await second.close();
  });
});
