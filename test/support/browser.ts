import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page, type Target } from 'puppeteer-core';
import { CHROMIUM_EXTENSION_ID } from '../../shared/identity.js';
import { EXTENSION_DIST } from './paths.js';

export const CHROMIUM = process.env.KYSO_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that keep Chromium quiet on a machine with no network (see the probe's notes). */
const QUIET_FLAGS = [
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

/** A fresh profile; `prepareProfile` may install the native host into it before launch. */
export async function launchChromium(prepareProfile?: (profileDir: string) => void | Promise<void>): Promise<ChromiumSession> {
  const profileDir = mkdtempSync(path.join(tmpdir(), 'kyso-chromium-'));
  await prepareProfile?.(profileDir);
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    userDataDir: profileDir,
    headless: true,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [...QUIET_FLAGS, `--disable-extensions-except=${EXTENSION_DIST}`, `--load-extension=${EXTENSION_DIST}`],
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

export async function extensionServiceWorker(browser: Browser) {
  const target = await browser.waitForTarget(
    (t) => t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${CHROMIUM_EXTENSION_ID}/`),
    { timeout: 20_000 },
  );
  const worker = await target.worker();
  if (!worker) throw new Error('extension service worker not reachable');
  return worker;
}

/** Lets http://localhost pages ask for signatures (the extension's developer mode). */
export async function enableDeveloperMode(browser: Browser): Promise<void> {
  const worker = await extensionServiceWorker(browser);
  await worker.evaluate(() => (globalThis as unknown as { chrome: any }).chrome.storage.local.set({ developerMode: true }));
}

const isConsentTarget = (t: Target) => t.url().startsWith(`chrome-extension://${CHROMIUM_EXTENSION_ID}/`) && t.url().includes('consent');

/** The extension's consent window, once it has opened and loaded its data. */
export async function waitForConsentWindow(browser: Browser, state = 'ready'): Promise<Page> {
  const target = await browser.waitForTarget(isConsentTarget, { timeout: 20_000 });
  const page = await target.asPage();
  await page.waitForSelector(`body[data-state="${state}"]`, { timeout: 20_000 });
  return page;
}

export function consentWindowOpen(browser: Browser): boolean {
  return browser.targets().some(isConsentTarget);
}
