/**
 * The user's choice for a site that calls a signing plugin, made as a person makes it: in kyso's
 * options page (the toolbar popup), in Chromium and in Firefox ESR.
 */
import type { Browser, Page } from 'puppeteer-core';
import { expect } from 'vitest';
import { CHROMIUM_EXTENSION_ID } from '../../shared/identity.js';
import { extensionServiceWorker } from './browser.js';
import { clickInside, type FirefoxSession } from './firefox.js';
import { openPluginPortal } from './plugin-portal.js';
import type { PortalSession } from './portal-session.js';

export const CHROMIUM_OPTIONS_URL = `chrome-extension://${CHROMIUM_EXTENSION_ID}/src/options/options.html`;

/**
 * Clicks "use kyso" or "use the installed plugin" in the options page's row for `origin`:
 * its offer (a site that tried a plugin) or, with `row: 'site'`, its stored choice. A redraw that
 * changes a row replaces its buttons, so one found a moment before may be gone when the click lands:
 * the locator finds it again.
 */
export async function clickPluginChoice(
  options: Page,
  origin: string,
  choice: 'use-kyso' | 'use-installed',
  row: 'offer' | 'site' = 'offer',
): Promise<void> {
  await options.locator(`li.plugin-${row}[data-origin="${origin}"] .${choice}`).setTimeout(20_000).click();
}

/**
 * The options page offers to handle `page`'s site (`origin`), naming `pluginName`; "use kyso" is
 * chosen there, and `page` reloads with kyso's emulation in place.
 */
export async function chooseUseKyso(
  browser: Browser,
  page: Page,
  origin: string,
  pluginName: string,
): Promise<void> {
  const options = await openPluginPortal(browser, CHROMIUM_OPTIONS_URL);
  const offer = await options.waitForSelector(`li.plugin-offer[data-origin="${origin}"]`, {
    timeout: 20_000,
  });
  expect(await offer!.evaluate((el) => el.textContent)).toContain(pluginName);
  const reloaded = page.waitForNavigation({ timeout: 20_000 });
  await clickPluginChoice(options, origin, 'use-kyso');
  await options.waitForSelector(`li.plugin-site[data-origin="${origin}"][data-mode="kyso"]`, {
    timeout: 20_000,
  });
  await reloaded;
  await options.close();
}

/**
 * Chromium: the demo portal page `pagePath` under another origin (127.0.0.1), which the user keeps
 * on the installed plugin: opened, the plugin tried by `tryPlugin` (kyso offers to handle a site
 * only then), "use the installed plugin" chosen in kyso's options, and the page reloaded by kyso.
 */
export async function openKeptOnInstalledPlugin(
  session: PortalSession,
  pagePath: string,
  tryPlugin: (page: Page) => Promise<unknown>,
): Promise<Page> {
  const url = new URL(pagePath, session.demo.url.replace('localhost', '127.0.0.1')).href;
  const page = await openPluginPortal(session.browser, url);
  const options = await openPluginPortal(session.browser, CHROMIUM_OPTIONS_URL);
  await tryPlugin(page);
  const origin = new URL(url).origin;
  await options.waitForSelector(`li.plugin-offer[data-origin="${origin}"]`, { timeout: 20_000 });
  // kyso reloads the site's tabs on a choice: wait for that load (a goto of our own would race it).
  const reloaded = page.waitForNavigation({ timeout: 20_000 });
  await clickPluginChoice(options, origin, 'use-installed');
  await options.waitForSelector(`body[data-plugin-choice="${origin} installed"]`, { timeout: 20_000 });
  await reloaded;
  await options.close();
  return page;
}

/**
 * Chromium: "use kyso" stored for the demo portal's origin as the options page stores it, for the
 * tests of what follows the choice (the choice itself is made in plugins-vgca-chromium.test.ts).
 */
export async function storeUseKyso(session: PortalSession): Promise<void> {
  const worker = await extensionServiceWorker(session.browser);
  await worker.evaluate(
    (origin) => (globalThis as any).chrome.storage.local.set({ pluginSites: { [origin]: 'kyso' } }),
    new URL(session.demo.url).origin,
  );
  // The background registers the emulation for the origin when the choice is stored.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}

/**
 * Firefox ESR: "use kyso" stored for the demo portal's origin (the choice in kyso's options is made
 * in firefox-plugins.test.ts). BiDi cannot open moz-extension:// pages; kyso's consent window,
 * opened from the SDK page, is one where the choice can be stored.
 */
export async function storeUseKysoInFirefox(session: FirefoxSession): Promise<void> {
  const { sdkPage, consent } = await consentWindowFromSdkPage(session, 'chọn kyso cho trang');
  await consent.evaluate(
    (site) => (globalThis as any).browser.storage.local.set({ pluginSites: { [site]: 'kyso' } }),
    new URL(session.portal.url).origin,
  );
  await clickInside(consent, '#cancel');
  await sdkPage.close();
  // The background registers the emulation for the origin when the choice is stored.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
}

/**
 * Firefox ESR: the user chooses "use kyso" for the portal in kyso's options, after the page tried
 * the plugin. BiDi cannot open moz-extension:// pages; an extension page can: kyso's consent
 * window, from the SDK page, opens the options and is cancelled.
 */
export async function chooseUseKysoInFirefox(session: FirefoxSession): Promise<void> {
  const origin = new URL(session.portal.url).origin;
  const { sdkPage, consent } = await consentWindowFromSdkPage(session, 'mở tuỳ chọn');
  const before = new Set(session.browser.targets());
  await consent.evaluate(() =>
    (globalThis as any).browser.tabs.create({
      url: (globalThis as any).browser.runtime.getURL('src/options/options.html'),
    }),
  );
  const options = await session.extensionPage('src/options/', before);
  await clickInside(consent, '#cancel');
  await options.waitForSelector(`li.plugin-offer[data-origin="${origin}"]`, { timeout: 20_000 });
  await clickPluginChoice(options, origin, 'use-kyso');
  await options.waitForSelector(`body[data-plugin-choice="${origin} kyso"]`, { timeout: 20_000 });
  await options.close();
  await sdkPage.close();
}

/**
 * Firefox ESR: a consent window of kyso's, opened by a signCms call from the SDK page: an extension
 * page that can reach kyso's storage and open its options (BiDi cannot open moz-extension:// pages).
 */
export async function consentWindowFromSdkPage(
  session: FirefoxSession,
  description: string,
): Promise<{ sdkPage: Page; consent: Page }> {
  const sdkPage = await session.openPortal();
  const consent = await session.consentWindowAfter(() =>
    sdkPage.evaluate(
      (text) =>
        void (new Function('return import("/sdk/kyso.js")')() as Promise<any>).then((k) =>
          k
            .status()
            .then(() =>
              k.signCms({
                digest: 'nxUr1a6P0JXEBtmpNRwJPy/Twc+22fIeqh1R9jYVqmA=',
                digestAlgorithm: 'SHA-256',
                description: text,
              }),
            )
            .catch(() => undefined),
        ),
      description,
    ),
  );
  return { sdkPage, consent };
}
