import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page, type Target } from 'puppeteer-core';
import { CHROMIUM_EXTENSION_ID } from '../../shared/identity.js';
import { EXTENSION_DIST } from './paths.js';

export const CHROMIUM = process.env.KYSO_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that keep Chromium quiet on a machine with no network (see the probe's notes). */
export const QUIET_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=DialMediaRouteProvider',
];

export interface ChromiumSession {
  browser: Browser;
  profileDir: string;
  close(): Promise<void>;
}

/**
 * A fresh profile; `prepareProfile` may install the native host into it before launch. Headless,
 * unless given an X `display` (where windows really gain and lose focus).
 */
export async function launchChromium(
  prepareProfile?: (profileDir: string) => void | Promise<void>,
  extraArgs: string[] = [],
  display?: string,
): Promise<ChromiumSession> {
  const profileDir = mkdtempSync(path.join(tmpdir(), 'kyso-chromium-'));
  await prepareProfile?.(profileDir);
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    userDataDir: profileDir,
    headless: display === undefined,
    ...(display !== undefined && { env: { ...process.env, DISPLAY: display } }),
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      ...QUIET_FLAGS,
      `--disable-extensions-except=${EXTENSION_DIST}`,
      `--load-extension=${EXTENSION_DIST}`,
      ...extraArgs,
    ],
    protocolTimeout: 60_000,
  });
  return {
    browser,
    profileDir,
    close: async () => {
      await browser.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/**
 * Service-worker targets of an extension instance that was reloaded: puppeteer may keep listing
 * them (never reporting them destroyed), and evaluating in them hangs.
 */
const reloadedWorkerTargets = new WeakSet<Target>();

export async function extensionServiceWorker(browser: Browser) {
  const target = await browser.waitForTarget(
    (t) =>
      t.type() === 'service_worker' &&
      t.url().startsWith(`chrome-extension://${CHROMIUM_EXTENSION_ID}/`) &&
      !reloadedWorkerTargets.has(t),
    { timeout: 20_000 },
  );
  const worker = await target.worker();
  if (!worker) throw new Error('extension service worker not reachable');
  // The target shows up before the extension APIs are bound in it.
  for (let i = 0; i < 100; i++) {
    if (
      await worker.evaluate(
        () => typeof (globalThis as { chrome?: { storage?: unknown } }).chrome?.storage === 'object',
      )
    )
      return worker;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('extension APIs never became available in the service worker');
}

/** Lets http://localhost pages ask for signatures (the extension's developer mode). */
export async function enableDeveloperMode(browser: Browser): Promise<void> {
  const worker = await extensionServiceWorker(browser);
  await worker.evaluate(() =>
    (globalThis as unknown as { chrome: any }).chrome.storage.local.set({ developerMode: true }),
  );
}

/** Sets the extension's TSA address, as the options page saves it (undefined: none). */
export async function setExtensionTsa(browser: Browser, url: string | undefined): Promise<void> {
  const worker = await extensionServiceWorker(browser);
  await worker.evaluate(
    (url) =>
      (globalThis as any).chrome.storage.local[url ? 'set' : 'remove'](url ? { tsaUrl: url } : 'tsaUrl'),
    url ?? '',
  );
}

const isConsentTarget = (t: Target) =>
  t.url().startsWith(`chrome-extension://${CHROMIUM_EXTENSION_ID}/`) && t.url().includes('consent');

/**
 * Runs `action` (a click that asks for a signature) and returns the consent window it opened, once
 * loaded. Windows that were already there (a previous one still closing) are not mistaken for it.
 */
export async function consentWindowAfter(
  browser: Browser,
  action: () => Promise<unknown>,
  options: { allowSite?: boolean } = {},
): Promise<Page> {
  const before = new Set(browser.targets().filter(isConsentTarget));
  await action();
  const target = await browser.waitForTarget((t) => isConsentTarget(t) && !before.has(t), {
    timeout: 20_000,
  });
  const page = await target.asPage();
  await waitArmed(page);
  // A site's first request asks whether to allow it; most tests answer yes and go on.
  if ((options.allowSite ?? true) && (await page.$('body[data-state="permission"]'))) {
    await page.click('#allow-site');
    await page.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    await waitArmed(page);
  }
  return page;
}

/**
 * The window shows a question (site permission, or the form) and has passed its activation delay:
 * before that, keys and clicks on its answers are ignored on purpose.
 */
export async function waitArmed(page: Page): Promise<void> {
  await page.waitForSelector(
    'body[data-state="ready"][data-armed="true"], body[data-state="permission"][data-armed="true"]',
    { timeout: 20_000 },
  );
}

/** Whether a consent window is still open, after giving a closing one a moment to go. */
export async function consentWindowOpen(browser: Browser, graceMs = 3000): Promise<boolean> {
  const deadline = Date.now() + graceMs;
  while (browser.targets().some(isConsentTarget)) {
    if (Date.now() > deadline) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/**
 * Clicks a control that closes its own window (Cancel): the click is dispatched from inside the
 * page, so the test does not wait on an input event whose target is going away.
 */
export async function clickClosingWindow(page: Page, selector: string): Promise<void> {
  await page.$eval(selector, (el) => setTimeout(() => (el as HTMLElement).click(), 0));
}

const isExtensionWorker = (t: Target) =>
  t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${CHROMIUM_EXTENSION_ID}/`);

/** Resolves once the extension's current service-worker target (if any) is gone. */
function extensionWorkerGone(browser: Browser): Promise<void> {
  const target = browser.targets().find(isExtensionWorker);
  if (!target) return Promise.resolve();
  return new Promise<void>((resolve) =>
    browser.on('targetdestroyed', function destroyed(t: Target) {
      if (t !== target) return;
      browser.off('targetdestroyed', destroyed);
      resolve();
    }),
  );
}

/**
 * Stops the extension's service worker as Chrome does when it idles out (puppeteer closes its
 * target, then detaches): resolves once the worker's target is gone. Its ports (pages', the native
 * host's) are cut; the next event starts a new worker.
 */
export async function stopExtensionServiceWorker(browser: Browser): Promise<void> {
  const worker = await extensionServiceWorker(browser);
  const gone = extensionWorkerGone(browser);
  await worker.close();
  await gone;
}

/**
 * Turns on chrome://extensions' developer mode, as a developer does before reloading an unpacked
 * extension: without it, Chromium reloads an extension loaded with --load-extension as disabled
 * ("unsupported developer extension"), where an update from the store would not be.
 */
async function allowUnpackedReload(browser: Browser): Promise<void> {
  const page = await browser.newPage();
  try {
    await page.goto('chrome://extensions');
    await page.evaluate(() =>
      (globalThis as any).chrome.developerPrivate.updateProfileConfiguration({ inDeveloperMode: true }),
    );
  } finally {
    await page.close();
  }
}

/**
 * Reloads the extension from its folder, as an update replaces it (`runtime.reload()` in its
 * service worker): every extension page and port closes, content scripts in open tabs are
 * orphaned. Resolves once the new instance's service worker runs with the extension's APIs.
 */
export async function reloadExtension(browser: Browser): Promise<void> {
  await allowUnpackedReload(browser);
  const worker = await extensionServiceWorker(browser);
  for (const target of browser.targets()) if (isExtensionWorker(target)) reloadedWorkerTargets.add(target);
  // Called after the evaluation has answered: the worker goes away with the reload.
  await worker.evaluate(() => void setTimeout(() => (globalThis as any).chrome.runtime.reload(), 0));
  await extensionServiceWorker(browser);
}

/**
 * Disables the extension and enables it again from chrome://extensions, as a person does on that
 * page: like a reload, each open tab's content script is orphaned, but runtime.onInstalled does not
 * fire. Resolves once the new instance's service worker runs with the extension's APIs.
 */
export async function disableAndEnableExtension(browser: Browser): Promise<void> {
  await allowUnpackedReload(browser);
  for (const target of browser.targets()) if (isExtensionWorker(target)) reloadedWorkerTargets.add(target);
  const page = await browser.newPage();
  try {
    await page.goto('chrome://extensions');
    await page.evaluate(async (id) => {
      const management = (globalThis as any).chrome.management;
      await management.setEnabled(id, false);
      await management.setEnabled(id, true);
    }, CHROMIUM_EXTENSION_ID);
  } finally {
    await page.close();
  }
  await reloadedServiceWorker(browser);
}

/**
 * The service worker of an extension instance that was just reloaded. It may wait for an event to
 * start (on a loaded machine past the first wait): an extension page of its own wakes it.
 */
async function reloadedServiceWorker(browser: Browser): Promise<void> {
  try {
    await extensionServiceWorker(browser);
  } catch {
    const options = await browser.newPage();
    await options.goto(`chrome-extension://${CHROMIUM_EXTENSION_ID}/src/options/options.html`);
    await extensionServiceWorker(browser);
    await options.close();
  }
}

/**
 * Ticks the extension's "Allow in Incognito" on chrome://extensions, as a person does: Chromium
 * reloads the extension with it. Resolves once the new instance's service worker runs.
 */
export async function allowExtensionInIncognito(browser: Browser): Promise<void> {
  // Without developer mode Chromium disables an unpacked extension that reloads ("unsupported developer
  // extension") and may leave it so on a loaded machine.
  await allowUnpackedReload(browser);
  for (const target of browser.targets()) if (isExtensionWorker(target)) reloadedWorkerTargets.add(target);
  const page = await browser.newPage();
  try {
    await page.goto('chrome://extensions');
    await page.evaluate(async (id) => {
      const { developerPrivate } = (globalThis as any).chrome;
      await developerPrivate.updateExtensionConfiguration({ extensionId: id, incognitoAccess: true });
      // The page stays until the extension runs again with the setting.
      for (let i = 0; i < 300; i++) {
        const info = await developerPrivate.getExtensionInfo(id);
        if (info.state === 'ENABLED' && info.incognitoAccess.isActive) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the extension did not come back enabled after allowing it in incognito');
    }, CHROMIUM_EXTENSION_ID);
  } finally {
    await page.close();
  }
  await reloadedServiceWorker(browser);
}

/**
 * Opens `url` in a new private (incognito) window, as the user's Ctrl+Shift+N does: the browser's
 * own off-the-record profile, the one extensions allowed in incognito run in (puppeteer's
 * createBrowserContext makes another kind). Returns its page and the window's id.
 */
export async function openPrivateWindow(
  browser: Browser,
  url: string,
): Promise<{ page: Page; windowId: number }> {
  const worker = await extensionServiceWorker(browser);
  const before = new Set(browser.targets());
  const windowId = await worker.evaluate(
    async (url) =>
      ((await (globalThis as any).chrome.windows.create({ url, incognito: true })) as { id: number }).id,
    url,
  );
  const target = await browser.waitForTarget(
    (t) => t.type() === 'page' && t.url() === url && !before.has(t),
    {
      timeout: 20_000,
    },
  );
  const page = await target.asPage();
  return { page, windowId };
}
