/**
 * The options page (also the toolbar popup) against the real host: the PKCS#11 libraries found,
 * adding a vendor's library by path (its token's certificates then appear in the consent window),
 * removing it, the TSA address, the time the consent window waits, and clearing a site that tried a plugin.
 * The browser speaks Vietnamese (as kyso's users' do): the page is read in kyso's Vietnamese.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_EXTENSION_ID } from '../../shared/identity.js';
import { clickClosingWindow, consentWindowAfter, extensionServiceWorker } from '../support/browser.js';
import { SOFTHSM_MODULE } from '../support/paths.js';
import { startPortalSession, type PortalSession } from '../support/portal-session.js';
import { focused } from '../support/page-checks.js';
import { screenshot } from '../support/screenshots.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';
import { userModuleSetup } from '../support/user-modules.js';

describe('options page', () => {
  let session: PortalSession;
  const { dir, config, vendorModule, hostEnv, remove } = userModuleSetup('kyso-options-');
  let options: Page;

  beforeAll(async () => {
    session = await startPortalSession(hostEnv, undefined, ['--lang=vi', '--accept-lang=vi,en']);
    options = await session.browser.newPage();
    await options.goto(`chrome-extension://${CHROMIUM_EXTENSION_ID}/src/options/options.html`);
    await options.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
  });
  afterAll(async () => {
    await session?.close();
    remove();
  });

  const moduleState = (page: Page, file: string) =>
    page
      .$eval(`#modules li[data-path="${file}"]`, (el) => (el as HTMLElement).dataset.loaded)
      .catch(() => 'absent');
  const certificateChoices = async () => {
    const page = await session.openPortal();
    const consent = await consentWindowAfter(session.browser, () =>
      sdkCall(page, 'signCms', {
        digest: Buffer.alloc(32, 3).toString('base64'),
        digestAlgorithm: 'SHA-256',
        description: 'Đếm chứng thư',
      }),
    );
    const count = await consent.$$eval('input[name="certificate"]', (inputs) => inputs.length);
    await clickClosingWindow(consent, '#cancel');
    expect(await sdkOutcome(page)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
    await page.close();
    return count;
  };

  it('lists the libraries it found, adds a vendor library whose token then shows in the consent window, and removes it', async () => {
    expect(await moduleState(options, SOFTHSM_MODULE)).toBe('true');
    const before = await certificateChoices();

    await options.type('#module-path', vendorModule);
    await options.click('#add-module');
    await options.waitForSelector(`#modules li[data-path="${vendorModule}"]`, { timeout: 20_000 });
    expect(await moduleState(options, vendorModule)).toBe('true');
    expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({ modules: [vendorModule] });
    expect(await certificateChoices()).toBe(before * 2); // the same token, reached through both libraries

    await options.type('#module-path', '/etc/passwd');
    await options.click('#add-module');
    await options.waitForSelector('#module-status[data-code="BAD_REQUEST"]', { timeout: 20_000 });
    // The refusal is tied to the field (and announced by the status line it points to).
    await options.waitForSelector('#module-path[aria-invalid="true"][aria-describedby="module-status"]');

    await options.click(`#modules li[data-path="${vendorModule}"] .remove-module`);
    await options.waitForFunction(
      (file) => !document.querySelector(`#modules li[data-path="${file}"]`),
      { timeout: 20_000 },
      vendorModule,
    );
    expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({ modules: [] });
    expect(await certificateChoices()).toBe(before);
  });

  it("a library that cannot be loaded: said in Vietnamese, not in the driver's English; removed by keyboard, the focus stays on the page", async () => {
    const broken = path.join(dir, 'vendor', 'libbroken_p11.so');
    writeFileSync(broken, 'not a shared library');
    await options.click('#module-path', { clickCount: 3 }); // the refused path of the test before is still there
    await options.type('#module-path', broken);
    await options.click('#add-module');
    const line = `#modules li[data-path="${broken}"]`;
    await options.waitForSelector(line, { timeout: 20_000 });
    expect(await moduleState(options, broken)).toBe('false');
    // Without the path (data) and the remove button: only the catalogue's words.
    const words = await options.$eval(line, (item) =>
      [...item.childNodes]
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent)
        .join(''),
    );
    expect(words).toBe(' — bạn thêm — không nạp được — lệnh kyso-host doctor cho biết lý do ');

    // Removed by keyboard: the focus does not fall to the top of the page with its row, it goes
    // where the next thing to do is (the last added library gone: the field to add one).
    await options.focus(`${line} .remove-module`);
    await options.keyboard.press('Enter');
    await options.waitForSelector(line, { hidden: true, timeout: 20_000 });
    expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({ modules: [] });
    expect(await focused(options)).toBe('module-path');
  });

  it('keeps a TSA address only when it is an http(s) URL, and the chosen waiting time', async () => {
    const stored = async (key: string) => {
      const worker = await extensionServiceWorker(session.browser);
      return worker.evaluate(
        (key) => (globalThis as any).chrome.storage.local.get(key).then((r: any) => r[key]),
        key,
      );
    };
    await options.click('#tsa-url', { clickCount: 3 });
    await options.type('#tsa-url', 'ftp://tsa.example.vn');
    await options.click('#save-tsa');
    await options.waitForSelector('#tsa-status[data-saved="false"]');
    expect(await stored('tsaUrl')).toBeUndefined();
    expect(
      await options.$eval('#tsa-url', (el) => [
        el.getAttribute('aria-invalid'),
        el.getAttribute('aria-describedby'),
      ]),
    ).toEqual(['true', 'tsa-status']);
    expect(await options.$eval('#tsa-status', (el) => el.getAttribute('role'))).toBe('status');
    await options.click('#tsa-url', { clickCount: 3 });
    await options.type('#tsa-url', 'http://tsa.example.vn/tsr');
    await options.click('#save-tsa');
    await options.waitForSelector('#tsa-status[data-saved="true"]');
    expect(await stored('tsaUrl')).toBe('http://tsa.example.vn/tsr');
    expect(await options.$eval('#tsa-url', (el) => el.hasAttribute('aria-invalid'))).toBe(false);

    await options.select('#consent-timeout', '600');
    await expect.poll(() => stored('consentTimeoutSeconds')).toBe(600);

    const reloaded = await session.browser.newPage();
    await reloaded.goto(`chrome-extension://${CHROMIUM_EXTENSION_ID}/src/options/options.html`);
    await reloaded.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    expect(await reloaded.$eval('#tsa-url', (el) => (el as HTMLInputElement).value)).toBe(
      'http://tsa.example.vn/tsr',
    );
    expect(await reloaded.$eval('#consent-timeout', (el) => (el as HTMLSelectElement).value)).toBe('600');
    await screenshot(reloaded, 'options');
    await reloaded.close();
  });

  it('a site that tried a signing plugin is listed, and can be removed from the list without a choice (a shared computer)', async () => {
    const page = await session.openPortal();
    const origin = new URL(session.demo.url).origin;
    // The page tries VGCA's loopback address, as a portal does; nothing listens there.
    await page.evaluate(() => void new WebSocket('ws://127.0.0.1:8987/'));
    await options.waitForSelector(`li.plugin-offer[data-origin="${origin}"]`, { timeout: 20_000 });
    await options.bringToFront(); // the portal's tab opened over it
    const forget = `li.plugin-offer[data-origin="${origin}"] .forget`;
    await options.waitForSelector(forget, { timeout: 20_000 });
    // Each row's buttons say which site they act on; removed by keyboard, the focus stays in the section.
    expect(await options.$eval(forget, (el) => el.getAttribute('aria-label'))).toBe(`Xoá ${origin}`);
    await options.focus(forget);
    await options.keyboard.press('Enter');
    await options.waitForSelector(`li.plugin-offer[data-origin="${origin}"]`, { hidden: true });
    expect(await focused(options)).toBe('no-plugin-sites');
    const worker = await extensionServiceWorker(session.browser);
    expect(
      await worker.evaluate(() =>
        (globalThis as any).chrome.storage.local.get(['pluginOffers', 'pluginSites']),
      ),
    ).toEqual({ pluginOffers: {}, pluginSites: {} });
    await page.close();
  });

  it('a site that keeps trying its plugin many times a second does not take the click away: the choice made meanwhile is kept and shown', async () => {
    const page = await session.openPortal();
    const origin = new URL(session.demo.url).origin;
    // As a portal's script retries its plugin: each attempt refreshes the stored offer, and the section draws again.
    await page.evaluate(() => void setInterval(() => void new WebSocket('ws://127.0.0.1:8987/'), 50));
    await options.waitForSelector(`li.plugin-offer[data-origin="${origin}"]`, { timeout: 20_000 });
    await options.bringToFront(); // the portal's tab opened over it
    // Clicked as a person clicks (the button pressed for 100 ms); choosing reloads the site's tabs, the retries stop.
    const { x, y } = await options.$eval(
      `li.plugin-offer[data-origin="${origin}"] .use-installed`,
      (button) => {
        button.scrollIntoView({ block: 'center' });
        const box = button.getBoundingClientRect();
        return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      },
    );
    const reloaded = page.waitForNavigation({ timeout: 20_000 });
    await options.mouse.click(x, y, { delay: 100 });
    await options.waitForSelector(`body[data-plugin-choice="${origin} installed"]`, { timeout: 20_000 });
    await options.waitForSelector(`li.plugin-site[data-origin="${origin}"][data-mode="installed"]`, {
      timeout: 20_000,
    });
    expect(await options.$(`li.plugin-offer[data-origin="${origin}"]`)).toBeNull();
    await reloaded;
    await page.close();
  });
});
